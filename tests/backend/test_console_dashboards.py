"""The console's dashboards over real HTTP on the demo plant, SQLite and PostgreSQL: every shipped report drawn
with the page's filters applied by the report engine, a figure drilled into (the report behind it, exported too),
bad filters refused with the reason, and roles that may not see them refused."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient
from openpyxl import load_workbook
from sqlalchemy.engine import Engine

from backend.app import create_app
from backend.config import Settings
from backend.console.dashboard_view import DASHBOARD
from tests.backend.test_console_pages import db, log_in

EN = {"accept-language": "en"}


@pytest.fixture
def qa(demo_engine: Engine, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, demo_engine)) as client:
        yield log_in(client, "qa")


def cards(html: str) -> dict[str, dict[str, Any]]:
    found = re.findall(r'<section class="card dash-card" id="card-([a-z_]+)".*?<script type="application/json">'
                       r'(.*?)</script>', html, re.S)
    return {code: json.loads(data) for code, data in found}


def test_every_shipped_report_is_a_card_with_its_exports(qa: TestClient) -> None:
    page = qa.get("/console/dashboards/", headers=EN)
    assert page.status_code == 200, page.text
    drawn = cards(page.text)
    assert list(drawn) == list(DASHBOARD)
    pareto = drawn["defect_pareto"]
    assert pareto["chart"]["type"] == "pareto" and pareto["dimensions"] == ["code"]
    counts = [r[1] for r in pareto["rows"]]
    assert counts == sorted(counts, reverse=True) and pareto["rows"][0][0] == "D-MFI"
    assert 'href="/console/dashboards/defect_pareto/export?format=xlsx"' in page.text
    assert "Defect Pareto by code" in page.text and "Not filtered by" not in page.text


def test_filters_run_through_the_report_engine_and_unusable_ones_are_named(qa: TestClient, demo_engine: Engine) -> None:
    whole = cards(qa.get("/console/dashboards/", headers=EN).text)
    (supplier,) = db(demo_engine, "SELECT s.code FROM supplier s JOIN unit u ON u.supplier_id = s.id "
                                  "JOIN inspection i ON i.unit_id = u.id GROUP BY s.code ORDER BY COUNT(*) DESC "
                                  "LIMIT 1")[0]
    page = qa.get("/console/dashboards/", params={"supplier": supplier}, headers=EN)
    assert page.status_code == 200, page.text
    narrowed = cards(page.text)
    suppliers = {r[0] for r in narrowed["supplier_ppm_by_month"]["rows"]}
    assert suppliers == {supplier}
    assert sum(r[1] for r in narrowed["defect_pareto"]["rows"]) <= sum(r[1] for r in whole["defect_pareto"]["rows"])
    # work orders have no supplier: the card says so and shows them all
    assert narrowed["output_vs_work_orders"]["rows"] == whole["output_vs_work_orders"]["rows"]
    card = page.text.split('id="card-output_vs_work_orders"')[1].split("</section>")[0]
    assert "Not filtered by: Supplier" in card
    future = cards(qa.get("/console/dashboards/", params={"from": "2099-01-01"}).text)
    assert all(c["rows"] == [] for code, c in future.items() if code != "recall_progress" or c["rows"] == [])


def test_a_bad_period_is_refused_naming_the_field(qa: TestClient) -> None:
    page = qa.get("/console/dashboards/", params={"from": "2026-13-01"}, headers=EN)
    assert page.status_code == 422 and "from: &#39;2026-13-01&#39; is not a date" in page.text
    backwards = qa.get("/console/dashboards/", params={"from": "2026-10-02", "to": "2026-10-01"}, headers=EN)
    assert backwards.status_code == 422 and "starts (2026-10-02) after it ends" in backwards.text


def test_a_pareto_bar_drills_into_the_inspections_behind_it(qa: TestClient) -> None:
    pareto = cards(qa.get("/console/dashboards/").text)["defect_pareto"]
    code, defects = pareto["rows"][0][0], pareto["rows"][0][1]
    page = qa.get("/console/dashboards/defect_pareto/drill", params={"at.code": code}, headers=EN)
    assert page.status_code == 200, page.text
    assert f"code = {code}" in page.text and 'id="drill-table"' in page.text
    exported = qa.get("/console/dashboards/defect_pareto/export", params={"format": "csv", "at.code": code},
                      headers=EN)
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows and set(rows[0]) >= {"Inspected (day)", "Stage", "Item", "Supplier", "Defects"}
    assert sum(float(r["Defects"]) for r in rows) == defects   # the figure is the sum of its rows


def test_a_month_of_supplier_ppm_drills_into_that_month_only(qa: TestClient) -> None:
    ppm = cards(qa.get("/console/dashboards/").text)["supplier_ppm_by_month"]
    supplier, month, inspections = ppm["rows"][0][0], ppm["rows"][0][1], ppm["rows"][0][4]
    answer = qa.get("/console/dashboards/supplier_ppm_by_month/export",
                    params={"format": "xlsx", "at.supplier": supplier, "at.occurred_at_month": month}, headers=EN)
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.content), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    days = [r[header.index("Inspected (day)")] for r in body]
    assert days and all(str(d).startswith(month) for d in days)
    assert sum(r[header.index("Inspections")] for r in body) == inspections


def test_a_work_order_drills_into_the_units_it_made(qa: TestClient, demo_engine: Engine) -> None:
    orders = cards(qa.get("/console/dashboards/").text)["output_vs_work_orders"]
    made = next(r for r in orders["rows"] if r[3])
    page = qa.get("/console/dashboards/output_vs_work_orders/drill",
                  params={"at.work_order": made[0], "at.item": made[1]}, headers=EN)
    assert page.status_code == 200, page.text
    units = re.findall(r'href="/console/trace/\?code=([^"]+)"', page.text)
    expected = db(demo_engine, "SELECT COUNT(DISTINCT l.unit_id) FROM event_line l JOIN event e ON e.id = l.event_id "
                               "JOIN work_order w ON w.id = e.work_order_id WHERE w.code = :wo AND e.type = 'produce' "
                               "AND l.role = 'output'", wo=made[0])[0][0]
    assert len(units) == expected > 0


def test_a_drill_needs_a_figure_of_the_report(qa: TestClient) -> None:
    assert qa.get("/console/dashboards/defect_pareto/drill", headers=EN).status_code == 422
    wrong = qa.get("/console/dashboards/defect_pareto/drill", params={"at.customer": "X"}, headers=EN)
    assert wrong.status_code == 422 and "customer: not a dimension of this report" in wrong.text


@pytest.mark.parametrize("username", ["picker", "distributor"])
def test_roles_without_dashboards_are_refused(demo_engine: Engine, settings: Settings, username: str) -> None:
    with TestClient(create_app(settings, demo_engine)) as client:
        log_in(client, username)
        page = client.get("/console/dashboards/", headers=EN)
        assert page.status_code == 403 and 'id="error-title">Not allowed' in page.text
        assert client.get("/console/dashboards/defect_pareto/export").status_code == 403
        assert "/console/dashboards/" not in client.get("/console/").text


def test_the_dashboards_speak_chinese(qa: TestClient) -> None:
    page = qa.get("/console/dashboards/", headers={"accept-language": "zh-CN"})
    assert "数据看板" in page.text and "不良原因柏拉图" in page.text
    assert cards(page.text)["defect_pareto"]["columns"][0]["label"] == "缺陷代码"

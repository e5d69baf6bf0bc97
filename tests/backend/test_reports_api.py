"""Reports over HTTP: saved definitions are versioned, runs answer {columns, rows, chart, total_rows}, exports come
back as files a spreadsheet opens (XLSX read back with openpyxl), and bad requests name their field."""

from __future__ import annotations

import csv
import io
from typing import Any

from litestar.testing import TestClient
from openpyxl import load_workbook
from sqlmodel import Session

from tests.backend.test_reports_engine import build
from tests.factories import Plant

PPM = {"code": "ppm_by_month", "name_en": "Supplier PPM by month", "name_zh": "供应商PPM（按月）",
       "definition": {"dataset": "inspections", "measures": ["ppm", "inspections"],
                      "dimensions": [{"field": "supplier"}, {"field": "occurred_at", "grain": "month"}],
                      "filters": [{"field": "stage", "value": "iqc"}],
                      "chart": {"type": "line", "x": "occurred_at_month", "y": ["ppm"]}}}


def test_a_saved_report_runs_with_filters_and_answers_the_console_shape(client: TestClient, login: Any,
                                                                       session: Session, plant: Plant) -> None:
    build(session, plant)
    made = client.post("/api/reports", json=PPM, headers=login("qa"))
    assert made.status_code == 201, made.text
    assert made.json()["version"] == 1
    r = client.get("/api/reports/ppm_by_month/run", params={"supplier": "SUP-A", "lang": "zh-CN"},
                   headers=login("inspector"))
    assert r.status_code == 200, r.text
    assert r.json() == {
        "columns": [{"name": "supplier", "label": "供应商", "kind": "text"},
                    {"name": "occurred_at_month", "label": "检验时间 (月)", "kind": "date"},
                    {"name": "ppm", "label": "PPM", "kind": "number"},
                    {"name": "inspections", "label": "检验次数", "kind": "number"}],
        "rows": [["SUP-A", "2026-10", 0.0, 1], ["SUP-A", "2026-11", 25000.0, 1]],
        "chart": {"type": "line", "x": "occurred_at_month", "y": ["ppm"]}, "total_rows": 2}


def test_editing_a_report_makes_a_new_version_and_a_stale_edit_is_refused(client: TestClient, login: Any) -> None:
    assert client.post("/api/reports", json=PPM, headers=login("qa")).status_code == 201
    edited = client.patch("/api/reports/ppm_by_month", json={"name_en": "PPM"},
                          headers={**login("qa"), "If-Match": "1"})
    assert edited.status_code == 200, edited.text
    assert (edited.json()["version"], edited.json()["name_en"]) == (2, "PPM")
    stale = client.patch("/api/reports/ppm_by_month", json={"name_en": "again"},
                         headers={**login("qa"), "If-Match": "1"})
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    old = client.get("/api/reports/ppm_by_month", params={"version": 1}, headers=login("qa")).json()
    assert old["name_en"] == "Supplier PPM by month"
    assert [v["version"] for v in client.get("/api/reports/ppm_by_month/versions", headers=login("qa")).json()] \
        == [1, 2]
    assert client.post("/api/reports", json=PPM, headers=login("qa")).json()["code"] == "report_exists"


def test_the_shipped_reports_are_listed(client: TestClient, login: Any) -> None:
    codes = {r["code"] for r in client.get("/api/reports", headers=login("engineer")).json()}
    assert {"defect_pareto", "fpy_by_line_item", "supplier_ppm_by_month", "output_vs_work_orders",
            "warnings_over_time", "recall_progress"} <= codes


def test_a_bad_definition_is_refused_naming_its_field_and_nothing_is_saved(client: TestClient, login: Any) -> None:
    bad = {**PPM, "definition": {**PPM["definition"], "measures": ["ppm", "yield"]}}
    r = client.post("/api/reports", json=bad, headers=login("qa"))
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_report" and r.json()["context"]["field"] == "measures[1]"
    assert client.get("/api/reports/ppm_by_month", headers=login("qa")).status_code == 404
    shape = client.post("/api/reports/run", json={"definition": {"dataset": "units"}}, headers=login("qa"))
    assert shape.status_code == 400 and "measures" in shape.text


def test_a_picker_cannot_edit_reports_and_a_distributor_not_read_quality(client: TestClient, login: Any) -> None:
    assert client.post("/api/reports", json=PPM, headers=login("picker")).status_code == 403
    r = client.post("/api/reports/run", json={"definition": PPM["definition"]}, headers=login("dist"))
    assert r.status_code == 403 and r.json()["code"] == "dataset_not_in_scope"


def test_exports_as_xlsx_csv_and_pdf(client: TestClient, login: Any, session: Session, plant: Plant) -> None:
    build(session, plant)
    assert client.post("/api/reports", json=PPM, headers=login("qa")).status_code == 201
    xlsx = client.get("/api/reports/ppm_by_month/export", params={"format": "xlsx"}, headers=login("qa"))
    assert xlsx.status_code == 200, xlsx.text
    sheet = load_workbook(io.BytesIO(xlsx.content), read_only=True).active
    assert [list(r) for r in sheet.iter_rows(values_only=True)] == [
        ["Supplier", "Inspected (month)", "PPM", "Inspections"], ["SUP-A", "2026-10", 0, 1],
        ["SUP-A", "2026-11", 25000, 1], ["SUP-B", "2026-11", 8000, 1]]
    text = client.get("/api/reports/ppm_by_month/export", params={"format": "csv", "supplier": "SUP-B"},
                      headers=login("qa")).content.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text))) == [["Supplier", "Inspected (month)", "PPM", "Inspections"],
                                                   ["SUP-B", "2026-11", "8000.0", "1"]]
    pdf = client.get("/api/reports/ppm_by_month/export", params={"format": "pdf", "lang": "zh-CN"},
                     headers=login("qa"))
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    adhoc = client.post("/api/reports/export", params={"format": "xlsx"}, json={"definition": PPM["definition"]},
                        headers=login("qa"))
    assert load_workbook(io.BytesIO(adhoc.content)).active.max_row == 4

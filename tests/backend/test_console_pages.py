"""The office console over real HTTP (Litestar's test client) on the demo plant, SQLite and PostgreSQL: the log-in
cookie and its checks, roles refused as pages, the changes made through the same services as the API, both
languages, and the static files served from our own origin."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine

from backend.app import create_app
from backend.config import Settings
from backend.console.login_cookie import CSRF_COOKIE, TOKEN_COOKIE
from backend.console.tables import page_of
from backend.console.texts import LANGUAGES, catalogue
from backend.errors import InvalidInput

PASSWORD = "lotline-demo"
HX = {"HX-Request": "true"}
TEMPLATES = Path(__file__).resolve().parents[2] / "backend" / "console" / "templates"


@pytest.fixture
def app_client(demo_engine: Engine, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, demo_engine)) as client:
        yield client


def log_in(client: TestClient, username: str) -> TestClient:
    page = client.get("/console/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token, page.text
    answer = client.post("/console/login", data={"username": username, "password": PASSWORD,
                                                 "csrf": token.group(1), "next": "/console/"},
                         follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return client


def db(engine: Engine, sql: str, **params: object) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


# -- logging in --------------------------------------------------------------------------------------------------
def test_log_in_keeps_the_token_in_an_httponly_strict_cookie(app_client: TestClient) -> None:
    page = app_client.get("/console/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    answer = app_client.post("/console/login", data={"username": "qa", "password": PASSWORD, "csrf": token,
                                                     "next": "/console/recall/"}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/console/recall/"
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith(f"{TOKEN_COOKIE}="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/console" in cookie
    assert app_client.get("/console/").status_code == 200


def test_log_in_without_the_form_token_is_refused(app_client: TestClient) -> None:
    app_client.get("/console/login")
    answer = app_client.post("/console/login", data={"username": "qa", "password": PASSWORD, "csrf": "forged"},
                             follow_redirects=False)
    assert answer.status_code == 403
    assert TOKEN_COOKIE not in answer.cookies


def test_a_wrong_password_shows_the_form_again_with_the_reason(app_client: TestClient) -> None:
    app_client.get("/console/login")
    token = app_client.cookies[CSRF_COOKIE]
    answer = app_client.post("/console/login", data={"username": "qa", "password": "nope", "csrf": token},
                             headers={"accept-language": "en"}, follow_redirects=False)
    assert answer.status_code == 401
    assert "Log-in failed: Unknown username or wrong password." in answer.text
    assert TOKEN_COOKIE not in answer.cookies


def test_a_page_without_a_log_in_sends_to_the_log_in_page(app_client: TestClient) -> None:
    answer = app_client.get("/console/recall/", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/console/login?next=/console/recall"
    htmx = app_client.post("/console/warnings/x/acknowledge", headers=HX, follow_redirects=False)
    assert htmx.status_code == 200 and htmx.headers["hx-redirect"].startswith("/console/login")


def test_an_api_bearer_token_does_not_open_the_console_nor_the_cookie_the_api(app_client: TestClient) -> None:
    bearer = app_client.post("/api/auth/login", json={"username": "qa", "password": PASSWORD}).json()["access_token"]
    answer = app_client.get("/console/", headers={"Authorization": f"Bearer {bearer}"}, follow_redirects=False)
    assert answer.status_code == 303
    log_in(app_client, "qa")
    assert app_client.get("/api/recall/cases/").status_code == 401


def test_revoked_log_ins_end_the_console_session(app_client: TestClient) -> None:
    log_in(app_client, "qa")
    admin = app_client.post("/api/auth/login", json={"username": "admin", "password": PASSWORD}).json()
    revoked = app_client.post("/api/auth/users/qa/revoke-tokens",
                              headers={"Authorization": f"Bearer {admin['access_token']}"})
    assert revoked.status_code == 200, revoked.text
    assert app_client.get("/console/", follow_redirects=False).headers["location"].startswith("/console/login")


def test_log_out_forgets_the_cookie(app_client: TestClient) -> None:
    log_in(app_client, "qa")
    answer = app_client.post("/console/logout", headers=HX)
    assert answer.headers["hx-redirect"] == "/console/login"
    assert any(c.startswith(f"{TOKEN_COOKIE}=") and "Max-Age=0" in c for c in answer.headers.get_list("set-cookie"))


def test_a_change_needs_the_htmx_header_or_comes_from_this_origin(app_client: TestClient) -> None:
    log_in(app_client, "qa")
    form = {"code": "RM-PC-01/PC2610-A", "title": "t", "reason": "r"}
    assert app_client.post("/console/trace/recall", data=form).status_code == 403
    foreign = app_client.post("/console/trace/recall", data=form, headers={**HX, "Origin": "https://evil.test"})
    assert foreign.status_code == 403
    assert app_client.get("/console/recall/").text.count("/console/recall/RC-") == 0  # nothing was opened


# -- roles -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/console/recall/", "/console/nc/", "/console/nc/NC-202610-0001",
                                  "/console/warnings/"])
def test_a_picker_gets_a_403_page_for_qa_pages(app_client: TestClient, path: str) -> None:
    log_in(app_client, "picker")
    answer = app_client.get(path, headers={"accept-language": "en"})
    assert answer.status_code == 403
    assert "Not allowed" in answer.text and "Your role (Picker) may not open this page." in answer.text


def test_a_picker_traces_but_cannot_open_a_recall(app_client: TestClient) -> None:
    log_in(app_client, "picker")
    page = app_client.get("/console/trace/", params={"code": "RM-PC-01/PC2610-A"})
    assert page.status_code == 200 and 'id="trace-open-recall"' not in page.text
    refused = app_client.post("/console/trace/recall", headers=HX,
                              data={"code": "RM-PC-01/PC2610-A", "title": "t", "reason": "r"})
    assert refused.status_code == 403 and refused.headers["hx-retarget"] == "#flash"


# -- the screens' work, done by the services -----------------------------------------------------------------------
def test_the_trace_graph_puts_inputs_left_and_outputs_right(app_client: TestClient) -> None:
    log_in(app_client, "engineer")
    graph = app_client.get("/console/trace/graph", params={"code": "SA-BRD-01/BRD000001", "depth": 1}).json()
    levels = {n["code"]: n["level"] for n in graph["nodes"]}
    assert levels["RM-PCB-01/PCB2610-01"] == -1 and levels["RM-MCU-01/MCU2609-X"] == -1   # its inputs
    assert levels["FG-MTR-01/SN26000001"] == 1                                           # what it went into
    ids = {n["id"] for n in graph["nodes"]} | {graph["root"]["id"]}
    assert graph["links"] and all(link["source"] in ids and link["target"] in ids for link in graph["links"])
    page = app_client.get("/console/trace/", params={"code": "no-such-code"})
    assert page.status_code == 404 and 'id="trace-error"' in page.text


def test_open_a_recall_from_the_trace_and_block_its_stock(app_client: TestClient, demo_engine: Engine) -> None:
    log_in(app_client, "qa")
    opened = app_client.post("/console/trace/recall", headers=HX, data={
        "code": "RM-PC-01/PC2610-A", "title": "Resin recall", "reason": "melt flow"})
    assert opened.status_code == 200, opened.text
    case = opened.headers["hx-redirect"].rsplit("/", 1)[1]
    assert 'id="case-block"' in app_client.get(f"/console/recall/{case}").text
    blocked = app_client.post(f"/console/recall/{case}/block", headers={**HX, "accept-language": "en"})
    assert "Blocked: 2 unit(s) recalled now" in blocked.text and 'id="case-block"' not in blocked.text
    assert db(demo_engine, "SELECT u.status FROM recall_unit ru JOIN recall_case rc ON rc.id = ru.case_id "
                           "JOIN unit u ON u.id = ru.unit_id WHERE rc.code = :c AND ru.kind = 'in_stock'",
              c=case) == [("recalled",), ("recalled",)]


def test_the_recall_list_sorts_filters_and_pages_on_the_server(app_client: TestClient) -> None:
    log_in(app_client, "qa")
    for n in range(3):
        app_client.post("/console/trace/recall", headers=HX, data={
            "code": "RM-PC-01/PC2610-A", "title": f"Recall {'CBA'[n]}", "reason": "r"})
    page = app_client.get("/console/recall/", params={"sort": "title", "dir": "asc"}).text
    assert page.index("Recall A") < page.index("Recall B") < page.index("Recall C")
    only = app_client.get("/console/recall/", params={"q": "recall b"}, headers={**HX, "HX-Target": "cases"}).text
    assert "Recall B" in only and "Recall A" not in only and "<html" not in only
    assert app_client.get("/console/recall/", params={"state": "bogus"}).status_code == 422


def test_page_of_cuts_sorted_rows_and_refuses_unknown_columns() -> None:
    rows = [{"n": n} for n in range(45)]
    table = page_of(rows, sort="n", desc=True, page=3, keys={"n": lambda r: r["n"]}, size=20)
    assert [r["n"] for r in table.rows] == [4, 3, 2, 1, 0] and table.pages == 3 and table.total == 45
    assert "page=2" in table.link(page=2) and "dir=asc" in table.link(sort="n")
    with pytest.raises(InvalidInput, match="sort: 'x' is not a column"):
        page_of(rows, sort="x", desc=False, page=1, keys={"n": lambda r: r["n"]})


def test_a_nonconformance_is_reviewed_and_a_missing_field_changes_nothing(app_client: TestClient,
                                                                          demo_engine: Engine) -> None:
    log_in(app_client, "qa")
    started = app_client.post("/console/nc/NC-202610-0001/transition", headers=HX, data={"transition": "start_review"})
    assert started.status_code == 200 and 'id="nc-do-use_as_is"' in started.text
    refused = app_client.post("/console/nc/NC-202610-0001/transition", headers=HX, data={"transition": "use_as_is"})
    assert refused.status_code == 409 and "needs approved_by" in refused.text
    assert db(demo_engine, "SELECT state FROM nonconformance WHERE code = 'NC-202610-0001'") == [("under_review",)]
    done = app_client.post("/console/nc/NC-202610-0001/transition", headers=HX,
                           data={"transition": "scrap"})
    assert done.status_code == 200 and 'id="nc-done"' in done.text
    assert db(demo_engine, "SELECT state, disposition FROM nonconformance WHERE code = 'NC-202610-0001'") == \
        [("dispositioned", "scrap")]


def test_a_warning_is_acknowledged_from_the_inbox(app_client: TestClient, demo_engine: Engine) -> None:
    log_in(app_client, "qa")
    bearer = app_client.post("/api/auth/login", json={"username": "qa", "password": PASSWORD}).json()["access_token"]
    checked = app_client.post("/api/verify/", json={"code": "FAKE-CONSOLE-1", "region": "CN-GD"},
                              headers={"Authorization": f"Bearer {bearer}"})
    assert checked.status_code == 200, checked.text
    (warning_id,) = db(demo_engine, "SELECT id FROM warning WHERE state = 'open'")[0]
    assert f'id="warning-{warning_id}"' in app_client.get("/console/warnings/").text
    row = app_client.post(f"/console/warnings/{warning_id}/acknowledge", headers={**HX, "accept-language": "en"})
    assert row.status_code == 200 and "Acknowledged by qa" in row.text
    again = app_client.post(f"/console/warnings/{warning_id}/acknowledge", headers=HX)
    assert again.status_code == 409 and "only an open warning can be acknowledged" in again.text


# -- languages and files ------------------------------------------------------------------------------------------
def test_both_languages_render_and_the_switch_sticks(app_client: TestClient) -> None:
    log_in(app_client, "qa")
    assert "追溯查询" in app_client.get("/console/trace/", headers={"accept-language": "zh-CN"}).text
    assert "Trace explorer" in app_client.get("/console/trace/", headers={"accept-language": "en"}).text
    app_client.get("/console/lang", params={"to": "zh-CN", "next": "/console/"})
    assert "追溯查询" in app_client.get("/console/trace/", headers={"accept-language": "en"}).text


def test_the_catalogues_hold_every_text_the_templates_use() -> None:
    used = {m for p in TEMPLATES.glob("*.html")
            for m in re.findall(r"""t\(["']([a-z_]+\.[a-z_]+)["']""", p.read_text(encoding="utf-8"))}
    assert used, "no texts found in the templates"
    for lang in LANGUAGES:
        assert used - set(catalogue(lang)) == set(), lang
    assert set(catalogue("en")) == set(catalogue("zh-CN"))


def test_static_files_come_from_our_own_origin_and_nothing_else(app_client: TestClient) -> None:
    htmx = app_client.get("/console/static/vendor/htmx.min.js")
    assert htmx.status_code == 200 and htmx.headers["content-type"].startswith("text/javascript")
    assert app_client.get("/console/static/vendor/echarts.min.js").status_code == 200
    assert app_client.get("/console/static/package.json").status_code == 404
    assert app_client.get("/console/static/node_modules/htmx.org/package.json").status_code == 404
    log_in(app_client, "qa")
    page = app_client.get("/console/")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert not re.search(r"""(src|href)=["']https?://""", page.text)
    lock = json.loads((TEMPLATES.parent / "static" / "package-lock.json").read_text(encoding="utf-8"))
    assert {"node_modules/htmx.org", "node_modules/echarts"} <= set(lock["packages"])


def test_a_report_result_is_drawn_tabled_and_exported(app_client: TestClient) -> None:
    log_in(app_client, "inspector")
    listing = app_client.get("/console/reports/", headers={"accept-language": "en"})
    assert 'id="report-defect_pareto"' in listing.text
    page = app_client.get("/console/reports/defect_pareto", headers={"accept-language": "en"})
    assert page.status_code == 200 and 'id="report-chart"' in page.text and "D-MFI" in page.text
    data = json.loads(re.search(r'id="report-data">(.*?)</script>', page.text, re.S).group(1))  # type: ignore[union-attr]
    assert data["chart"]["type"] == "pareto" and data["rows"][0][0] == "D-MFI"
    csv = app_client.get("/console/reports/defect_pareto/export", params={"format": "csv"})
    assert csv.status_code == 200 and csv.text.splitlines()[1].startswith("D-MFI,3")
    assert app_client.get("/console/reports/no_such_report").status_code == 404


def test_missing_browser_libraries_without_npm_say_what_to_do(monkeypatch: pytest.MonkeyPatch,
                                                               tmp_path: Path) -> None:
    from backend.console import vendor
    from backend.console.errors import VendorMissing

    monkeypatch.setattr(vendor, "VENDOR", {"vendor/htmx.min.js": tmp_path / "missing" / "htmx.min.js"})
    monkeypatch.setenv("PATH", str(tmp_path))  # no npm on this PATH
    with pytest.raises(VendorMissing, match=r"npm is not installed; run `npm ci` in .*backend/console/static"):
        vendor.static_file("vendor/htmx.min.js")

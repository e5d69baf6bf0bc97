"""The console's master data, users, printers and rules pages over real HTTP on the demo plant, SQLite and
PostgreSQL: lists sorted, searched and paged on the server; CSV and XLSX imports where one bad row writes nothing and
every bad row is named; accounts and printers changed through their services; rule changes checked by the gate and
warning services; roles refused and changes without the console's header refused."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from litestar.testing import TestClient
from openpyxl import Workbook
from sqlalchemy.engine import Engine

from backend.app import create_app
from backend.config import Settings
from tests.backend.test_console_pages import HX, db, log_in

EN = {"accept-language": "en"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def app(demo_engine: Engine, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, demo_engine)) as client:
        yield client


def workbook(*rows: tuple[object, ...]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client: TestClient, entity: str, name: str, data: bytes, media: str = "text/csv",
           headers: dict[str, str] | None = None) -> object:
    return client.post("/console/masterdata/import", data={"entity": entity}, files={"file": (name, data, media)},
                       headers={**HX, **EN} if headers is None else headers)


def items(engine: Engine, prefix: str) -> list[tuple[object, ...]]:
    return db(engine, "SELECT part_no, name FROM item WHERE part_no LIKE :p ORDER BY part_no", p=f"{prefix}%")


# -- master data ---------------------------------------------------------------------------------------------------
def test_master_data_lists_search_sort_and_page_on_the_server(app: TestClient, demo_engine: Engine) -> None:
    log_in(app, "qa")
    page = app.get("/console/masterdata/items", params={"sort": "part_no", "dir": "desc"}, headers=EN)
    assert page.status_code == 200, page.text
    shown = re.findall(r"<tr><td>([^<]+)</td>", page.text)
    expected = [r[0] for r in db(demo_engine, "SELECT part_no FROM item ORDER BY part_no DESC")][:20]
    assert shown == expected
    found = app.get("/console/masterdata/suppliers", params={"q": "SUP-NBP"}, headers={**HX, "HX-Target": "md-rows"})
    assert found.text.startswith('<div id="md-rows">') and "SUP-NBP" in found.text and "<html" not in found.text
    assert re.findall(r"<tr><td>([^<]+)</td>", found.text) == ["SUP-NBP"]
    bad = app.get("/console/masterdata/items", params={"sort": "password"}, headers=EN)
    assert bad.status_code == 422 and "not a column of this table" in bad.text
    assert app.get("/console/masterdata/boms", headers=EN).status_code == 404


def test_a_csv_with_bad_rows_names_each_and_writes_nothing(app: TestClient, demo_engine: Engine) -> None:
    log_in(app, "qa")
    csv = (b"part_no,name,tracking\nNEW-01,Washer,lot\nNEW-02,,lot\nNEW-03,Bolt,sometimes\nNEW-04,Nut,serial\n"
           )
    answer = upload(app, "items", "items.csv", csv)
    assert answer.status_code == 422, answer.text
    assert "items.csv: nothing was imported; 2 problem(s) to fix" in answer.text
    rows = re.findall(r'<tr><td class="num">(\d+)</td><td>([^<]*)</td><td>([^<]+)</td></tr>', answer.text)
    assert [(line, column) for line, column, _ in rows] == [("3", "name"), ("4", "tracking")]
    assert items(demo_engine, "NEW-") == []


def test_an_xlsx_with_a_bad_row_is_refused_then_the_fixed_one_imported(app: TestClient, demo_engine: Engine) -> None:
    log_in(app, "qa")
    bad = workbook(("code", "name", "gln"), ("SUP-X1", "新供应商一", None), (None, None, None),
                   ("SUP-X2", "Second", "12345"))
    answer = upload(app, "suppliers", "suppliers.xlsx", bad, XLSX)
    assert answer.status_code == 422, answer.text
    (line, column, reason), = re.findall(r'<tr><td class="num">(\d+)</td><td>([^<]*)</td><td>([^<]+)</td></tr>',
                                         answer.text)
    assert (line, column) == ("4", "gln") and "13" in reason   # the Excel row number, the column, why
    assert db(demo_engine, "SELECT code FROM supplier WHERE code LIKE 'SUP-X%'") == []
    good = workbook(("code", "name", "gln"), ("SUP-X1", "新供应商一", None), ("SUP-X2", "Second", 4006381333931))
    done = upload(app, "suppliers", "suppliers.xlsx", good, XLSX)
    assert done.status_code == 200 and "suppliers.xlsx: 2 row(s) imported" in done.text
    assert db(demo_engine, "SELECT code, name, gln FROM supplier WHERE code LIKE 'SUP-X%' ORDER BY code") == \
        [("SUP-X1", "新供应商一", None), ("SUP-X2", "Second", "4006381333931")]


def test_a_file_that_is_not_a_workbook_is_named_as_such(app: TestClient) -> None:
    log_in(app, "qa")
    answer = upload(app, "items", "items.xlsx", b"PK\x03\x04not really a zip", XLSX)
    assert answer.status_code == 422 and "not an XLSX workbook" in answer.text
    unknown = upload(app, "passwords", "x.csv", b"a\n1\n")
    assert unknown.status_code == 422 and "cannot be imported" in unknown.text


def test_an_import_without_the_console_header_is_refused(app: TestClient, demo_engine: Engine) -> None:
    log_in(app, "qa")
    answer = upload(app, "items", "items.csv", b"part_no,name\nNEW-CSRF,x\n", headers=EN)
    assert answer.status_code == 403
    foreign = upload(app, "items", "items.csv", b"part_no,name\nNEW-CSRF,x\n",
                     headers={**HX, "Origin": "https://evil.test"})
    assert foreign.status_code == 403
    assert items(demo_engine, "NEW-CSRF") == []


@pytest.mark.parametrize(("username", "path"), [("picker", "/console/masterdata/items"),
                                                ("picker", "/console/rules/"),
                                                ("qa", "/console/users/"), ("qa", "/console/printers/"),
                                                ("inspector", "/console/masterdata/import")])
def test_roles_are_refused_pages_not_theirs(app: TestClient, username: str, path: str) -> None:
    log_in(app, username)
    page = app.get(path, headers=EN)
    assert page.status_code == 403 and 'id="error-title">Not allowed' in page.text


def test_a_picker_cannot_import_even_with_the_header(app: TestClient, demo_engine: Engine) -> None:
    log_in(app, "picker")
    assert upload(app, "items", "items.csv", b"part_no,name\nNEW-P,x\n").status_code == 403
    assert items(demo_engine, "NEW-P") == []


# -- users ---------------------------------------------------------------------------------------------------------
def can_log_in(settings: Settings, engine: Engine, username: str, password: str) -> bool:
    with TestClient(create_app(settings, engine)) as other:
        return other.post("/api/auth/login", json={"username": username, "password": password}).status_code == 200


def test_an_admin_creates_deactivates_reactivates_and_resets_a_user(app: TestClient, demo_engine: Engine,
                                                                     settings: Settings) -> None:
    log_in(app, "admin")
    assert 'id="user-qa"' in app.get("/console/users/", headers=EN).text
    made = app.post("/console/users/", data={"username": "lin", "role": "inspector", "site": "SZ",
                                             "password": "Long-enough-1", "display_name": "林"}, headers={**HX, **EN})
    assert made.status_code == 200 and 'id="user-lin"' in made.text and "User lin created." in made.text
    assert db(demo_engine, "SELECT role, active FROM app_user WHERE username = 'lin'") == [("inspector", True)]
    assert can_log_in(settings, demo_engine, "lin", "Long-enough-1")
    off = app.post("/console/users/lin/deactivate", headers={**HX, **EN})
    assert "lin is deactivated" in off.text and not can_log_in(settings, demo_engine, "lin", "Long-enough-1")
    app.post("/console/users/lin/reactivate", headers=HX)
    reset = app.post("/console/users/lin/password", data={"password": "Another-pass-2"}, headers={**HX, **EN})
    assert "password is reset" in reset.text
    assert can_log_in(settings, demo_engine, "lin", "Another-pass-2")
    assert not can_log_in(settings, demo_engine, "lin", "Long-enough-1")
    generation = db(demo_engine, "SELECT token_generation FROM app_user WHERE username = 'lin'")[0][0]
    app.post("/console/users/lin/end-logins", headers=HX)
    assert db(demo_engine, "SELECT token_generation FROM app_user WHERE username = 'lin'")[0][0] == generation + 1


def test_user_changes_that_are_wrong_say_why_and_change_nothing(app: TestClient, demo_engine: Engine) -> None:
    log_in(app, "admin")
    taken = app.post("/console/users/", data={"username": "qa", "role": "inspector", "password": "Long-enough-1"},
                     headers={**HX, **EN})
    assert taken.status_code == 409 and "Username &#39;qa&#39; is taken." in taken.text
    assert taken.headers["hx-retarget"] == "#flash"
    role = app.post("/console/users/", data={"username": "x1", "role": "boss", "password": "Long-enough-1"},
                    headers={**HX, **EN})
    assert role.status_code == 422 and "&#39;boss&#39; is not a role" in role.text
    myself = app.post("/console/users/admin/deactivate", headers={**HX, **EN})
    assert myself.status_code == 422
    assert db(demo_engine, "SELECT active FROM app_user WHERE username IN ('admin', 'x1')") == [(True,)]
    assert app.post("/console/users/qa/deactivate", headers=EN).status_code == 403   # no htmx header
    assert db(demo_engine, "SELECT active FROM app_user WHERE username = 'qa'") == [(True,)]


# -- printers ------------------------------------------------------------------------------------------------------
def test_an_admin_adds_switches_off_and_on_a_printer(app: TestClient, demo_engine: Engine) -> None:
    log_in(app, "admin")
    no_host = app.post("/console/printers/", data={"name": "ZT-1", "kind": "zpl_tcp"}, headers={**HX, **EN})
    assert no_host.status_code >= 400 and "needs a host" in no_host.text
    odd = app.post("/console/printers/", data={"name": "ZT-1", "kind": "inkjet"}, headers={**HX, **EN})
    assert odd.status_code == 422 and "Printer ZT-1: kind:" in odd.text
    added = app.post("/console/printers/", data={"name": "ZT-1", "kind": "zpl_tcp", "host": "10.0.0.9",
                                                 "dpi": "300", "site": "SZ"}, headers={**HX, **EN})
    assert added.status_code == 200 and "Printer ZT-1 added." in added.text
    (printer_id,) = db(demo_engine, "SELECT id FROM label_printer WHERE name = 'ZT-1'")[0]
    assert f'id="printer-{printer_id}"' in app.get("/console/printers/").text
    app.post(f"/console/printers/{printer_id}/disable", headers=HX)
    assert db(demo_engine, "SELECT active FROM label_printer WHERE id = :i", i=printer_id) == [(False,)]
    on = app.post(f"/console/printers/{printer_id}/enable", headers={**HX, **EN})
    assert "Printer ZT-1 is on again." in on.text
    assert db(demo_engine, "SELECT active, dpi FROM label_printer WHERE id = :i", i=printer_id) == [(True, 300)]


# -- gates and warning rules ---------------------------------------------------------------------------------------
def test_a_gate_is_switched_off_and_a_bad_parameter_is_refused(app: TestClient, demo_engine: Engine) -> None:
    log_in(app, "qa")
    page = app.get("/console/rules/", headers=EN)
    assert 'id="gate-unit_usable"' in page.text and 'id="wrule-iqc-failures-in-a-row"' in page.text
    off = app.post("/console/rules/gates/unit_usable", data={"params": ""}, headers={**HX, **EN})
    assert off.status_code == 200 and "unit_usable saved." in off.text
    assert db(demo_engine, "SELECT enabled FROM gate_rule WHERE code = 'unit_usable'") == [(False,)]
    before = db(demo_engine, "SELECT params FROM gate_rule WHERE code = 'unit_usable'")
    bad = app.post("/console/rules/gates/unit_usable", data={"enabled": "on", "params": '{"statuses": "nope"}'},
                   headers={**HX, **EN})
    assert bad.status_code == 422 and bad.headers["hx-retarget"] == "#flash" and "unit_usable" in bad.text
    not_json = app.post("/console/rules/gates/unit_usable", data={"enabled": "on", "params": "{statuses:"},
                        headers={**HX, **EN})
    assert not_json.status_code == 422 and "params are not JSON" in not_json.text
    assert db(demo_engine, "SELECT enabled, params FROM gate_rule WHERE code = 'unit_usable'") == \
        [(False, before[0][0])]


def test_a_warning_rule_takes_new_parameters_and_refuses_wrong_ones(app: TestClient, demo_engine: Engine) -> None:
    log_in(app, "qa")
    saved = app.post("/console/rules/warnings/iqc-failures-in-a-row",
                     data={"enabled": "on", "severity": "critical", "params": '{"n": 4}'}, headers={**HX, **EN})
    assert saved.status_code == 200, saved.text
    row = db(demo_engine, "SELECT severity, params FROM warning_rule WHERE code = 'iqc-failures-in-a-row'")[0]
    assert row[0] == "critical" and '"n": 4' in str(row[1]).replace("'", '"')
    wrong = app.post("/console/rules/warnings/iqc-failures-in-a-row",
                     data={"enabled": "on", "params": '{"n": -1}'}, headers={**HX, **EN})
    assert wrong.status_code == 422 and "iqc-failures-in-a-row" in wrong.text
    assert db(demo_engine, "SELECT params FROM warning_rule WHERE code = 'iqc-failures-in-a-row'")[0] == (row[1],)

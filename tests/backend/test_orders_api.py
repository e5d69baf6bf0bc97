"""ERP orders over HTTP: PUT by ERP number is idempotent, replaces the lines, and a bad line is named with nothing
written."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient
from sqlmodel import Session, func, select

from backend.orders.models import PurchaseOrder, PurchaseOrderLine
from backend.production.models import WorkOrder

PO = {"supplier": "SUP-A", "site": "S1", "lines": [
    {"line_no": 10, "item": "RESIN-01", "qty": 250, "due_on": "2026-12-20"},
    {"line_no": 20, "item": "06901234000023", "qty": 1000, "due_on": "2026-12-22"}]}


def rows(session: Session) -> tuple[int, int]:
    session.expire_all()
    return (session.exec(select(func.count()).select_from(PurchaseOrder)).one(),
            session.exec(select(func.count()).select_from(PurchaseOrderLine)).one())


def test_a_purchase_order_put_twice_is_stored_once_and_unchanged(client: TestClient, login, session: Session) -> None:  # type: ignore[no-untyped-def]
    eng = login("engineer")
    first = client.put("/api/orders/purchase/PO-4711", headers=eng, json=PO)
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["partner"], body["site"], body["version"], body["changed"]) == ("SUP-A", "S1", 1, True)
    assert [(ln["line_no"], ln["item"], ln["qty"], ln["uom"]) for ln in body["lines"]] == [
        (10, "RESIN-01", 250.0, "kg"), (20, "CASE-01", 1000.0, "pcs")]
    again = client.put("/api/orders/purchase/PO-4711", headers=eng, json=PO)
    assert again.status_code == 200 and again.json()["changed"] is False and again.json()["version"] == 1
    assert rows(session) == (1, 2)
    assert client.get("/api/orders/purchase/PO-4711", headers=login("picker")).json()["lines"] == body["lines"]


def test_a_changed_order_replaces_its_lines_and_takes_the_next_version(client: TestClient, login,  # type: ignore[no-untyped-def]
                                                                      session: Session) -> None:
    eng = login("engineer")
    client.put("/api/orders/purchase/PO-1", headers=eng, json=PO)
    changed: dict[str, Any] = {**PO, "lines": [{"line_no": 10, "item": "RESIN-01", "qty": 300, "due_on": "2026-12-21"}]}
    r = client.put("/api/orders/purchase/PO-1", headers=eng, json=changed)
    assert r.status_code == 200 and r.json()["version"] == 2, r.text
    assert [(ln["line_no"], ln["qty"], ln["due_on"]) for ln in r.json()["lines"]] == [(10, 300.0, "2026-12-21")]
    assert rows(session) == (1, 1)


def test_bad_lines_are_all_named_and_nothing_is_written(client: TestClient, login, session: Session) -> None:  # type: ignore[no-untyped-def]
    eng = login("engineer")
    client.put("/api/orders/purchase/PO-1", headers=eng, json=PO)
    bad = {**PO, "lines": [{"line_no": 10, "item": "RESIN-01", "qty": 5, "due_on": "2026-12-20"},
                           {"line_no": 20, "item": "NOPE-9", "qty": 5, "due_on": "2026-12-20"},
                           {"line_no": 30, "item": "PCB-01", "qty": -2, "due_on": "2026-12-20"},
                           {"line_no": 10, "item": "PCB-01", "qty": 1, "due_on": "2026-12-20"}]}
    r = client.put("/api/orders/purchase/PO-1", headers=eng, json=bad)
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "bad_order_lines"
    detail = r.json()["detail"]
    assert "line 20: no item 'NOPE-9'" in detail and "line 30: qty must be more than 0" in detail
    assert "line 10: the line number is given twice" in detail
    assert [p["line_no"] for p in r.json()["context"]["lines"]] == [20, 30, 10]
    stored = client.get("/api/orders/purchase/PO-1", headers=eng).json()
    assert (stored["version"], len(stored["lines"])) == (1, 2) and rows(session) == (1, 2)
    r = client.put("/api/orders/purchase/PO-2", headers=eng, json=bad)
    assert r.status_code == 422 and rows(session) == (1, 2)


def test_an_order_number_cannot_move_to_another_partner(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    eng = login("engineer")
    client.put("/api/orders/purchase/PO-1", headers=eng, json=PO)
    r = client.put("/api/orders/purchase/PO-1", headers=eng, json={**PO, "supplier": "SUP-B"})
    assert r.status_code == 409 and r.json()["code"] == "order_partner_changed"
    assert "SUP-A" in r.json()["detail"] and "SUP-B" in r.json()["detail"]
    r = client.put("/api/orders/purchase/PO-3", headers=eng, json={**PO, "supplier": "SUP-Z"})
    assert r.status_code == 404 and "SUP-Z" in r.json()["detail"]


def test_sales_orders_upsert_by_number_and_list(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    eng = login("engineer")
    so = {"customer": "CUST-1", "site": "S1", "lines": [{"line_no": 1, "item": "MTR-01", "qty": 40,
                                                         "due_on": "2027-01-05"}]}
    assert client.put("/api/orders/sales/SO-9", headers=eng, json=so).status_code == 200
    assert client.put("/api/orders/sales/SO-9", headers=eng, json=so).json()["changed"] is False
    listed = client.get("/api/orders/sales", headers=login("qa")).json()
    assert [(o["number"], o["partner"], o["lines"][0]["qty"]) for o in listed] == [("SO-9", "CUST-1", 40.0)]
    assert client.put("/api/orders/sales/SO-9", headers=login("picker"), json=so).status_code == 403


def test_work_orders_from_erp_are_production_work_orders(client: TestClient, login, session: Session) -> None:  # type: ignore[no-untyped-def]
    eng = login("engineer")
    wo = {"site": "S1", "item": "MTR-01", "qty_planned": 100}
    r = client.put("/api/orders/work/WO-ERP-1", headers=eng, json=wo)
    assert r.status_code == 200 and r.json()["qty_planned"] == 100, r.text
    assert client.put("/api/orders/work/WO-ERP-1", headers=eng, json=wo).json()["id"] == r.json()["id"]
    r2 = client.put("/api/orders/work/WO-ERP-1", headers=eng, json={**wo, "qty_planned": 120})
    assert r2.json()["qty_planned"] == 120
    session.expire_all()
    assert session.exec(select(func.count()).select_from(WorkOrder)).one() == 1
    r3 = client.put("/api/orders/work/WO-ERP-1", headers=eng, json={**wo, "item": "BRD-01"})
    assert r3.status_code == 409 and r3.json()["code"] == "work_order_mismatch" and "BRD-01" in r3.json()["detail"]

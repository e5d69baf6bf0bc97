"""Event capture over HTTP: clear errors naming the field, idempotent retries, role guards."""

from __future__ import annotations

from litestar.testing import TestClient

from tests.factories import at, eid


def receive_body(**over: object) -> dict[str, object]:
    return {"id": eid(), "occurred_at": at(0), "supplier": "SUP-B", "item": "PCB-01", "lot_no": "P1", "qty": 10,
            "location": "S1-A-01", **over}


def test_receive_over_http_answers_the_stored_event(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/events/receive", json=receive_body(), headers=login("picker"))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["type"] == "receive" and body["business_step"] == "receiving"
    assert body["lines"] == [{"unit": "PCB-01/P1", "role": "subject", "qty": 10.0, "from_location": None,
                              "to_location": "S1-A-01", "book_qty": None}]
    assert "fingerprint" not in body["attributes"]


def test_a_retried_post_stores_once_and_answers_the_same(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    body = receive_body()
    first = client.post("/api/events/receive", json=body, headers=login("picker")).json()
    second = client.post("/api/events/receive", json=body, headers=login("picker")).json()
    assert first == second


def test_a_bad_field_is_named_in_a_400(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/events/receive", json=receive_body(qty=-3), headers=login("picker"))
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "validation_error"
    assert any(e["key"] == "qty" and "greater than 0" in e["message"] for e in body["errors"])


def test_an_unknown_field_is_refused(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/events/receive", json=receive_body(colour="red"), headers=login("picker"))
    assert r.status_code == 400
    assert any(e["key"] == "colour" for e in r.json()["errors"])


def test_not_json_is_a_400_not_a_500(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/events/receive", content=b"{not json", headers={**login("picker"),
                                                                         "Content-Type": "application/json"})
    assert r.status_code == 400


def test_domain_refusals_come_back_with_their_code(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    client.post("/api/events/receive", json=receive_body(), headers=login("picker"))
    r = client.post("/api/events/move", headers=login("picker"), json={
        "id": eid(), "occurred_at": at(1), "unit": "PCB-01/P1", "qty": 99, "from_location": "S1-A-01",
        "to_location": "S1-A-02"})
    assert r.status_code == 409
    assert r.json()["code"] == "insufficient_stock"
    assert r.json()["context"] == {"unit": "PCB-01/P1", "location": "S1-A-01", "on_hand": 10.0, "requested": 99.0}


def test_an_engineer_cannot_record_warehouse_events(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/events/receive", json=receive_body(), headers=login("engineer"))
    assert r.status_code == 403


def test_work_order_and_report_over_http(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    client.post("/api/events/receive", json=receive_body(), headers=login("picker"))
    wo = client.post("/api/work-orders", headers=login("qa"),
                     json={"code": "WO-1", "site": "S1", "item": "BRD-01", "qty_planned": 2})
    assert wo.status_code == 201, wo.text
    assert wo.json()["bom_id"]  # the released BOM was picked
    r = client.post("/api/work-orders/report", headers=login("picker"), json={
        "id": eid(), "occurred_at": at(5), "work_order": "WO-1", "location": "S1-A-02",
        "inputs": [{"unit": "PCB-01/P1", "qty": 1, "from_location": "S1-A-01"}], "outputs": [{"serial": "B1"}]})
    assert r.status_code == 201, r.text
    assert {(ln["unit"], ln["role"]) for ln in r.json()["lines"]} == {("PCB-01/P1", "input"), ("BRD-01/B1", "output")}
    trace = client.get("/api/trace", params={"code": "BRD-01/B1"}, headers=login("engineer")).json()
    assert {n["code"] for n in trace["nodes"]} == {"BRD-01/B1", "PCB-01/P1"}


def test_recall_scope_over_http(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    client.post("/api/events/receive", json=receive_body(), headers=login("picker"))
    r = client.post("/api/recall/scope", json={"codes": ["PCB-01/P1"]}, headers=login("qa"))
    assert r.status_code == 200
    assert r.json()["totals"]["in_stock_by_uom"] == [{"uom": "pcs", "units": 1, "qty": 10.0}]
    bad = client.post("/api/recall/scope", json={"codes": []}, headers=login("qa"))
    assert bad.status_code == 400


def test_health_and_openapi_are_public(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/schema/openapi.json").status_code == 200

"""Typed hold / release / scrap, and any scan where the event routes take a code (GS1 element string, Digital Link,
SSCC, plain code), over HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

from litestar.testing import TestClient

from tests.factories import at, eid

CASE_GTIN = "06901234000023"  # CASE-01 in tests/factories.py
RCV_GLN = "6901234000108"     # location S1-RCV


def receive(client: TestClient, headers: dict[str, str], **over: object) -> dict:  # type: ignore[type-arg]
    body = {"id": eid(), "occurred_at": at(0), "supplier": "SUP-B", "item": "CASE-01", "lot_no": "C7", "qty": 10,
            "location": "S1-RCV", **over}
    r = client.post("/api/events/receive", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def status(client: TestClient, action: str, headers: dict[str, str], unit: str, **over: object):  # type: ignore[no-untyped-def]
    return client.post(f"/api/events/{action}", headers=headers,
                       json={"id": eid(), "occurred_at": at(5), "unit": unit, "reason": "odour", **over})


def unit_status(client: TestClient, headers: dict[str, str], code: str) -> str:
    return client.get("/api/resolve", params={"code": code}, headers=headers).json()["status"]


def test_a_supplier_label_scan_names_the_item_and_a_gln_scan_the_location(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    event = receive(client, login("picker"), item=f"(01){CASE_GTIN}(10)C7", location=f"(414){RCV_GLN}")
    assert event["lines"][0]["unit"] == "CASE-01/C7" and event["lines"][0]["to_location"] == "S1-RCV"


def test_move_takes_a_digital_link_and_a_gs1_element_string(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    picker = login("picker")
    receive(client, picker)
    r = client.post("/api/events/move", headers=picker, json={
        "id": eid(), "occurred_at": at(1), "unit": f"https://id.example.com/01/{CASE_GTIN}/10/C7", "qty": 4,
        "from_location": f"(414){RCV_GLN}", "to_location": "S1-A-01"})
    assert r.status_code == 201, r.text
    assert r.json()["lines"][0] | {"qty": 4.0} == {"unit": "CASE-01/C7", "role": "subject", "qty": 4.0,
                                                   "from_location": "S1-RCV", "to_location": "S1-A-01",
                                                   "book_qty": None}


def test_pack_then_ship_by_sscc_scan(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    picker = login("picker")
    receive(client, picker, location="S1-A-01")
    packed = client.post("/api/events/pack", headers=picker, json={
        "id": eid(), "occurred_at": at(6), "units": [f"(01){CASE_GTIN}(10)C7"], "location": "S1-A-01"})
    assert packed.status_code == 201, packed.text
    sscc = next(ln["unit"] for ln in packed.json()["lines"] if ln["unit"] != "CASE-01/C7")
    shipped = client.post("/api/events/ship", headers=picker, json={
        "id": eid(), "occurred_at": at(7), "customer": "CUST-1", "reference": "DN-1",
        "lines": [{"unit": f"(00){sscc}", "from_location": "S1-A-01"}]})
    assert shipped.status_code == 201, shipped.text
    assert unit_status(client, login("qa"), "CASE-01/C7") == "shipped"


def test_a_scan_of_the_wrong_kind_is_refused_naming_the_field(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    picker = login("picker")
    receive(client, picker)
    r = client.post("/api/events/move", headers=picker, json={
        "id": eid(), "occurred_at": at(1), "unit": "CASE-01/C7", "from_location": "S1-RCV",
        "to_location": f"(01){CASE_GTIN}"})
    assert r.status_code == 422
    assert r.json()["code"] == "wrong_kind_of_code" and r.json()["detail"].startswith("to_location:")
    assert client.get("/api/events/" + r.json().get("id", "x"), headers=picker).status_code == 404


def test_hold_release_scrap_follow_the_state_machine(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    qa = login("qa")
    receive(client, login("picker"))
    assert unit_status(client, qa, "CASE-01/C7") == "released"  # CASE-01 needs no incoming inspection
    held = status(client, "hold", login("inspector"), "CASE-01/C7")
    assert held.status_code == 201, held.text
    assert held.json()["attributes"]["action"] == "hold" and held.json()["attributes"]["reason"] == "odour"
    assert unit_status(client, qa, "CASE-01/C7") == "on_hold"
    assert status(client, "release", qa, "CASE-01/C7").status_code == 201
    assert unit_status(client, qa, "CASE-01/C7") == "released"
    assert status(client, "scrap", qa, f"(01){CASE_GTIN}(10)C7").status_code == 201
    again = status(client, "release", qa, "CASE-01/C7")
    assert again.status_code == 409 and again.json()["code"] == "illegal_transition"
    assert "scrapped" in again.json()["detail"]
    assert unit_status(client, qa, "CASE-01/C7") == "scrapped"


def test_roles_come_from_the_state_machine(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    receive(client, login("picker"))
    refused = status(client, "scrap", login("inspector"), "CASE-01/C7")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert status(client, "hold", login("picker"), "CASE-01/C7").status_code == 403
    assert unit_status(client, login("qa"), "CASE-01/C7") == "released"  # nothing half-written


def test_a_retried_hold_records_once_and_a_missing_reason_is_named(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    qa = login("qa")
    receive(client, login("picker"))
    event_id = eid()
    first = status(client, "hold", qa, "CASE-01/C7", id=event_id)
    second = status(client, "hold", qa, "CASE-01/C7", id=event_id)
    assert first.status_code == second.status_code == 201 and first.json() == second.json()
    bad = status(client, "hold", qa, "CASE-01/C7", reason="")
    assert bad.status_code == 400 and any(e["key"] == "reason" for e in bad.json()["errors"])


def test_the_documented_request_examples_are_valid_commands() -> None:
    from backend.warehouse.schemas import EVENT_EXAMPLES
    from shared_models import commands as cmd
    from shared_models.gs1 import is_valid_check_digit

    for action, model in (("receive", cmd.Receive), ("move", cmd.Move), ("pick", cmd.Pick), ("ship", cmd.Ship),
                          ("count", cmd.Count), ("pack", cmd.Pack), ("unpack", cmd.Unpack)):
        model.model_validate(EVENT_EXAMPLES[action])
    assert is_valid_check_digit(EVENT_EXAMPLES["unpack"]["container"])

"""Routes and operation reports: operations in route order, process values checked against the route's limits,
idempotent on the reporter's id, and the work in progress that follows."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient
from sqlmodel import Session, select

from backend.production.models import OperationReport
from shared_models.masterdata import Equipment
from tests.factories import Plant, at, eid

P = "/api/production"
CASE_ROUTE = [
    {"seq": 10, "code": "MOULD", "name": "Injection moulding", "equipment_kind": "moulding",
     "params": [{"name": "temperature", "unit": "°C", "lower": 220, "upper": 240},
                {"name": "pressure", "unit": "bar", "upper": 80}]},
    {"seq": 20, "code": "TRIM", "name": "Deflash and trim"},
    {"seq": 30, "code": "PACK", "name": "Bag and label"},
]


@pytest.fixture
def line(client: TestClient, login: Any, session: Session, plant: Plant) -> None:
    session.add_all([Equipment(site_id=plant.sites["S1"].id, code="EQ-IM-01", name="Moulder", kind="moulding"),
                     Equipment(site_id=plant.sites["S1"].id, code="EQ-SMT-01", name="Placer", kind="smt")])
    session.commit()
    r = client.post(f"{P}/routes", json={"item": "CASE-01", "operations": CASE_ROUTE}, headers=login("engineer"))
    assert r.status_code == 201, r.text
    for wo in ("WO-C1", "WO-C2"):
        r = client.post("/api/work-orders", headers=login("qa"), json={"code": wo, "site": "S1", "item": "CASE-01",
                                                                        "qty_planned": 10})
        assert r.status_code == 201, r.text


def op(seq: int, wo: str = "WO-C1", good: float = 5, **over: Any) -> dict[str, Any]:
    return {"id": eid(), "work_order": wo, "seq": seq, "started_at": at(seq), "ended_at": at(seq + 5),
            "good_qty": good, **over}


def report(client: TestClient, login: Any, body: dict[str, Any], user: str = "picker") -> Any:
    return client.post(f"{P}/operations", json=body, headers=login(user))


def reported(client: TestClient, login: Any, body: dict[str, Any]) -> dict[str, Any]:
    r = report(client, login, body)
    assert r.status_code == 201, r.text
    return r.json()


def wip(client: TestClient, login: Any, **query: str) -> list[tuple[int, float, float]]:
    r = client.get(f"{P}/wip", params=query, headers=login("qa"))
    assert r.status_code == 200, r.text
    return [(w["seq"], w["good_qty"], w["wip_qty"]) for w in r.json()]


def reports_in_db(session: Session) -> int:
    return len(session.exec(select(OperationReport.id)).all())


# -- routes ----------------------------------------------------------------------------------------------------
def test_a_new_route_version_becomes_active_and_the_old_one_is_kept(client: TestClient, login: Any,
                                                                     line: None) -> None:
    r = client.post(f"{P}/routes", json={"item": "CASE-01", "operations": CASE_ROUTE[:2]}, headers=login("qa"))
    assert (r.status_code, r.json()["version_no"]) == (201, 2)
    versions = client.get(f"{P}/routes", params={"item": "CASE-01"}, headers=login("picker")).json()
    assert [(v["version_no"], v["active"], len(v["operations"])) for v in versions] == [(2, True, 2), (1, False, 3)]
    assert client.get(f"{P}/routes/{versions[1]['id']}", headers=login("picker")).json()["operations"][0]["params"][0] \
        == {"name": "temperature", "unit": "°C", "lower": 220.0, "upper": 240.0}


@pytest.mark.parametrize("operations,problem", [
    ([{"seq": 10, "code": "A", "params": [{"name": "t", "lower": 5, "upper": 1}]}], "lower 5 is above upper 1"),
    ([{"seq": 10, "code": "A"}, {"seq": 10, "code": "B"}], "seq is listed twice"),
    ([], "at least 1 item"),
])
def test_a_malformed_route_is_refused_naming_the_problem(client: TestClient, login: Any, operations: Any,
                                                         problem: str) -> None:
    r = client.post(f"{P}/routes", json={"item": "CASE-01", "operations": operations}, headers=login("qa"))
    assert r.status_code == 400 and problem in r.text, r.text


def test_pickers_may_not_write_routes(client: TestClient, login: Any) -> None:
    r = client.post(f"{P}/routes", json={"item": "CASE-01", "operations": CASE_ROUTE}, headers=login("picker"))
    assert r.status_code == 403


# -- reporting -------------------------------------------------------------------------------------------------
def test_process_values_are_stored_with_the_routes_limits_and_in_spec(client: TestClient, login: Any,
                                                                       line: None) -> None:
    body = reported(client, login, op(10, equipment="EQ-IM-01", params=[
        {"name": "temperature", "value": 231.5}, {"name": "pressure", "value": 85, "unit": "bar"},
        {"name": "humidity", "value": 40, "unit": "%"}]))
    params = {p["name"]: (p["unit"], p["lower"], p["upper"], p["in_spec"]) for p in body["params"]}
    assert params == {"temperature": ("°C", 220, 240, True), "pressure": ("bar", None, 80, False),
                      "humidity": ("%", None, None, None)}
    assert (body["operator"], body["equipment"], body["operation_code"]) == ("picker", "EQ-IM-01", "MOULD")


def test_operation_n_without_n_minus_1_is_refused_with_the_rules_message(client: TestClient, login: Any,
                                                                          session: Session, line: None) -> None:
    r = report(client, login, op(20))
    assert (r.status_code, r.json()["code"]) == (409, "gate_violated"), r.text
    assert r.json()["detail"] == ("Cannot report operation 20 of WO-C1: Operation 20 of work order WO-C1 needs "
                                  "operation 10 reported first with at least 1 good (reported: 0).")
    assert reports_in_db(session) == 0
    reported(client, login, op(10, wo="WO-C2"))  # another work order's operation 10 does not count
    assert report(client, login, op(20)).status_code == 409
    reported(client, login, op(10))
    reported(client, login, op(20))  # the near miss: N−1 is there


def test_a_previous_operation_with_nothing_good_is_not_enough_until_qa_lowers_the_minimum(
        client: TestClient, login: Any, line: None) -> None:
    reported(client, login, op(10, good=0, scrap_qty=4))
    assert report(client, login, op(20)).status_code == 409
    r = client.patch("/api/gates/previous_operation_reported", json={"params": {"min_good_qty": 0}},
                     headers=login("qa"))
    assert r.status_code == 200 and r.json()["params"] == {"min_good_qty": 0.0}
    reported(client, login, op(20))


def test_disabling_the_rule_lets_operations_be_reported_out_of_order(client: TestClient, login: Any,
                                                                     line: None) -> None:
    assert report(client, login, op(30)).status_code == 409
    r = client.patch("/api/gates/previous_operation_reported", json={"enabled": False}, headers=login("qa"))
    assert r.status_code == 200 and r.json()["enabled"] is False, r.text
    reported(client, login, op(30))


def test_an_operation_reported_offline_out_of_order_is_recorded_and_raised(
        client: TestClient, login: Any, session: Session, line: None) -> None:
    body = op(20)
    entry = {"op_id": 1, "op": "PUT", "type": "event_command", "id": body.pop("id"), "tx_id": 1,
             "data": {"kind": "operation_report", **body}}
    r = client.post("/sync/upload", json={"client_id": "hh-1", "batch": [entry]}, headers=login("picker"))
    [verdict] = r.json()["verdicts"]
    assert (verdict["status"], verdict["code"]) == ("conflict", "gate_violated_offline")
    assert "needs operation 10 reported first" in verdict["reason"]
    stored = client.get(f"{P}/operations/{entry['id']}", headers=login("qa")).json()
    assert [v["rule"] for v in stored["gate_violations"]] == ["previous_operation_not_reported"]
    again = client.post("/sync/upload", json={"client_id": "hh-2", "batch": [entry]}, headers=login("picker"))
    assert again.json()["verdicts"][0]["status"] == "duplicate"
    assert reports_in_db(session) == 1


def test_a_retried_report_stores_once_and_a_reused_id_is_refused(client: TestClient, login: Any, session: Session,
                                                                 line: None) -> None:
    body = op(10)
    first = reported(client, login, body)
    assert reported(client, login, body) == first
    r = report(client, login, {**body, "good_qty": 6})
    assert (r.status_code, r.json()["code"]) == (409, "operation_id_reused")
    assert reports_in_db(session) == 1


@pytest.mark.parametrize("over,status,problem", [
    ({"seq": 15}, 422, "has no operation 15; it has: 10 MOULD, 20 TRIM, 30 PACK"),
    ({"equipment": "EQ-SMT-01"}, 422, "EQ-SMT-01 is smt equipment; operation 10 (MOULD) needs moulding"),
    ({"equipment": "EQ-NOPE"}, 404, "equipment 'EQ-NOPE'"),
    ({"work_order": "WO-NOPE"}, 404, "work order 'WO-NOPE'"),
    ({"operator": "nobody"}, 404, "user 'nobody'"),
    ({"ended_at": at(0)}, 400, "is before started_at"),
])
def test_a_bad_report_is_refused_naming_the_problem(client: TestClient, login: Any, session: Session, line: None,
                                                    over: dict[str, Any], status: int, problem: str) -> None:
    r = report(client, login, {**op(10), **over})
    assert r.status_code == status and problem in r.text, r.text
    assert reports_in_db(session) == 0


def test_a_started_operation_is_finished_once(client: TestClient, login: Any, line: None) -> None:
    started = reported(client, login, op(10, good=0, ended_at=None, equipment="EQ-IM-01"))
    assert started["ended_at"] is None
    done = {"ended_at": at(30), "good_qty": 9, "scrap_qty": 1, "params": [{"name": "temperature", "value": 250}]}
    r = client.post(f"{P}/operations/{started['id']}/finish", json=done, headers=login("picker"))
    assert r.status_code == 201, r.text
    assert (r.json()["good_qty"], r.json()["params"][0]["in_spec"]) == (9, False)
    assert client.post(f"{P}/operations/{started['id']}/finish", json=done, headers=login("picker")).status_code \
        == 201
    r = client.post(f"{P}/operations/{started['id']}/finish", json={**done, "good_qty": 8}, headers=login("picker"))
    assert r.status_code == 409


# -- work in progress ------------------------------------------------------------------------------------------
def test_wip_is_good_at_an_operation_minus_good_at_the_next(client: TestClient, login: Any, line: None) -> None:
    reported(client, login, op(10, good=5, scrap_qty=1))
    reported(client, login, op(10, good=3))
    reported(client, login, op(20, good=5))
    reported(client, login, op(30, good=2))
    assert wip(client, login, work_order="WO-C1") == [(10, 8, 3), (20, 5, 3), (30, 2, 2)]
    reported(client, login, op(10, wo="WO-C2", good=4))
    assert wip(client, login, item="CASE-01") == [(10, 12, 7), (20, 5, 3), (30, 2, 2)]
    assert [o["seq"] for o in client.get(f"{P}/operations", params={"work_order": "WO-C1"},
                                         headers=login("qa")).json()] == [10, 10, 20, 30]


def test_a_started_work_order_keeps_its_route_version(client: TestClient, login: Any, line: None) -> None:
    reported(client, login, op(10, good=4))
    client.post(f"{P}/routes", json={"item": "CASE-01", "operations": [{"seq": 10, "code": "MOULD"}]},
                headers=login("qa"))
    assert wip(client, login, work_order="WO-C1") == [(10, 4, 4), (20, 0, 0), (30, 0, 0)]
    assert wip(client, login, work_order="WO-C2") == [(10, 0, 0)]  # not started: the active route


def test_wip_needs_one_work_order_or_one_item(client: TestClient, login: Any, line: None) -> None:
    r = client.get(f"{P}/wip", headers=login("qa"))
    assert r.status_code == 422 and "one work_order or of one item" in r.json()["detail"]

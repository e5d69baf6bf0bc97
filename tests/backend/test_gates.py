"""Process gates as data: each refuses online with its rule's message, is recorded when broken offline, and can be
switched off or tuned by QA through the API."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlmodel import Session, select

from backend.gates.models import GateRule
from backend.gates.service import GateService, default_rules
from backend.quality.models import Inspection, InspectionPlan
from shared_models.enums import InspectionStage, LocationKind, UnitStatus
from shared_models.gates import GateContext, GateRuleData, UnknownCheck, evaluate
from shared_models.masterdata import Item, Location
from shared_models.trace import Event, Unit
from tests.backend.story import receive, release
from tests.factories import T0, Plant, at, eid

IQC_MESSAGE = "RESIN-01/R1 has not passed incoming inspection (IQC); it may not go into stock, be picked or be consumed"


# -- helpers -----------------------------------------------------------------------------------------------------
def command(kind: str, op_id: int, **fields: Any) -> dict[str, Any]:
    """An event command as the handheld's upload queue holds it."""
    return {"op_id": op_id, "op": "PUT", "type": "event_command", "id": eid(), "tx_id": op_id,
            "data": {"kind": kind, **fields}}


def upload(client: TestClient, headers: dict[str, str], batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    r = client.post("/sync/upload", json={"client_id": "hh-1", "batch": batch}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["verdicts"]


def set_rule(client: TestClient, login: Any, code: str, **changes: Any) -> dict[str, Any]:
    r = client.patch(f"/api/gates/{code}", json=changes, headers=login("qa"))
    assert r.status_code == 200, r.text
    return r.json()


def inspect(session: Session, code: str, stage: InspectionStage, verdict: str = "pass", minute: int = 1) -> None:
    unit = session.exec(select(Unit).where(Unit.code == code)).one()
    plan = session.exec(select(InspectionPlan).where(InspectionPlan.item_id == unit.item_id,
                                                     InspectionPlan.stage == stage)).first()
    if plan is None:
        plan = add_plan(session, unit.item_id, stage)
    session.add(Inspection(id=eid(), plan_id=plan.id, unit_id=unit.id, stage=stage, site_id=unit.site_id,
                           lot_size=10, sample_size=2, accept=0, reject=1, verdict=verdict, occurred_at=T0.replace(
                               minute=minute)))
    session.commit()


def add_plan(session: Session, item_id: str | None, stage: InspectionStage, active: bool = True) -> InspectionPlan:
    plan = InspectionPlan(code=f"{stage.value}-{eid()[:8]}", name=f"{stage.value} plan", item_id=item_id,
                          stage=stage, active=active)
    session.add(plan)
    session.commit()
    return plan


def set_status(session: Session, code: str, status: UnitStatus) -> None:
    unit = session.exec(select(Unit).where(Unit.code == code)).one()
    unit.status = status
    session.add(unit)
    session.commit()


def pick(client: TestClient, login: Any, unit: str, to: str = "S1-SHIP", **over: Any) -> Any:
    return client.post("/api/events/pick", headers=login("picker"), json={
        "id": eid(), "occurred_at": at(6), "unit": unit, "qty": 1, "from_location": "S1-A-01", "to_location": to,
        **over})


def move(client: TestClient, login: Any, unit: str, to: str) -> Any:
    return client.post("/api/events/move", headers=login("picker"), json={
        "id": eid(), "occurred_at": at(6), "unit": unit, "qty": 1, "from_location": "S1-A-01", "to_location": to})


def ship(client: TestClient, login: Any, unit: str) -> Any:
    return client.post("/api/events/ship", headers=login("picker"), json={
        "id": eid(), "occurred_at": at(7), "customer": "CUST-1", "reference": "DN-1",
        "lines": [{"unit": unit, "qty": 1, "from_location": "S1-A-01"}]})


def refused_with(r: Any, message: str) -> None:
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "gate_violated"
    assert message in r.json()["detail"], r.json()["detail"]


def recorded_offline(session: Session, verdict: dict[str, Any], event_id: str, rule: str) -> None:
    assert verdict["status"] == "conflict" and verdict["code"] == "gate_violated_offline", verdict
    session.expire_all()
    stored = session.get(Event, event_id)
    assert stored is not None, "the physical fact is recorded"
    assert rule in [v["rule"] for v in stored.attributes["gate_violations"]]


def stock_location(session: Session, plant: Plant, code: str = "S1-RM-01") -> Location:
    loc = Location(code=code, name="Raw store", site_id=plant.sites["S1"].id, kind=LocationKind.BIN)
    session.add(loc)
    session.commit()
    return loc


# -- the rules as data -------------------------------------------------------------------------------------------
def test_the_shipped_rules_are_seeded_once_and_listed_for_qa(client: TestClient, login: Any,
                                                              session: Session) -> None:
    r = client.get("/api/gates", headers=login("qa"))
    assert r.status_code == 200
    rules = {g["code"]: g for g in r.json()}
    assert set(rules) == {"unit_usable", "unit_movable", "iqc_passed_before_stock", "previous_operation_reported",
                          "oqc_passed_before_ship"}
    assert rules["unit_usable"]["actions"] == ["pick", "ship", "consume"]
    assert rules["previous_operation_reported"]["params"] == {"min_good_qty": 1.0}
    client.get("/api/gates", headers=login("admin"))
    assert len(session.exec(select(GateRule)).all()) == 5
    assert client.get("/api/gates", headers=login("picker")).status_code == 403
    assert client.patch("/api/gates/unit_usable", json={"enabled": False}, headers=login("engineer")).status_code \
        == 403


@pytest.mark.parametrize("changes,problem", [
    ({"params": {"min_good_qty": -1}}, "min_good_qty"),
    ({"params": {"min_qty": 2}}, "min_qty"),
    ({"message_en": "Op {seq} needs {operator}"}, "{operator}"),
    ({"actions": ["teleport"]}, "teleport"),
])
def test_a_bad_change_to_a_rule_is_refused_and_changes_nothing(client: TestClient, login: Any, session: Session,
                                                               changes: dict[str, Any], problem: str) -> None:
    r = client.patch("/api/gates/previous_operation_reported", json=changes, headers=login("qa"))
    assert r.status_code == 422 and r.json()["code"] == "invalid_input", r.text
    assert problem in r.json()["detail"]
    session.expire_all()
    rule = session.exec(select(GateRule).where(GateRule.code == "previous_operation_reported")).one()
    assert (rule.params, rule.actions) == ({"min_good_qty": 1.0}, ["operation_report"])


def test_an_unknown_rule_is_named(client: TestClient, login: Any) -> None:
    r = client.patch("/api/gates/no_such_gate", json={"enabled": False}, headers=login("qa"))
    assert r.status_code == 404 and "no_such_gate" in r.json()["detail"]


def test_the_shipped_yaml_is_valid_and_every_check_has_its_defaults() -> None:
    rules = default_rules()
    assert rules[0].code == "unit_usable"
    assert all(r.message_en and r.message_zh for r in rules)


# -- unit_usable -----------------------------------------------------------------------------------------------
def test_a_held_lot_is_refused_online_and_passes_once_qa_disables_the_rule(client: TestClient, login: Any,
                                                                           session: Session) -> None:
    receive(session, "PCB-01", "P1", 10)
    set_status(session, "PCB-01/P1", UnitStatus.ON_HOLD)
    refused_with(pick(client, login, "PCB-01/P1"), "Cannot pick: PCB-01/P1 is on hold")
    assert set_rule(client, login, "unit_usable", enabled=False)["enabled"] is False
    assert pick(client, login, "PCB-01/P1").status_code == 201


def test_a_held_lot_consumed_offline_is_recorded_and_raised(client: TestClient, login: Any, session: Session) -> None:
    receive(session, "PCB-01", "P1", 10)
    client.post("/api/work-orders", headers=login("qa"), json={"code": "WO-B", "site": "S1", "item": "BRD-01",
                                                                "qty_planned": 1})
    set_status(session, "PCB-01/P1", UnitStatus.ON_HOLD)
    report = command("report", 1, occurred_at=at(8), work_order="WO-B", location="S1-A-02",
                     inputs=[{"unit": "PCB-01/P1", "qty": 1, "from_location": "S1-A-01"}],
                     outputs=[{"serial": "B1"}])
    [verdict] = upload(client, login("picker"), [report])
    recorded_offline(session, verdict, report["id"], "status_on_hold")
    assert "PCB-01/P1 is on hold" in verdict["reason"]


def test_an_expired_lot_is_a_near_miss_the_day_it_expires(session: Session, plant: Plant) -> None:
    receive(session, "PCB-01", "P1", 10, expires_on=date(2026, 11, 2))
    unit = session.exec(select(Unit).where(Unit.code == "PCB-01/P1")).one()
    assert GateService(session, today=date(2026, 11, 2)).check("pick", unit) == []
    [late] = GateService(session, today=date(2026, 11, 3)).check("pick", unit)
    assert (late.rule, late.reason) == ("expired", "PCB-01/P1 expired on 2026-11-02")


# -- iqc_passed_before_stock -----------------------------------------------------------------------------------
def test_without_an_iqc_pass_a_released_lot_is_refused_when_qa_insists_on_the_record(
        client: TestClient, login: Any, session: Session) -> None:
    receive(session, "RESIN-01", "R1", 10)
    release(session, "RESIN-01/R1")
    assert pick(client, login, "RESIN-01/R1").status_code == 201  # shipped default: a QA release is the decision
    set_rule(client, login, "iqc_passed_before_stock", params={"accept_qa_release": False})
    refused_with(pick(client, login, "RESIN-01/R1"), IQC_MESSAGE)
    inspect(session, "RESIN-01/R1", InspectionStage.IQC, "fail", minute=2)
    refused_with(pick(client, login, "RESIN-01/R1"), IQC_MESSAGE)
    inspect(session, "RESIN-01/R1", InspectionStage.IQC, "pass", minute=3)  # the latest verdict counts
    assert pick(client, login, "RESIN-01/R1").status_code == 201


def test_a_lot_without_iqc_pass_may_not_move_into_a_stock_location_but_may_elsewhere(
        client: TestClient, login: Any, session: Session, plant: Plant) -> None:
    stock_location(session, plant)
    receive(session, "RESIN-01", "R1", 10)
    refused_with(move(client, login, "RESIN-01/R1", "S1-RM-01"), IQC_MESSAGE)
    assert move(client, login, "RESIN-01/R1", "S1-A-02").status_code == 201  # not a stock location
    inspect(session, "RESIN-01/R1", InspectionStage.IQC)
    assert move(client, login, "RESIN-01/R1", "S1-RM-01").status_code == 201


def test_items_without_iqc_are_not_concerned(client: TestClient, login: Any, session: Session,
                                             plant: Plant) -> None:
    stock_location(session, plant)
    receive(session, "PCB-01", "P1", 10)
    assert move(client, login, "PCB-01/P1", "S1-RM-01").status_code == 201


def test_a_pick_without_iqc_pass_offline_is_recorded_and_raised(client: TestClient, login: Any,
                                                                session: Session) -> None:
    receive(session, "RESIN-01", "R1", 10)
    release(session, "RESIN-01/R1")
    set_rule(client, login, "iqc_passed_before_stock", params={"accept_qa_release": False})
    entry = command("pick", 1, occurred_at=at(6), unit="RESIN-01/R1", qty=1, from_location="S1-A-01",
                    to_location="S1-SHIP")
    [verdict] = upload(client, login("picker"), [entry])
    recorded_offline(session, verdict, entry["id"], "iqc_not_passed")
    assert IQC_MESSAGE in verdict["reason"]


# -- oqc_passed_before_ship ------------------------------------------------------------------------------------
def test_an_item_with_an_oqc_plan_ships_only_after_an_oqc_pass(client: TestClient, login: Any, session: Session,
                                                               plant: Plant) -> None:
    receive(session, "PCB-01", "P1", 10)
    add_plan(session, plant.items["PCB-01"].id, InspectionStage.OQC)
    refused_with(ship(client, login, "PCB-01/P1"),
                 "PCB-01/P1 has not passed outgoing inspection (OQC) and may not ship")
    inspect(session, "PCB-01/P1", InspectionStage.IQC)  # another stage's pass is not enough
    assert ship(client, login, "PCB-01/P1").status_code == 409
    inspect(session, "PCB-01/P1", InspectionStage.OQC)
    assert ship(client, login, "PCB-01/P1").status_code == 201


def test_without_a_plan_shipping_needs_no_oqc_unless_the_rule_says_always(client: TestClient, login: Any,
                                                                          session: Session, plant: Plant) -> None:
    receive(session, "PCB-01", "P1", 10)
    add_plan(session, plant.items["PCB-01"].id, InspectionStage.OQC, active=False)
    add_plan(session, plant.items["CASE-01"].id, InspectionStage.OQC)
    assert ship(client, login, "PCB-01/P1").status_code == 201
    set_rule(client, login, "oqc_passed_before_ship", params={"always": True})
    refused_with(ship(client, login, "PCB-01/P1"), "PCB-01/P1 has not passed outgoing inspection (OQC)")


def test_a_shipment_without_oqc_pass_offline_is_recorded_and_raised(client: TestClient, login: Any,
                                                                    session: Session, plant: Plant) -> None:
    receive(session, "PCB-01", "P1", 10)
    add_plan(session, plant.items["PCB-01"].id, InspectionStage.OQC)
    entry = command("ship", 1, occurred_at=at(7), customer="CUST-1", reference="DN-1",
                    lines=[{"unit": "PCB-01/P1", "qty": 1, "from_location": "S1-A-01"}])
    [verdict] = upload(client, login("picker"), [entry])
    recorded_offline(session, verdict, entry["id"], "oqc_not_passed")


# -- pure evaluation, as the handheld runs it ------------------------------------------------------------------
def rules() -> list[GateRuleData]:
    return default_rules()


def test_messages_come_from_the_rule_in_english_and_chinese() -> None:
    ctx = GateContext(today=date(2026, 11, 2), unit="PCB-01/P1", status=UnitStatus.ON_HOLD)
    [v] = evaluate(rules(), "pick", ctx)
    assert (v.gate, v.rule, v.reason, v.reason_zh) == ("unit_usable", "status_on_hold", "PCB-01/P1 is on hold",
                                                       "PCB-01/P1 已冻结")


def test_only_enabled_rules_guarding_the_action_run() -> None:
    ctx = GateContext(today=date(2026, 11, 2), unit="PCB-01/P1", status=UnitStatus.ON_HOLD)
    assert evaluate(rules(), "move", ctx) == []  # held stock may move
    off = [replace(r, enabled=False) if r.code == "unit_usable" else r for r in rules()]
    assert evaluate(off, "pick", ctx) == []


def test_a_rule_naming_a_missing_check_fails_loudly() -> None:
    ctx = GateContext(today=date(2026, 11, 2))
    with pytest.raises(UnknownCheck, match="no_such_check"):
        evaluate([GateRuleData(code="x", actions=("pick",), check="no_such_check")], "pick", ctx)


def test_previous_operation_is_checked_against_min_good_qty() -> None:
    ctx = GateContext(today=date(2026, 11, 2), work_order="WO-1", operation_seq=20, previous_seq=10,
                      good_by_seq={10: 0.0})
    [v] = evaluate(rules(), "operation_report", ctx)
    assert v.reason == ("Operation 20 of work order WO-1 needs operation 10 reported first with at least 1 good "
                        "(reported: 0)")
    ctx.good_by_seq = {10: 1.0}
    assert evaluate(rules(), "operation_report", ctx) == []
    ctx.previous_seq = None  # the first operation
    ctx.good_by_seq = {}
    assert evaluate(rules(), "operation_report", ctx) == []


def test_an_item_flag_is_read_from_master_data(session: Session, plant: Plant) -> None:
    receive(session, "RESIN-01", "R1", 10)
    unit = session.exec(select(Unit).where(Unit.code == "RESIN-01/R1")).one()
    ctx = GateService(session).context("pick", unit)
    assert ctx.needs_iqc is True and ctx.passed_stages == frozenset()
    item = session.get(Item, unit.item_id)
    assert item is not None and item.needs_iqc

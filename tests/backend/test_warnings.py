"""Warning rules: each fires once for its situation, not for near misses, and again only after a close."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from litestar.testing import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from backend.auth.principal import SYSTEM, Principal
from backend.db import make_engine
from backend.production.models import ProcessReading
from backend.quality.models import Inspection, InspectionPlan
from backend.trace.models import EventLine
from backend.verify.schemas import VerifyRequest
from backend.verify.service import VerifyService
from backend.warnings.errors import RuleMisconfigured, WarningNotLive
from backend.warnings.kinds import KINDS, evaluate
from backend.warnings.models import QualityWarning, WarningRule
from backend.warnings.runtime import WarningsRuntime
from backend.warnings.service import WarningService
from shared_models import commands as cmd
from shared_models.enums import BUSINESS_STEP, EventType, InspectionStage, LineRole, Role, WarningState
from shared_models.masterdata import Equipment
from shared_models.trace import Event, Unit
from shared_models.types import utcnow
from tests.backend.story import receive, tell_story, warehouse
from tests.conftest import POSTGRES_URL
from tests.factories import Plant, at, eid

_clock = itertools.count()


def make_rule(session: Session, kind: str, **params: Any) -> WarningRule:
    rule = WarningRule(code=f"{kind}-{uuid4().hex[:6]}", kind=kind, params=params, severity="major",
                       name_en=kind, name_zh=kind)
    session.add(rule)
    session.commit()
    return rule


def sweep(session: Session) -> list[QualityWarning]:
    return WarningService(session).sweep()


def warnings_of(session: Session, rule: WarningRule) -> list[QualityWarning]:
    session.expire_all()
    return list(session.exec(select(QualityWarning).where(QualityWarning.rule_id == rule.id)
                             .order_by(QualityWarning.opened_at)))


def unit_id(session: Session, code: str) -> str:
    return session.exec(select(Unit.id).where(Unit.code == code)).one()


# -- inspections -------------------------------------------------------------------------------------------------
@pytest.fixture
def lots(session: Session, plant: Plant) -> list[str]:
    """Four resin lots from SUP-A, one PCB lot from SUP-B, and an IQC plan to inspect them against."""
    for n in range(1, 5):
        receive(session, "RESIN-01", f"R{n}", 10, minute=n)
    receive(session, "PCB-01", "P1", 10, supplier="SUP-B", minute=9)
    session.add(InspectionPlan(code="IQC-ANY", name="IQC", stage=InspectionStage.IQC))
    session.commit()
    return ["RESIN-01/R1", "RESIN-01/R2", "RESIN-01/R3", "RESIN-01/R4"]


def inspect(session: Session, code: str, verdict: str, *, days_ago: float = 0) -> Inspection:
    """An inspection, each one later than the one before (the inspection service is not needed to read them)."""
    plan = session.exec(select(InspectionPlan)).first()
    assert plan is not None
    unit = session.exec(select(Unit).where(Unit.code == code)).one()
    occurred = utcnow() - timedelta(days=days_ago, hours=1) + timedelta(milliseconds=next(_clock))
    row = Inspection(id=str(uuid4()), plan_id=plan.id, unit_id=unit.id, stage=InspectionStage.IQC,
                     site_id=unit.site_id, lot_size=10, sample_size=2, accept=0, reject=1, verdict=verdict,
                     occurred_at=occurred)
    session.add(row)
    session.commit()
    return row


def test_three_failures_in_a_row_for_a_supplier_fire_once(session: Session, plant: Plant,
                                                         lots: list[str]) -> None:
    rule = make_rule(session, "consecutive_failures", n=3, per="supplier")
    for code in lots[:3]:
        inspect(session, code, "fail")
    raised = sweep(session)
    assert [w.dedupe_key for w in raised] == [f"supplier:{plant.suppliers['SUP-A'].id}"]
    assert "3 failed inspections in a row for supplier SUP-A" in raised[0].message
    assert raised[0].context["site_id"] and raised[0].state is WarningState.OPEN
    inspect(session, lots[3], "fail")  # the same situation going on: still the one warning
    assert sweep(session) == []
    assert len(warnings_of(session, rule)) == 1


def test_two_failures_or_a_pass_in_between_do_not_fire(session: Session, lots: list[str]) -> None:
    make_rule(session, "consecutive_failures", n=3, per="supplier")
    inspect(session, lots[0], "fail")
    inspect(session, lots[1], "fail")
    assert sweep(session) == []
    inspect(session, lots[2], "pass")
    inspect(session, lots[3], "fail")
    inspect(session, lots[0], "fail")
    assert sweep(session) == []


def test_per_lot_counts_each_lot_on_its_own(session: Session, lots: list[str]) -> None:
    per_lot = make_rule(session, "consecutive_failures", n=2, per="lot")
    for code in (lots[0], lots[1], lots[0]):
        inspect(session, code, "fail")
    # R1 failed twice; R2 once, even though the supplier failed three times in a row.
    assert [w.context["label"] for w in sweep(session)] == ["RESIN-01/R1"]
    assert len(warnings_of(session, per_lot)) == 1


def test_a_closed_warning_fires_again_only_when_the_failures_recur(session: Session, lots: list[str]) -> None:
    rule = make_rule(session, "consecutive_failures", n=3, per="supplier")
    for code in lots[:3]:
        inspect(session, code, "fail")
    first = sweep(session)[0]
    WarningService(session).close(first.id, SYSTEM, note="supplier 8D received")
    assert sweep(session) == []          # the same old failures were dealt with
    inspect(session, lots[0], "fail")
    inspect(session, lots[1], "fail")
    assert sweep(session) == []          # two new failures: not yet
    inspect(session, lots[2], "fail")
    again = sweep(session)
    assert len(again) == 1 and again[0].dedupe_key == first.dedupe_key
    assert [w.state for w in warnings_of(session, rule)] == [WarningState.CLOSED, WarningState.OPEN]


def status_change(session: Session, code: str) -> Event:
    """The DISPOSITION event an inspection's status change records in the inspection's commit."""
    unit = session.exec(select(Unit).where(Unit.code == code)).one()
    event = Event(id=eid(), type=EventType.DISPOSITION, business_step=BUSINESS_STEP[EventType.DISPOSITION],
                  occurred_at=utcnow(), site_id=unit.site_id)
    session.add(event)
    session.flush()
    session.add(EventLine(event_id=event.id, unit_id=unit.id, role=LineRole.SUBJECT, qty=0.0))
    session.commit()
    return event


def test_the_fast_path_judges_the_supplier_of_the_unit_an_inspection_changed(session: Session,
                                                                              lots: list[str]) -> None:
    make_rule(session, "consecutive_failures", n=3, per="supplier")
    for code in lots[:3]:
        inspect(session, code, "fail")
    service = WarningService(session)
    assert service.evaluate_events([status_change(session, "PCB-01/P1").id]) == []   # SUP-B's lot
    raised = service.evaluate_events([status_change(session, lots[2]).id])
    assert [w.context["label"] for w in raised] == ["SUP-A"]


def test_the_fast_path_per_lot_judges_only_the_changed_lot(session: Session, lots: list[str]) -> None:
    make_rule(session, "pass_rate_below", min_pass_rate=0.5, per="item", window_days=30, min_inspections=2)
    per_lot = make_rule(session, "consecutive_failures", n=2, per="lot")
    inspect(session, lots[0], "fail")
    inspect(session, lots[0], "fail")
    service = WarningService(session)

    def fired(code: str) -> list[tuple[bool, str]]:
        return [(w.rule_id == per_lot.id, w.context["label"]) for w in service.evaluate_events(
            [status_change(session, code).id])]

    assert fired(lots[1]) == [(False, "RESIN-01")]      # R2's item failed; R2 itself did not
    assert fired(lots[0]) == [(True, "RESIN-01/R1")]    # the item's warning is open already


def test_pass_rate_exactly_at_the_threshold_does_not_fire_but_below_it_does(session: Session,
                                                                              lots: list[str]) -> None:
    make_rule(session, "pass_rate_below", min_pass_rate=0.8, per="supplier", window_days=30, min_inspections=5)
    for n in range(10):
        inspect(session, lots[n % 4], "fail" if n in (2, 6) else "pass")
    assert sweep(session) == []          # 8/10 = 80%
    inspect(session, lots[0], "fail")
    raised = sweep(session)               # 8/11
    assert len(raised) == 1
    assert raised[0].context["passed"] == 8 and raised[0].context["inspected"] == 11
    assert "72.7%" in raised[0].message and "SUP-A" in raised[0].message


def test_pass_rate_needs_enough_inspections_and_stays_within_its_window(session: Session, lots: list[str]) -> None:
    make_rule(session, "pass_rate_below", min_pass_rate=0.8, per="supplier", window_days=30, min_inspections=5)
    for code in lots:
        inspect(session, code, "fail")
    assert sweep(session) == []          # four inspections are too few to judge
    for _ in range(3):
        inspect(session, lots[0], "fail", days_ago=40)
    assert sweep(session) == []          # those are outside the 30 days: still four
    inspect(session, lots[0], "pass")
    raised = sweep(session)
    assert len(raised) == 1 and (raised[0].context["passed"], raised[0].context["inspected"]) == (1, 5)


def test_pass_rate_over_the_last_n_inspections(session: Session, lots: list[str]) -> None:
    make_rule(session, "pass_rate_below", min_pass_rate=0.8, per="supplier", window_days=None, last_n=5,
              min_inspections=5)
    for _ in range(3):
        inspect(session, lots[0], "fail")
    for code in [*lots, lots[0]]:
        inspect(session, code, "pass")
    assert sweep(session) == []          # the last five all passed
    inspect(session, lots[1], "fail")
    inspect(session, lots[2], "fail")
    assert len(sweep(session)) == 1       # 3/5


def test_pass_rate_needs_window_days_or_last_n(session: Session, plant: Plant) -> None:
    rule = make_rule(session, "pass_rate_below", window_days=30, last_n=5)
    with pytest.raises(RuleMisconfigured, match="window_days or last_n"):
        evaluate(session, rule)


# -- expiry ------------------------------------------------------------------------------------------------------
def test_stock_expiring_within_n_days_fires_at_n_not_at_n_plus_one(session: Session, plant: Plant) -> None:
    rule = make_rule(session, "expiry_within", days=30)
    today = utcnow().date()
    receive(session, "PCB-01", "IN30", 5, supplier="SUP-B", expires_on=today + timedelta(days=30))
    receive(session, "PCB-01", "IN31", 5, supplier="SUP-B", expires_on=today + timedelta(days=31))
    receive(session, "PCB-01", "OLD", 5, supplier="SUP-B", expires_on=today - timedelta(days=2))
    raised = sweep(session)
    assert sorted(w.context["label"] for w in raised) == ["PCB-01/IN30", "PCB-01/OLD"]
    assert "expired on" in next(w.message for w in raised if w.context["label"] == "PCB-01/OLD")
    assert sweep(session) == []
    for w in warnings_of(session, rule):
        WarningService(session).close(w.id, SYSTEM)
    assert sweep(session) == []          # a date doesn't change: once dealt with, dealt with


def test_expiry_of_serials_is_one_warning_for_their_lot_from_the_receive_itself(session: Session,
                                                                                plant: Plant) -> None:
    make_rule(session, "expiry_within", days=10)
    event = warehouse(session).receive(cmd.Receive(
        id=eid(), occurred_at=at(0), supplier="SUP-B", item="BRD-01", lot_no="BL1", qty=3,
        serials=["S-1", "S-2", "S-3"], location="S1-A-01", expires_on=utcnow().date() + timedelta(days=3)))
    raised = WarningService(session).evaluate_events([event.id])
    assert len(raised) == 1
    assert raised[0].context["label"] == "BRD-01/BL1" and raised[0].context["qty"] == 3
    assert "in 3 days" in raised[0].message


def test_expiry_ignores_stock_that_has_left(session: Session, plant: Plant) -> None:
    make_rule(session, "expiry_within", days=30)
    receive(session, "PCB-01", "GONE", 5, supplier="SUP-B", expires_on=utcnow().date() + timedelta(days=3))
    warehouse(session).count(cmd.Count(id=eid(), occurred_at=at(5), location="S1-A-01",
                                       lines=[cmd.CountLine(unit="PCB-01/GONE", counted_qty=0)]))
    assert sweep(session) == []


# -- process parameters ------------------------------------------------------------------------------------------
def readings(session: Session, equipment: Equipment, *in_spec: bool | None) -> None:
    start = utcnow() - timedelta(hours=1)
    for n, ok in enumerate(in_spec):
        session.add(ProcessReading(equipment_id=equipment.id, name="temperature", value=200.0 if ok else 231.5,
                                   unit="°C", lower=180, upper=220, in_spec=ok,
                                   measured_at=start + timedelta(seconds=n + next(_clock) / 1000)))
    session.commit()


@pytest.fixture
def press(session: Session, plant: Plant) -> Equipment:
    equipment = Equipment(site_id=plant.sites["S1"].id, code="INJ-01", name="Injection press 1")
    session.add(equipment)
    session.commit()
    return equipment


def test_a_parameter_out_of_spec_n_times_in_a_row_fires(session: Session, press: Equipment) -> None:
    make_rule(session, "param_out_of_spec", consecutive=3)
    readings(session, press, False, False, True, False, False)
    assert sweep(session) == []
    readings(session, press, None, False)  # a reading without limits says nothing either way
    raised = sweep(session)
    assert len(raised) == 1
    assert raised[0].message.startswith("temperature on INJ-01 out of spec 3 times in a row (last 231.5°C")
    assert raised[0].context["site_id"] == press.site_id


# -- stocktake ---------------------------------------------------------------------------------------------------
def count(session: Session, unit: str, counted: float, minute: int) -> Event:
    return warehouse(session).count(cmd.Count(id=eid(), occurred_at=at(minute), location="S1-A-01",
                                              lines=[cmd.CountLine(unit=unit, counted_qty=counted)]))


def test_stocktake_discrepancy_fires_above_pct_not_at_it(session: Session, plant: Plant) -> None:
    rule = make_rule(session, "stocktake_discrepancy", pct=5)
    receive(session, "PCB-01", "P1", 100, supplier="SUP-B")
    receive(session, "PCB-01", "P2", 100, supplier="SUP-B")
    at_limit = count(session, "PCB-01/P1", 95, minute=10)     # 5/100: exactly 5%
    over = count(session, "PCB-01/P2", 106, minute=11)        # 6/100
    service = WarningService(session)
    assert service.evaluate_events([at_limit.id]) == []
    raised = service.evaluate_events([over.id])
    assert len(raised) == 1 and raised[0].context["unit"] == "PCB-01/P2"
    assert "counted 106 against book 100 (6.0% off; limit 5%)" in raised[0].message
    assert sweep(session) == [] and len(warnings_of(session, rule)) == 1


def test_stock_found_where_the_book_had_none_is_a_discrepancy(session: Session, plant: Plant) -> None:
    make_rule(session, "stocktake_discrepancy", pct=50)
    receive(session, "PCB-01", "P1", 10, supplier="SUP-B", location="S1-A-02")
    raised = WarningService(session).evaluate_events([count(session, "PCB-01/P1", 4, minute=10).id])
    assert len(raised) == 1 and "no book stock" in raised[0].message


# -- gate violations at sync -------------------------------------------------------------------------------------
def offline_event(session: Session, plant: Plant, violations: list[dict[str, str]]) -> Event:
    event = Event(id=eid(), type=EventType.PICK, business_step=BUSINESS_STEP[EventType.PICK],
                  occurred_at=utcnow() - timedelta(hours=3), device_id="HH-07", site_id=plant.sites["S1"].id,
                  reference="PL-9", attributes={"gate_violations": violations} if violations else {})
    session.add(event)
    session.commit()
    return event


def test_an_event_recorded_offline_despite_a_gate_fires_once(session: Session, plant: Plant) -> None:
    make_rule(session, "gate_violation_at_sync")
    clean = offline_event(session, plant, [])
    broken = offline_event(session, plant, [{"rule": "status_quarantine",
                                             "reason": "RESIN-01/R1 is in quarantine awaiting inspection"}])
    service = WarningService(session)
    assert service.evaluate_events([clean.id]) == []
    raised = service.evaluate_events([broken.id, clean.id])
    assert len(raised) == 1 and raised[0].dedupe_key == f"event:{broken.id}"
    assert "pick PL-9 was recorded offline (device HH-07) despite: RESIN-01/R1 is in quarantine" in raised[0].message
    assert sweep(session) == []


# -- verification ------------------------------------------------------------------------------------------------
def dist(plant: Plant) -> Principal:
    return Principal(user_id=plant.users["dist"].id, username="dist", role=Role.DISTRIBUTOR,
                     customer_id=plant.customers["DIST-1"].id)


def check(session: Session, plant: Plant, code: str, region: str, hours: float = 0) -> str:
    when = datetime.fromisoformat(at(60)) + timedelta(hours=hours)
    answer = VerifyService(session, dist(plant)).verify(VerifyRequest(code=code, region=region, occurred_at=when))
    return answer.event_id


def test_diversion_fires_for_a_check_outside_the_region_and_not_inside(session: Session, plant: Plant) -> None:
    rule = make_rule(session, "diversion")
    tell_story(session)
    service = WarningService(session)
    assert service.evaluate_events([check(session, plant, "MTR-01/M1", "Jiangsu")]) == []
    raised = service.evaluate_events([check(session, plant, "MTR-01/M1", "Guangdong")])
    assert len(raised) == 1 and raised[0].dedupe_key == "unit:MTR-01/M1"
    assert "shipped to DIST-1 was verified in Guangdong" in raised[0].message
    assert service.evaluate_events([check(session, plant, "MTR-01/M1", "Fujian")]) == []   # still open
    assert len(warnings_of(session, rule)) == 1


def test_clone_fires_for_two_regions_in_the_window(session: Session, plant: Plant) -> None:
    make_rule(session, "clone", max_scans=5, regions=2, window_hours=72)
    tell_story(session)
    service = WarningService(session)
    assert service.evaluate_events([check(session, plant, "MTR-01/M2", "Jiangsu")]) == []
    assert service.evaluate_events([check(session, plant, "MTR-01/M2", "Zhejiang", hours=100)]) == []
    raised = service.evaluate_events([check(session, plant, "MTR-01/M2", "Anhui", hours=101)])
    assert len(raised) == 1 and raised[0].context["regions"] == ["Zhejiang", "Anhui"]


def test_unknown_codes_fire_once_per_code(session: Session, plant: Plant) -> None:
    make_rule(session, "unknown_code")
    tell_story(session)
    service = WarningService(session)
    first = service.evaluate_events([check(session, plant, "MTR-01/FAKE-1", "Jiangsu")])
    again = service.evaluate_events([check(session, plant, "MTR-01/FAKE-1", "Hubei")])
    assert len(first) == 1 and again == [] and "possible counterfeit" in first[0].message


def another_engine(engine: Engine) -> Engine:
    """A second engine on the same database, as a second process (or the CLI) would have."""
    if engine.dialect.name == "sqlite":
        return make_engine(engine.url.render_as_string(hide_password=False))
    with engine.connect() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
    return make_engine(POSTGRES_URL, schema=schema)


def test_the_runtime_judges_commits_through_its_engine_as_they_happen_and_only_while_it_runs(
        engine: Engine, session: Session, plant: Plant) -> None:
    rule = make_rule(session, "unknown_code")
    tell_story(session)
    runtime = WarningsRuntime(engine, scheduler=False)
    runtime.start()
    elsewhere = another_engine(engine)
    try:
        check(session, plant, "MTR-01/FAKE-1", "Jiangsu")       # judged once the commit is done
        with Session(elsewhere) as other:                        # not this runtime's engine: left to the sweep
            check(other, plant, "MTR-01/FAKE-2", "Jiangsu")
    finally:
        runtime.stop()
        elsewhere.dispose()
    check(session, plant, "MTR-01/FAKE-3", "Jiangsu")           # stopped: left to the sweep
    assert [w.context["code"] for w in warnings_of(session, rule)] == ["MTR-01/FAKE-1"]


# -- lifecycle ---------------------------------------------------------------------------------------------------
def test_acknowledge_then_close_and_illegal_transitions_are_refused(session: Session, lots: list[str]) -> None:
    make_rule(session, "consecutive_failures", n=2, per="supplier")
    inspect(session, lots[0], "fail")
    inspect(session, lots[1], "fail")
    (warning,) = sweep(session)
    service = WarningService(session)
    qa = Principal(user_id=_user_id(session, "qa"), username="qa", role=Role.QA_MANAGER)
    acked = service.acknowledge(warning.id, qa)
    assert acked.state is WarningState.ACKNOWLEDGED and acked.acknowledged_by == qa.user_id
    with pytest.raises(WarningNotLive, match="only an open warning"):
        service.acknowledge(warning.id, qa)
    inspect(session, lots[2], "fail")
    assert sweep(session) == []          # acknowledged still counts as live
    closed = service.close(warning.id, qa, note="lot returned to supplier")
    assert closed.state is WarningState.CLOSED and closed.closed_by == qa.user_id
    assert closed.context["close_note"] == "lot returned to supplier"
    with pytest.raises(WarningNotLive, match="already closed"):
        service.close(warning.id, qa)
    with pytest.raises(WarningNotLive):
        service.acknowledge(warning.id, qa)


def _user_id(session: Session, username: str) -> str:
    from backend.auth.models import User

    return session.exec(select(User.id).where(User.username == username)).one()


def test_a_misconfigured_rule_does_not_stop_the_others(session: Session, lots: list[str]) -> None:
    bad = make_rule(session, "consecutive_failures", n=1)
    good = make_rule(session, "consecutive_failures", n=2)
    inspect(session, lots[0], "fail")
    inspect(session, lots[1], "fail")
    assert [w.rule_id for w in sweep(session)] == [good.id]
    assert warnings_of(session, bad) == []


# -- over HTTP ---------------------------------------------------------------------------------------------------
def test_rules_are_seeded_one_per_kind_and_qa_managers_only(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/api/warning-rules", headers=login("qa"))
    assert r.status_code == 200, r.text
    rules = r.json()
    assert sorted(x["kind"] for x in rules) == sorted(KINDS)
    assert all(x["name_en"] and x["name_zh"] for x in rules)
    assert client.get("/api/warning-rules", headers=login("picker")).status_code == 403
    assert client.get("/api/warnings", headers=login("dist")).status_code == 403


def test_patching_a_rule_validates_params_and_masks_secrets(client: TestClient, login, engine) -> None:  # type: ignore[no-untyped-def]
    qa = login("qa")
    client.get("/api/warning-rules", headers=qa)
    r = client.patch("/api/warning-rules/stocktake-discrepancy", json={"params": {"pct": -1}}, headers=qa)
    assert r.status_code == 422 and "pct" in r.json()["detail"]
    r = client.patch("/api/warning-rules/stocktake-discrepancy", json={"params": {"pcts": 3}}, headers=qa)
    assert r.status_code == 422 and "pcts" in r.json()["detail"]
    notify = {"webhooks": [{"url": "http://127.0.0.1:9/hook", "secret": "s3cret"}], "emails": ["qa@example.com"]}
    r = client.patch("/api/warning-rules/stocktake-discrepancy",
                     json={"params": {"pct": 2.5}, "notify": notify, "severity": "critical"}, headers=qa)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["params"] == {"pct": 2.5, "lookback_days": 2} and body["severity"] == "critical"
    assert body["notify"]["webhooks"] == [{"url": "http://127.0.0.1:9/hook", "secret": "********"}]
    # Sending the mask back keeps the secret.
    r = client.patch("/api/warning-rules/stocktake-discrepancy", json={"notify": body["notify"]}, headers=qa)
    assert r.status_code == 200
    with Session(engine) as s:
        stored = s.exec(select(WarningRule).where(WarningRule.code == "stocktake-discrepancy")).one()
        assert stored.notify["webhooks"][0]["secret"] == "s3cret"


def test_warnings_over_http_filter_by_state_and_follow_their_lifecycle(client: TestClient, login,  # type: ignore[no-untyped-def]
                                                                      engine) -> None:
    qa = login("qa")
    client.get("/api/warning-rules", headers=qa)  # seeds the rules
    with Session(engine, expire_on_commit=False) as s:
        receive(s, "PCB-01", "P1", 100, supplier="SUP-B")
        receive(s, "PCB-01", "P2", 100, supplier="SUP-B")
        for unit, qty in (("PCB-01/P1", 50), ("PCB-01/P2", 20)):
            count(s, unit, qty, minute=10)
    # The counts were committed through the services: the fast path has raised their warnings already.
    listed = client.get("/api/warnings", params={"state": "open"}, headers=qa).json()
    assert sorted(w["context"]["unit"] for w in listed) == ["PCB-01/P1", "PCB-01/P2"]
    assert {w["rule_code"] for w in listed} == {"stocktake-discrepancy"}
    first = listed[0]["id"]
    r = client.post(f"/api/warnings/{first}/acknowledge", headers=qa)
    assert r.status_code == 200 and r.json()["state"] == "acknowledged"
    r = client.post(f"/api/warnings/{first}/close", json={"note": "recounted"}, headers=qa)
    assert r.status_code == 200 and r.json()["state"] == "closed"
    assert client.post(f"/api/warnings/{first}/close", headers=qa).json()["code"] == "warning_not_live"
    assert [w["id"] for w in client.get("/api/warnings", params={"state": "closed"}, headers=qa).json()] == [first]
    assert len(client.get("/api/warnings", params={"state": "open"}, headers=qa).json()) == 1
    assert client.get("/api/warnings", params={"state": "nonsense"}, headers=qa).status_code == 400


def test_a_site_bound_qa_manager_sees_only_their_site(client: TestClient, login, engine) -> None:  # type: ignore[no-untyped-def]
    client.get("/api/warning-rules", headers=login("qa"))
    with Session(engine, expire_on_commit=False) as s:
        receive(s, "PCB-01", "P1", 100, supplier="SUP-B")
        count(s, "PCB-01/P1", 10, minute=10)
    everyone = client.get("/api/warnings", headers=login("qa")).json()
    assert len(everyone) == 1
    assert client.get("/api/warnings", headers=login("qa2")).json() == []
    r = client.post(f"/api/warnings/{everyone[0]['id']}/acknowledge", headers=login("qa2"))
    assert r.status_code == 404


def test_rule_kinds_have_their_defaults(session: Session, plant: Plant) -> None:
    service = WarningService(session)
    rules = {r.kind: r for r in service.rules()}
    assert rules["consecutive_failures"].params["n"] == 3
    assert rules["expiry_within"].params == {"days": 30, "include_expired": True}

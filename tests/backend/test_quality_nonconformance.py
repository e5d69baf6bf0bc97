"""Nonconformance review (MRB): the workflow decides who may do what; each disposition acts on the unit's stock."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, select

from backend.errors import NotFound
from backend.production.models import WorkOrder
from backend.quality.models import Nonconformance, NonconformanceStep
from backend.quality.nonconformance_service import NonconformanceService
from backend.trace.models import EventLine
from backend.warehouse.check import stock_drift
from backend.warehouse.errors import IllegalTransition
from shared_models import commands as cmd
from shared_models.enums import EventType, UnitStatus, WorkOrderKind
from shared_models.trace import Event
from tests.backend.story import stock, warehouse
from tests.backend.test_quality_inspection import (
    GOOD,
    LOW_MFI,
    RESIN_SAMPLE,
    inspect,
    inspections,
    principal,
    received_resin,
    unit,
)
from tests.factories import Plant, at, eid


@pytest.fixture
def nc(session: Session, plant: Plant) -> str:
    """A failed IQC of the 100 kg resin lot R1 (from SUP-A): the lot is on hold and its nonconformance open."""
    received_resin(session, plant)
    inspections(session, plant).record(inspect("RESIN-01/R1", [LOW_MFI] * 2 + [GOOD] * (RESIN_SAMPLE - 2)))
    return session.exec(select(Nonconformance.code)).one()


def advance(session: Session, plant: Plant, code: str, transition: str, username: str = "qa",
            **fields: Any) -> Nonconformance:
    return NonconformanceService(session).advance(code, transition, fields, principal(plant, username))


def reviewed(session: Session, plant: Plant, code: str) -> None:
    advance(session, plant, code, "start_review", reason="MFI low on two bags")


def steps(session: Session) -> list[tuple[str, str | None, str]]:
    rows = session.exec(select(NonconformanceStep).order_by(NonconformanceStep.at)).all()
    return [(s.transition, s.from_state, s.to_state) for s in rows]


# -- legal transitions ----------------------------------------------------------------------------------------
def test_a_qa_manager_starts_the_review_and_the_step_says_who_when_and_why(session: Session, plant: Plant,
                                                                           nc: str) -> None:
    found = advance(session, plant, nc, "start_review", reason="MFI low on two bags")
    assert found.state == "under_review" and found.version == 2
    step = session.exec(select(NonconformanceStep).where(NonconformanceStep.transition == "start_review")).one()
    assert step.by_user_id == plant.users["qa"].id and step.at is not None
    assert step.fields == {"reason": "MFI low on two bags"}


@pytest.mark.parametrize("transition,fields,status", [
    ("rework", {}, UnitStatus.ON_HOLD),
    ("scrap", {"reason": "cannot be dried"}, UnitStatus.SCRAPPED),
    ("use_as_is", {"approved_by": "Wang Fang (QA)"}, UnitStatus.RELEASED),
    ("return_to_supplier", {}, UnitStatus.SHIPPED),
])
def test_each_disposition_is_legal_from_review_and_then_it_closes(session: Session, plant: Plant, nc: str,
                                                                  transition: str, fields: dict[str, Any],
                                                                  status: UnitStatus) -> None:
    reviewed(session, plant, nc)
    found = advance(session, plant, nc, transition, **fields)
    assert (found.state, found.disposition) == ("dispositioned", transition)
    assert unit(session, "RESIN-01/R1").status is status
    closed = advance(session, plant, nc, "close", reason="done")
    assert closed.state == "closed" and closed.closed_at is not None
    assert steps(session) == [("report", None, "open"), ("start_review", "open", "under_review"),
                              (transition, "under_review", "dispositioned"), ("close", "dispositioned", "closed")]


def test_an_open_nonconformance_is_cancelled_with_a_reason(session: Session, plant: Plant, nc: str) -> None:
    found = advance(session, plant, nc, "cancel", username="inspector", reason="wrong lot scanned")
    assert (found.state, found.closed_at is not None) == ("cancelled", True)


# -- illegal transitions --------------------------------------------------------------------------------------
def refused(session: Session, plant: Plant, code: str, transition: str, username: str = "qa",
            **fields: Any) -> IllegalTransition:
    before = steps(session)
    with pytest.raises(IllegalTransition) as caught:
        advance(session, plant, code, transition, username, **fields)
    assert steps(session) == before   # nothing written
    assert (caught.value.status_code, caught.value.code) == (409, "illegal_transition")
    return caught.value


def test_an_inspector_may_not_start_the_review(session: Session, plant: Plant, nc: str) -> None:
    error = refused(session, plant, nc, "start_review", username="inspector")
    assert error.detail == "Only qa_manager can start_review from 'open'; you are inspector."
    assert error.context["rule"] == "role_not_allowed"


def test_use_as_is_without_approved_by_is_refused(session: Session, plant: Plant, nc: str) -> None:
    reviewed(session, plant, nc)
    error = refused(session, plant, nc, "use_as_is", reason="within customer tolerance")
    assert error.detail == "use_as_is from 'under_review' needs approved_by."
    assert (error.context["rule"], error.context["missing"]) == ("missing_field", ["approved_by"])
    assert unit(session, "RESIN-01/R1").status is UnitStatus.ON_HOLD


def test_a_disposition_from_the_wrong_state_is_refused(session: Session, plant: Plant, nc: str) -> None:
    error = refused(session, plant, nc, "scrap")
    assert error.detail == "From 'open' you can: start_review, cancel; 'scrap' is not one of them."
    assert unit(session, "RESIN-01/R1").status is UnitStatus.ON_HOLD and stock(session, "RESIN-01/R1")


def test_nothing_follows_a_closed_nonconformance(session: Session, plant: Plant, nc: str) -> None:
    reviewed(session, plant, nc)
    advance(session, plant, nc, "rework")
    advance(session, plant, nc, "close")
    error = refused(session, plant, nc, "start_review")
    assert error.detail == "Nonconformance is closed; no further transitions."
    assert error.context["rule"] == "already_final"


def test_a_cancel_without_a_reason_is_refused(session: Session, plant: Plant, nc: str) -> None:
    assert refused(session, plant, nc, "cancel").context["missing"] == ["reason"]


def test_another_sites_qa_manager_does_not_see_the_nonconformance(session: Session, plant: Plant, nc: str) -> None:
    with pytest.raises(NotFound):
        advance(session, plant, nc, "start_review", username="qa2")


# -- effects --------------------------------------------------------------------------------------------------
def test_rework_creates_a_rework_order_for_what_is_on_hand(session: Session, plant: Plant, nc: str) -> None:
    reviewed(session, plant, nc)
    found = advance(session, plant, nc, "rework", reason="re-dry and re-test")
    order = session.exec(select(WorkOrder)).one()
    assert (order.code, order.kind, order.source, order.qty_planned) == (f"RW-{nc}", WorkOrderKind.REWORK, nc, 100)
    assert order.item_id == plant.items["RESIN-01"].id and found.work_order_id == order.id
    step = session.exec(select(NonconformanceStep).where(NonconformanceStep.transition == "rework")).one()
    assert step.fields == {"reason": "re-dry and re-test", "disposition": "rework", "work_order": f"RW-{nc}"}


def test_scrap_writes_off_the_stock_at_every_location(session: Session, plant: Plant, nc: str) -> None:
    warehouse(session).move(cmd.Move(id=eid(), occurred_at=at(40), unit="RESIN-01/R1", qty=30,
                                     from_location="S1-A-01", to_location="S1-A-02"))
    reviewed(session, plant, nc)
    advance(session, plant, nc, "scrap", reason="cannot be dried")
    assert stock(session, "RESIN-01/R1") == {}
    assert unit(session, "RESIN-01/R1").status is UnitStatus.SCRAPPED
    event = session.exec(select(Event).where(Event.reference == nc)).one()
    assert (event.type, event.disposition, event.attributes["action"]) == (EventType.DISPOSITION, "destroyed", "scrap")
    lines = session.exec(select(EventLine).where(EventLine.event_id == event.id)).all()
    assert sorted(line.qty for line in lines) == [30, 70] and all(line.to_location_id is None for line in lines)
    assert stock_drift(session) == []


def test_return_to_supplier_ships_the_stock_back(session: Session, plant: Plant, nc: str) -> None:
    reviewed(session, plant, nc)
    advance(session, plant, nc, "return_to_supplier", reason="MFI out of spec, supplier to replace")
    event = session.exec(select(Event).where(Event.type == EventType.RETURN)).one()
    assert event.supplier_id == plant.suppliers["SUP-A"].id and event.reference == nc
    assert (event.business_step, event.disposition) == ("shipping", "returned")
    [line] = session.exec(select(EventLine).where(EventLine.event_id == event.id)).all()
    assert (line.qty, line.from_location_id) == (100, plant.locations["S1-A-01"].id)
    assert stock(session, "RESIN-01/R1") == {}
    assert unit(session, "RESIN-01/R1").status is UnitStatus.SHIPPED
    assert stock_drift(session) == []


def test_use_as_is_releases_the_unit_and_records_who_approved(session: Session, plant: Plant, nc: str) -> None:
    reviewed(session, plant, nc)
    advance(session, plant, nc, "use_as_is", approved_by="Wang Fang (QA)")
    release = session.exec(select(Event).where(Event.type == EventType.DISPOSITION)
                           .where(Event.disposition == "available")).one()
    assert release.attributes["reason"] == f"{nc}: use as is, approved by Wang Fang (QA)"
    step = session.exec(select(NonconformanceStep).where(NonconformanceStep.transition == "use_as_is")).one()
    assert step.fields["approved_by"] == "Wang Fang (QA)" and step.fields["event"] == release.id
    assert stock(session, "RESIN-01/R1") == {"S1-A-01": 100}


def test_nonconformance_codes_count_up_within_the_month(session: Session, plant: Plant, nc: str) -> None:
    from tests.backend.story import receive

    receive(session, "RESIN-01", "R2", 100)
    inspections(session, plant).record(inspect("RESIN-01/R2", [LOW_MFI] * RESIN_SAMPLE))
    codes = session.exec(select(Nonconformance.code).order_by(Nonconformance.code)).all()
    assert codes == ["NC-202611-0001", "NC-202611-0002"]

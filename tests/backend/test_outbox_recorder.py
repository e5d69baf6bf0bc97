"""The outbox recorder: every fact worth telling gets its message in the same transaction, and only then."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlmodel import Session, col, select

from backend.db import Batch
from backend.outbox import recorder
from backend.outbox.models import OutboxMessage
from backend.quality.models import Nonconformance
from backend.recall.models import RecallCase
from backend.warehouse.errors import InsufficientStock
from backend.warnings.models import QualityWarning, WarningRule
from shared_models import commands as cmd
from shared_models.enums import RecallState
from shared_models.trace import Unit
from shared_models.types import utcnow
from tests.backend.story import receive, tell_story, warehouse
from tests.factories import Plant, at, eid

recorder.install()  # as the app does when it is built


def messages(session: Session) -> list[OutboxMessage]:
    return list(session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))))


def test_received_produced_and_shipped_events_each_get_one_message_in_order(session: Session, plant: Plant) -> None:
    tell_story(session)
    found = messages(session)
    assert Counter(m.topic for m in found) == {"received": 2, "produced": 9, "shipped": 2}
    assert [m.topic for m in found][:2] == ["received", "received"] and found[-1].topic == "shipped"
    assert len({m.key for m in found}) == len(found)
    resin = found[0].payload
    assert (resin["type"], resin["supplier"], resin["location"], resin["site"]) == ("receive", "SUP-A", "S1-A-01", "S1")
    assert [(ln["unit"], ln["item"], ln["lot_no"], ln["qty"], ln["uom"]) for ln in resin["lines"]] == [
        ("RESIN-01/R1", "RESIN-01", "R1", 100.0, "kg")]
    assert resin["occurred_at"] == "2026-11-02T08:00:00Z"
    shipped = found[-1]
    assert (shipped.subject_code, shipped.payload["customer"]) == ("DN-2", "CUST-1")
    assert [(ln["unit"], ln["qty"]) for ln in shipped.payload["lines"]] == [("MTR-01/M3", 1.0)]
    made = next(m for m in found if m.topic == "produced" and m.payload["work_order"] == "WO-C")
    assert {(ln["role"], ln["unit"], ln["qty"]) for ln in made.payload["lines"]} == {
        ("input", "RESIN-01/R1", 2.0), ("output", "CASE-01/C1", 10.0)}


def test_a_refused_command_leaves_no_message(session: Session, plant: Plant) -> None:
    receive(session, "PCB-01", "P1", 10)
    before = len(messages(session))
    with pytest.raises(InsufficientStock):
        warehouse(session).ship(cmd.Ship(id=eid(), occurred_at=at(2), customer="CUST-1", reference="DN-9",
                                         lines=[cmd.ShipLine(unit="PCB-01/P1", qty=11, from_location="S1-A-01")]))
    assert len(messages(session)) == before == 1


def test_a_rolled_back_transaction_takes_its_messages_with_it(engine, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    with Batch(engine) as batch:
        assert batch.session is not None
        receive(batch.session, "PCB-01", "P1", 10)  # the command's commit is a savepoint of the batch
        receive(batch.session, "PCB-01", "P2", 10, minute=1)
        assert len(messages(batch.session)) == 2  # written with the events, inside the transaction
    # left without commit(): rolled back
    with Session(engine) as fresh:
        assert messages(fresh) == []
        assert fresh.exec(select(Unit)).all() == []
    with Batch(engine) as batch:
        assert batch.session is not None
        receive(batch.session, "PCB-01", "P3", 10)
        batch.commit()
    with Session(engine) as fresh:
        assert [m.payload["lines"][0]["unit"] for m in messages(fresh)] == ["PCB-01/P3"]


def test_nonconformances_recalls_and_warnings_are_told_when_opened_and_closed(session: Session, plant: Plant) -> None:
    receive(session, "PCB-01", "P1", 10)
    lot = session.exec(select(Unit).where(Unit.code == "PCB-01/P1")).one()
    nc = Nonconformance(code="NC-0001", unit_id=lot.id, site_id=lot.site_id, state="open", description="burr")
    case = RecallCase(code="RC-0001", title="PCB solder", reason="cold joints", seeds=[lot.code])
    rule = WarningRule(code="W-1", kind="fail_rate")
    for row in (nc, case, rule):  # one commit each: within one flush the order of rows is the ORM's
        session.add(row)
        session.commit()
    session.add(QualityWarning(rule_id=rule.id, dedupe_key="W-1:PCB-01", severity="major", message="too many fails"))
    nc.description = "burr on the edge"  # an edit that closes nothing tells nothing
    session.add(nc)
    session.commit()
    nc.state, nc.disposition, nc.closed_at = "closed", "scrap", utcnow()
    session.add(nc)
    session.commit()
    case.state, case.closed_at = RecallState.CLOSED, utcnow()
    session.add(case)
    session.commit()
    told = [(m.topic, m.subject_code) for m in messages(session)]
    assert told == [("received", ""), ("nonconformance.opened", "NC-0001"), ("recall.opened", "RC-0001"),
                    ("warning.raised", "W-1:PCB-01"), ("nonconformance.closed", "NC-0001"),
                    ("recall.closed", "RC-0001")]
    closed = messages(session)[-2].payload
    assert (closed["state"], closed["disposition"], closed["unit_id"]) == ("closed", "scrap", lot.id)
    assert closed["closed_at"] is not None

"""Work orders: consume lots, make lots or serials, record genealogy; refuse what would corrupt it."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from backend.errors import Conflict, InvalidInput, NotFound
from backend.trace.models import GenealogyEdge
from backend.warehouse.errors import GateViolated, GenealogyCycle, InsufficientStock, UnitExists, WrongTracking
from shared_models import commands as cmd
from shared_models.enums import UnitStatus
from shared_models.trace import Unit
from tests.backend.story import produce, production, receive, release
from tests.factories import Plant, at, eid


@pytest.fixture
def orders(session: Session, plant: Plant) -> None:
    receive(session, "RESIN-01", "R1", 100)
    release(session, "RESIN-01/R1")
    receive(session, "PCB-01", "P1", 10, supplier="SUP-B")
    for wo, item in (("WO-C", "CASE-01"), ("WO-B", "BRD-01"), ("WO-M", "MTR-01")):
        production(session).create_work_order(cmd.WorkOrderCreate(code=wo, site="S1", item=item, qty_planned=10))


def unit(session: Session, code: str) -> Unit:
    return session.exec(select(Unit).where(Unit.code == code)).one()


def edges(session: Session) -> set[tuple[str, str, float]]:
    codes = {u.id: u.code for u in session.exec(select(Unit)).all()}
    return {(codes[e.parent_id], codes[e.child_id], e.qty) for e in session.exec(select(GenealogyEdge)).all()}


def test_report_consumes_inputs_makes_outputs_and_links_them(session: Session, orders: None) -> None:
    produce(session, "WO-C", [("RESIN-01/R1", 4)], [cmd.ProductionOutput(lot_no="C1", qty=6),
                                                   cmd.ProductionOutput(lot_no="C2", qty=2)], minute=5)
    # Input quantity is shared over the outputs in proportion to what each got.
    assert edges(session) == {("RESIN-01/R1", "CASE-01/C1", 3.0), ("RESIN-01/R1", "CASE-01/C2", 1.0)}
    assert unit(session, "CASE-01/C1").work_order_id is not None


def test_consuming_the_last_of_a_lot_marks_it_consumed(session: Session, orders: None) -> None:
    produce(session, "WO-B", [("PCB-01/P1", 10)], [cmd.ProductionOutput(serial=f"B{n}") for n in range(10)],
            minute=5)
    assert unit(session, "PCB-01/P1").status is UnitStatus.CONSUMED


def test_consuming_more_than_on_hand_is_refused_and_nothing_is_written(session: Session, orders: None) -> None:
    with pytest.raises(InsufficientStock, match="PCB-01/P1 has 10 on hand at S1-A-01; 11 requested"):
        produce(session, "WO-B", [("PCB-01/P1", 11)], [cmd.ProductionOutput(serial="B1")], minute=5)
    assert session.exec(select(Unit).where(Unit.code == "BRD-01/B1")).first() is None
    assert edges(session) == set()


def test_a_component_outside_the_bom_is_refused(session: Session, orders: None) -> None:
    with pytest.raises(InvalidInput, match="RESIN-01/R1 is not a component in the BOM of work order WO-B"):
        produce(session, "WO-B", [("RESIN-01/R1", 1)], [cmd.ProductionOutput(serial="B1")], minute=5)


def test_a_quarantined_input_cannot_be_consumed(session: Session, plant: Plant, orders: None) -> None:
    receive(session, "RESIN-01", "R2", 10)
    with pytest.raises(GateViolated, match="Cannot consume: RESIN-01/R2 is in quarantine"):
        produce(session, "WO-C", [("RESIN-01/R2", 1)], [cmd.ProductionOutput(lot_no="C1", qty=1)], minute=5)


def test_a_serial_made_twice_is_refused(session: Session, orders: None) -> None:
    produce(session, "WO-B", [("PCB-01/P1", 1)], [cmd.ProductionOutput(serial="B1")], minute=5)
    with pytest.raises(UnitExists, match="BRD-01/B1"):
        produce(session, "WO-B", [("PCB-01/P1", 1)], [cmd.ProductionOutput(serial="B1")], minute=6)


def test_a_lot_output_for_a_serial_item_is_refused(session: Session, orders: None) -> None:
    with pytest.raises(WrongTracking, match="serial-tracked"):
        produce(session, "WO-B", [("PCB-01/P1", 1)], [cmd.ProductionOutput(lot_no="B1")], minute=5)


def test_a_lot_can_grow_over_several_reports_of_its_work_order(session: Session, orders: None) -> None:
    produce(session, "WO-C", [("RESIN-01/R1", 1)], [cmd.ProductionOutput(lot_no="C1", qty=5)], minute=5)
    produce(session, "WO-C", [("RESIN-01/R1", 1)], [cmd.ProductionOutput(lot_no="C1", qty=5)], minute=6)
    assert edges(session) == {("RESIN-01/R1", "CASE-01/C1", 1.0)}  # each report links R1 to C1 with 1
    from backend.warehouse.ledger import Ledger

    assert Ledger(session).total_on_hand(unit(session, "CASE-01/C1").id) == 10


def test_a_lot_fed_into_more_of_itself_is_refused(session: Session, plant: Plant) -> None:
    receive(session, "PCB-01", "X", 10)
    production(session).create_work_order(cmd.WorkOrderCreate(code="WO-R", site="S1", item="PCB-01",
                                                               qty_planned=10))  # PCB-01 has no BOM
    produce(session, "WO-R", [("PCB-01/X", 2)], [cmd.ProductionOutput(lot_no="Y", qty=2)], minute=5)
    with pytest.raises(GenealogyCycle, match="PCB-01/Y is already an ancestor of PCB-01/Y"):
        produce(session, "WO-R", [("PCB-01/Y", 1)], [cmd.ProductionOutput(lot_no="Y", qty=1)], minute=6,
                from_location="S1-A-02")


def test_feeding_a_descendant_back_into_its_ancestor_lot_is_refused(session: Session, plant: Plant) -> None:
    receive(session, "PCB-01", "X", 10)
    production(session).create_work_order(cmd.WorkOrderCreate(code="WO-R", site="S1", item="PCB-01",
                                                               qty_planned=10))
    produce(session, "WO-R", [("PCB-01/X", 2)], [cmd.ProductionOutput(lot_no="Y", qty=2)], minute=5)
    produce(session, "WO-R", [("PCB-01/Y", 1)], [cmd.ProductionOutput(lot_no="Z", qty=1)], minute=6,
            from_location="S1-A-02")
    # Z descends from Y; adding Z into more of lot Y would make Y its own ancestor.
    with pytest.raises(GenealogyCycle, match="PCB-01/Y is already an ancestor of PCB-01/Z"):
        produce(session, "WO-R", [("PCB-01/Z", 1)], [cmd.ProductionOutput(lot_no="Y", qty=1)], minute=7,
                from_location="S1-A-02")
    assert ("PCB-01/Z", "PCB-01/Y") not in {e[:2] for e in edges(session)}


def test_unknown_work_order_is_named(session: Session, orders: None) -> None:
    with pytest.raises(NotFound, match="work order 'WO-NONE'"):
        produce(session, "WO-NONE", [("PCB-01/P1", 1)], [cmd.ProductionOutput(serial="B1")], minute=5)


def test_duplicate_work_order_code_is_refused(session: Session, orders: None) -> None:
    with pytest.raises(Conflict, match="WO-B exists"):
        production(session).create_work_order(cmd.WorkOrderCreate(code="WO-B", site="S1", item="BRD-01",
                                                                  qty_planned=1))


def test_outputs_need_exactly_one_identity() -> None:
    with pytest.raises(ValueError, match="exactly one of lot_no or serial"):
        cmd.ProductionOutput(lot_no="A", serial="B")
    with pytest.raises(ValueError, match="serial S is one unit"):
        cmd.ProductionOutput(serial="S", qty=2)


def test_replayed_report_stores_once(session: Session, orders: None) -> None:
    c = cmd.ReportProduction(id=eid(), occurred_at=at(5), work_order="WO-B", location="S1-A-02",
                             inputs=[cmd.ProductionInput(unit="PCB-01/P1", qty=1, from_location="S1-A-01")],
                             outputs=[cmd.ProductionOutput(serial="B1")])
    production(session).report(c)
    production(session).report(c)
    assert edges(session) == {("PCB-01/P1", "BRD-01/B1", 1.0)}

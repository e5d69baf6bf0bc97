"""Recall scope counts: distinct units, totals per unit of measure, finished means produced, cases agree."""

from __future__ import annotations

from sqlmodel import Session

from backend.auth.principal import SYSTEM
from backend.recall.case_service import RecallService
from backend.recall.scope_service import recall_scope
from shared_models import commands as cmd
from tests.backend.story import produce, production, receive, release, tell_story, warehouse
from tests.factories import Plant, at, eid

RESIN = "RESIN-01/R1"


def resin_in_kg(session: Session, plant: Plant) -> None:
    plant.items["RESIN-01"].uom = "kg"
    session.add(plant.items["RESIN-01"])
    session.commit()


def resin_at_two_places(session: Session, plant: Plant) -> None:
    """100 kg of resin lot R1: 60 at S1-A-01, 40 moved to S1-A-02."""
    resin_in_kg(session, plant)
    receive(session, "RESIN-01", "R1", 100)
    release(session, RESIN)
    warehouse(session).move(cmd.Move(id=eid(), occurred_at=at(5), unit=RESIN, qty=40, from_location="S1-A-01",
                                     to_location="S1-A-02"))


def test_a_raw_lot_in_stock_at_two_locations_counts_once(session: Session, plant: Plant) -> None:
    resin_at_two_places(session, plant)
    scope = recall_scope(session, SYSTEM, [RESIN], max_depth=12)
    assert [(s.location, s.units, s.qty) for s in scope.in_stock] == [("S1-A-01", 1, 60.0), ("S1-A-02", 1, 40.0)]
    assert scope.totals.in_stock_units == 1


def test_kg_and_pcs_in_stock_are_totalled_separately(session: Session, plant: Plant) -> None:
    resin_in_kg(session, plant)
    tell_story(session)
    scope = recall_scope(session, SYSTEM, [RESIN], max_depth=12)
    # Resin left: 98 kg at S1-A-01; case lot C1 (6 pcs) and meter M4 (1 pcs) at S1-A-02.
    assert [(s.location, s.uom, s.units, s.qty) for s in scope.in_stock] == [("S1-A-01", "kg", 1, 98.0),
                                                                            ("S1-A-02", "pcs", 2, 7.0)]
    assert [(q.uom, q.units, q.qty) for q in scope.totals.in_stock_by_uom] == [("kg", 1, 98.0), ("pcs", 2, 7.0)]
    assert scope.totals.in_stock_units == 3


def test_a_lot_shipped_to_two_customers_counts_once_in_its_own_uom(session: Session, plant: Plant) -> None:
    resin_in_kg(session, plant)
    receive(session, "RESIN-01", "R1", 100)
    release(session, RESIN)
    for minute, customer, qty in ((10, "DIST-1", 30), (20, "CUST-1", 20)):
        warehouse(session).ship(cmd.Ship(id=eid(), occurred_at=at(minute), customer=customer, reference=f"DN-{minute}",
                                         lines=[cmd.ShipLine(unit=RESIN, qty=qty, from_location="S1-A-01")]))
    scope = recall_scope(session, SYSTEM, [RESIN], max_depth=12)
    assert {(c.code, c.units) for c in scope.shipped} == {("DIST-1", 1), ("CUST-1", 1)}
    assert scope.totals.shipped_units == 1
    assert [(q.uom, q.units, q.qty) for q in scope.totals.shipped_by_uom] == [("kg", 1, 50.0)]


def test_a_raw_lot_nothing_was_made_from_is_not_a_finished_unit(session: Session, plant: Plant) -> None:
    receive(session, "RESIN-01", "R1", 100)
    scope = recall_scope(session, SYSTEM, [RESIN], max_depth=12)
    assert (scope.finished_units, scope.finished_by_item, scope.totals.finished_units) == ([], [], 0)
    assert scope.totals.in_stock_units == 1  # it is stock to block instead


def test_a_produced_lot_nothing_was_made_from_is_a_finished_unit(session: Session, plant: Plant) -> None:
    receive(session, "RESIN-01", "R1", 100)
    release(session, RESIN)
    production(session).create_work_order(cmd.WorkOrderCreate(code="WO-C", site="S1", item="CASE-01", qty_planned=10))
    produce(session, "WO-C", [(RESIN, 2)], [cmd.ProductionOutput(lot_no="C1", qty=10)], minute=10)
    scope = recall_scope(session, SYSTEM, [RESIN], max_depth=12)
    assert scope.finished_units == ["CASE-01/C1"]
    assert [(i.part_no, i.units) for i in scope.finished_by_item] == [("CASE-01", 1)]


def test_a_recall_case_blocks_as_many_units_as_its_scope_has_in_stock(session: Session, plant: Plant) -> None:
    resin_at_two_places(session, plant)
    scope = recall_scope(session, SYSTEM, [RESIN], max_depth=12)
    recalls = RecallService(session, SYSTEM)
    case = recalls.open_case("Resin R1", "Splay marks on moulded cases", codes=[RESIN])
    blocked = recalls.progress(case.code).blocked
    assert case.totals["in_stock_units"] == scope.totals.in_stock_units == blocked.units == 1
    assert blocked.qty == 100.0
    assert recalls.block(case.code).recalled == [RESIN]

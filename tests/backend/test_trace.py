"""Trace and recall scope: the genealogy walk, shipments reached, and the walk's guards."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from backend.auth.principal import SYSTEM
from backend.errors import InvalidInput, NotFound
from backend.recall.scope_service import recall_scope
from backend.trace.service import trace
from backend.trace.walk import reaches
from shared_models.enums import Direction
from shared_models.trace import Unit
from tests.backend.story import Story, tell_story
from tests.factories import Plant


@pytest.fixture
def story(session: Session, plant: Plant) -> Story:
    return tell_story(session)


def codes(graph) -> set[str]:  # type: ignore[no-untyped-def]
    return {n.code for n in graph.nodes}


def test_backward_trace_of_a_meter_reaches_its_raw_lots_with_suppliers(session: Session, story: Story) -> None:
    graph = trace(session, SYSTEM, "MTR-01/M1", Direction.BACKWARD, max_depth=12, max_nodes=1000)
    assert codes(graph) == {"MTR-01/M1", "BRD-01/B1", "CASE-01/C1", "PCB-01/P1", "RESIN-01/R1"}
    resin = next(n for n in graph.nodes if n.code == "RESIN-01/R1")
    assert (resin.supplier, resin.supplier_lot, resin.depth) == ("SUP-A", "NB-1", 2)
    by_id = {n.id: n.code for n in graph.nodes}
    assert {(by_id[e.parent_id], by_id[e.child_id], e.qty) for e in graph.edges} == {
        ("BRD-01/B1", "MTR-01/M1", 1.0), ("CASE-01/C1", "MTR-01/M1", 1.0),
        ("PCB-01/P1", "BRD-01/B1", 1.0), ("RESIN-01/R1", "CASE-01/C1", 2.0)}
    assert all(e.event_type == "produce" for e in graph.edges)
    assert graph.shipments == [] and not graph.truncated


def test_forward_trace_of_resin_reaches_every_meter_and_both_customers(session: Session, story: Story) -> None:
    graph = trace(session, SYSTEM, "RESIN-01/R1", Direction.FORWARD, max_depth=12, max_nodes=1000)
    assert set(story.meters) <= codes(graph)
    assert story.carton in codes(graph)  # packing is part of where it went
    assert [(s.customer_code, s.reference, s.units) for s in graph.shipments] == [("DIST-1", "DN-1", 2),
                                                                                 ("CUST-1", "DN-2", 1)]
    assert {c.code: c.units for c in graph.customers} == {"DIST-1": 2, "CUST-1": 1}


def test_trace_accepts_gs1_element_strings_and_digital_links(session: Session, story: Story) -> None:
    for scanned in ("(01)06901234000016(21)M2", "]d2010690123400001621M2",
                    "https://id.example.com/01/06901234000016/21/M2"):
        graph = trace(session, SYSTEM, scanned, Direction.BACKWARD, max_depth=12, max_nodes=1000)
        assert graph.root.code == "MTR-01/M2"


def test_trace_of_a_carton_backward_shows_its_contents(session: Session, story: Story) -> None:
    graph = trace(session, SYSTEM, story.carton, Direction.BACKWARD, max_depth=1, max_nodes=1000)
    assert codes(graph) == {story.carton, "MTR-01/M1", "MTR-01/M2"}


def test_depth_limit_stops_the_walk(session: Session, story: Story) -> None:
    graph = trace(session, SYSTEM, "MTR-01/M1", Direction.BACKWARD, max_depth=1, max_nodes=1000)
    assert codes(graph) == {"MTR-01/M1", "BRD-01/B1", "CASE-01/C1"}


def test_node_limit_truncates_and_says_so(session: Session, story: Story) -> None:
    graph = trace(session, SYSTEM, "RESIN-01/R1", Direction.FORWARD, max_depth=12, max_nodes=3)
    assert graph.truncated and len(graph.nodes) == 3 and graph.total_nodes > 3
    kept = {n.id for n in graph.nodes}
    assert all(e.parent_id in kept and e.child_id in kept for e in graph.edges)


def test_walk_ends_on_a_cycle_that_bad_data_slipped_in(session: Session, story: Story) -> None:
    meter = session.exec(select(Unit).where(Unit.code == "MTR-01/M1")).one()
    resin = session.exec(select(Unit).where(Unit.code == "RESIN-01/R1")).one()
    event_id = session.execute(text("SELECT event_id FROM genealogy_edge LIMIT 1")).scalar_one()
    # Bypass the service on purpose: the meter made into resin closes a loop.
    session.execute(text("INSERT INTO genealogy_edge (id, parent_id, child_id, kind, qty, event_id) "
                         "VALUES ('cycle-edge', :p, :c, 'transform', 1, :e)"),
                    {"p": meter.id, "c": resin.id, "e": event_id})
    session.commit()
    graph = trace(session, SYSTEM, "MTR-01/M1", Direction.BACKWARD, max_depth=50, max_nodes=1000)
    assert "MTR-01/M1" in codes(graph) and len(graph.nodes) == 5
    assert reaches(session, meter.id, meter.id)


def test_trace_of_an_item_code_is_refused_with_what_it_is(session: Session, story: Story) -> None:
    with pytest.raises(InvalidInput, match="is an item, not a lot"):
        trace(session, SYSTEM, "MTR-01", Direction.BACKWARD, max_depth=12, max_nodes=100)


def test_trace_of_unknown_code_names_it(session: Session, story: Story) -> None:
    with pytest.raises(NotFound, match="NO-SUCH-CODE"):
        trace(session, SYSTEM, "NO-SUCH-CODE", Direction.BACKWARD, max_depth=12, max_nodes=100)


def test_recall_scope_of_resin_lists_finished_stock_and_customers(session: Session, story: Story) -> None:
    scope = recall_scope(session, SYSTEM, ["RESIN-01/R1"], max_depth=12)
    assert scope.finished_units == sorted(story.meters)
    assert [(i.part_no, i.units) for i in scope.finished_by_item] == [("MTR-01", 4)]
    stock = {(s.location, s.units, s.qty) for s in scope.in_stock}
    # Resin left: 98 at S1-A-01; cases left: 6 at S1-A-02 plus the meter M4 at S1-A-02.
    assert stock == {("S1-A-01", 1, 98.0), ("S1-A-02", 2, 7.0)}
    assert {(c.code, c.units) for c in scope.shipped} == {("DIST-1", 2), ("CUST-1", 1)}
    assert scope.totals.finished_units == 4 and scope.totals.customers == 2 and scope.totals.shipped_units == 3


def test_recall_scope_of_one_board_is_one_meter(session: Session, story: Story) -> None:
    scope = recall_scope(session, SYSTEM, ["BRD-01/B3"], max_depth=12)
    assert scope.finished_units == ["MTR-01/M3"]
    assert [(c.code, c.units) for c in scope.shipped] == [("CUST-1", 1)]
    assert scope.in_stock == []


def test_recall_scope_refuses_a_location_code(session: Session, story: Story) -> None:
    with pytest.raises(InvalidInput, match="S1-A-01"):
        recall_scope(session, SYSTEM, ["S1-A-01"], max_depth=12)

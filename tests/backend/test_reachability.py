"""The reachability stays what the edges say under every event that changes genealogy or shipments, and the recall
scope and the trace read from it answer what the recursive walk answers (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from backend.auth.principal import SYSTEM
from backend.errors import InvalidInput
from backend.migrate import alembic_config, upgrade
from backend.recall.case_service import RecallService
from backend.recall.scope_service import recall_scope
from backend.trace.reach_build import reach_drift, rebuild
from backend.trace.service import trace
from backend.warehouse.status_service import StatusService
from shared_models import commands as cmd
from shared_models.enums import Direction, StatusAction
from shared_models.trace import Unit
from tests.backend.reach_checks import assert_no_drift, assert_scope_as_walked, assert_trace_as_walked
from tests.backend.story import Story, produce, receive, release, tell_story, warehouse
from tests.factories import Plant, at, eid

EVERY_CODE = ["RESIN-01/R1", "PCB-01/P1", "CASE-01/C1", "BRD-01/B1", "BRD-01/B3", "MTR-01/M1", "MTR-01/M3",
              "MTR-01/M4"]


@pytest.fixture
def story(session: Session, plant: Plant) -> Story:
    return tell_story(session)


def pairs(session: Session) -> dict[tuple[str, str], int]:
    """(ancestor code, descendant code) → depth, as stored."""
    return {(a, d): n for a, d, n in session.execute(text(
        "SELECT ua.code, ud.code, r.depth FROM reach r JOIN reach_node na ON na.node = r.ancestor "
        "JOIN unit ua ON ua.id = na.unit_id JOIN reach_node nd ON nd.node = r.descendant "
        "JOIN unit ud ON ud.id = nd.unit_id"))}


def snapshot(session: Session) -> dict[str, object]:
    """The reachability by unit code, whatever the node numbers."""
    code = "(SELECT u.code FROM reach_node n JOIN unit u ON u.id = n.unit_id WHERE n.node = t.{})"
    return {
        "pairs": pairs(session),
        "nodes": sorted(session.execute(text(
            "SELECT u.code, n.finished, n.descendants FROM reach_node n JOIN unit u ON u.id = n.unit_id")).all()),
        "items": sorted(session.execute(text(
            f"SELECT {code.format('ancestor')}, item_id, finished FROM reach_item t WHERE finished <> 0")).all()),
        "shipments": sorted((*r[:-1], round(r[-1], 6)) for r in session.execute(text(
            f"SELECT {code.format('ancestor')}, event_id, uom, units, first_to_customer, first_shipment, qty "
            "FROM reach_shipment t"))),
        "lines": sorted((*r[:-1], round(r[-1], 6)) for r in session.execute(text(
            f"SELECT {code.format('node')}, event_id, customer_id, first_to_customer, first_shipment, qty "
            "FROM shipped_line t"))),
    }


def assert_as_walked(session: Session) -> None:
    assert_no_drift(session)
    for code in EVERY_CODE:
        assert_scope_as_walked(session, [code])
    assert_scope_as_walked(session, ["RESIN-01/R1", "PCB-01/P1"])
    assert_scope_as_walked(session, ["RESIN-01/R1"], max_depth=1)
    for direction in Direction:
        assert_trace_as_walked(session, "RESIN-01/R1", direction)
        assert_trace_as_walked(session, "MTR-01/M1", direction)


# -- produce, consume, pack, ship -------------------------------------------------------------------------------
def test_produce_pack_and_ship_leave_every_pair_the_edges_connect(session: Session, story: Story) -> None:
    held = pairs(session)
    assert held[("RESIN-01/R1", "CASE-01/C1")] == 1
    assert all(held[("RESIN-01/R1", m)] == 2 for m in story.meters)
    assert held[("RESIN-01/R1", story.carton)] == 3 and held[("BRD-01/B1", story.carton)] == 2
    assert ("MTR-01/M1", "RESIN-01/R1") not in held  # only downstream
    assert_as_walked(session)


def test_a_unit_consumed_stops_counting_as_finished_for_everything_upstream(session: Session, story: Story) -> None:
    produce(session, "WO-B", [("PCB-01/P1", 1)], [cmd.ProductionOutput(serial="B5")], minute=60)
    scope = recall_scope(session, SYSTEM, ["PCB-01/P1"], max_depth=12)
    assert [(i.part_no, i.units) for i in scope.finished_by_item] == [("MTR-01", 4), ("BRD-01", 1)]
    produce(session, "WO-M", [("BRD-01/B5", 1), ("CASE-01/C1", 1)], [cmd.ProductionOutput(serial="M5")], minute=61,
            from_location="S1-A-02")
    scope = recall_scope(session, SYSTEM, ["PCB-01/P1"], max_depth=12)
    assert [(i.part_no, i.units) for i in scope.finished_by_item] == [("MTR-01", 5)]
    assert_as_walked(session)


def test_a_second_report_into_a_lot_already_used_reaches_all_it_went_into(session: Session, story: Story) -> None:
    receive(session, "RESIN-01", "R2", 50, supplier_lot="NB-2", minute=60)
    release(session, "RESIN-01/R2")
    produce(session, "WO-C", [("RESIN-01/R2", 2)], [cmd.ProductionOutput(lot_no="C1", qty=10)], minute=61)
    held = pairs(session)
    assert all(held[("RESIN-01/R2", m)] == 2 for m in story.meters) and held[("RESIN-01/R2", story.carton)] == 3
    scope = recall_scope(session, SYSTEM, ["RESIN-01/R2"], max_depth=12)
    assert scope.totals.finished_units == 4 and {c.code for c in scope.shipped} == {"DIST-1", "CUST-1"}
    assert_scope_as_walked(session, ["RESIN-01/R2"])
    assert_as_walked(session)


def test_a_lot_shipped_in_parts_counts_once_per_customer_and_once_in_all(session: Session, story: Story) -> None:
    wh = warehouse(session)
    for minute, customer in ((60, "CUST-1"), (61, "CUST-1"), (62, "DIST-1")):
        wh.ship(cmd.Ship(id=eid(), occurred_at=at(minute), customer=customer, reference=f"DN-{minute}",
                         lines=[cmd.ShipLine(unit="CASE-01/C1", qty=1, from_location="S1-A-02")]))
    scope = recall_scope(session, SYSTEM, ["RESIN-01/R1"], max_depth=12)
    units = {c.code: (c.units, c.shipments) for c in scope.shipped}
    assert units == {"CUST-1": (2, 3), "DIST-1": (3, 2)}  # the meter and the case lot; the carton's two meters
    assert scope.totals.shipped_units == 4 and [(q.uom, q.units, q.qty) for q in scope.totals.shipped_by_uom] \
        == [("pcs", 4, 6.0)]
    assert_as_walked(session)


def test_cartons_packed_into_each_other_close_a_loop_the_reach_survives(session: Session, story: Story) -> None:
    wh = warehouse(session)
    outer = wh.pack(cmd.Pack(id=eid(), occurred_at=at(60), units=["MTR-01/M4"], location="S1-A-02"))
    box = outer.attributes["sscc"]
    inner = wh.pack(cmd.Pack(id=eid(), occurred_at=at(61), units=[box], location="S1-A-02"))
    wh.pack(cmd.Pack(id=eid(), occurred_at=at(62), container=box, units=[inner.attributes["sscc"]],
                     location="S1-A-02"))
    held = pairs(session)
    assert (box, inner.attributes["sscc"]) in held and (inner.attributes["sscc"], box) in held
    assert (box, box) not in held
    assert_trace_as_walked(session, box, Direction.FORWARD)
    assert_trace_as_walked(session, "MTR-01/M4", Direction.FORWARD)
    assert_scope_as_walked(session, ["MTR-01/M4"])
    assert_as_walked(session)


# -- corrections: unpack, returns, scrap -------------------------------------------------------------------------
def test_unpacking_keeps_the_history_the_walk_keeps(session: Session, story: Story) -> None:
    warehouse(session).pack(cmd.Pack(id=eid(), occurred_at=at(60), units=["MTR-01/M4"], location="S1-A-02"))
    before = snapshot(session)
    carton = session.exec(select(Unit).where(Unit.kind == "container", Unit.code != story.carton)).one().code
    warehouse(session).unpack(cmd.Unpack(id=eid(), occurred_at=at(61), container=carton, location="S1-A-02"))
    assert snapshot(session) == before
    assert_scope_as_walked(session, ["MTR-01/M4"])
    assert_as_walked(session)


def test_a_recall_return_leaves_the_shipments_and_puts_stock_back(session: Session, story: Story) -> None:
    recalls = RecallService(session, SYSTEM)
    case = recalls.open_case("Cracked cases", "resin lot NB-1 brittle", codes=["RESIN-01/R1"])
    recalls.block(case.code)
    recalls.export_csv(case.code)  # customers told: returns may come back
    before = snapshot(session)
    recalls.record_return(case.code, "MTR-01/M3", location="S1-A-01")
    assert snapshot(session) == before
    scope = recall_scope(session, SYSTEM, ["RESIN-01/R1"], max_depth=12)
    assert {(c.code, c.units) for c in scope.shipped} == {("DIST-1", 2), ("CUST-1", 1)}  # gross, as before
    assert {(s.location, s.uom, s.units, s.qty) for s in scope.in_stock if s.location == "S1-A-01"} == {
        ("S1-A-01", "kg", 1, 98.0), ("S1-A-01", "pcs", 1, 1.0)}  # the resin left, and the meter back
    assert_as_walked(session)


@pytest.mark.parametrize("action", [StatusAction.SCRAP, StatusAction.HOLD, StatusAction.BLOCK])
def test_status_changes_and_scrap_change_no_reach(session: Session, story: Story, action: StatusAction) -> None:
    before = snapshot(session)
    StatusService(session, SYSTEM).change(cmd.ChangeStatus(id=eid(), occurred_at=at(60), unit="MTR-01/M4",
                                                           action=action, reason="test"))
    assert snapshot(session) == before
    assert_as_walked(session)


# -- rebuilding and proving ---------------------------------------------------------------------------------------
def test_rebuilding_from_the_edges_gives_what_the_upkeep_kept(session: Session, story: Story) -> None:
    kept = snapshot(session)
    rebuild(session.connection())
    assert snapshot(session) == kept
    assert_as_walked(session)


def test_drift_is_found_row_by_row(session: Session, story: Story) -> None:
    assert not reach_drift(session.connection())
    leaves = session.execute(text("SELECT COUNT(*) FROM reach_node WHERE descendants = 0")).scalar()
    session.execute(text("DELETE FROM reach WHERE depth = 3"))
    session.execute(text("UPDATE reach_item SET finished = finished + 1"))
    session.execute(text("UPDATE reach_shipment SET units = units + 1"))
    session.execute(text("UPDATE shipped_line SET first_shipment = NOT first_shipment"))
    session.execute(text("UPDATE reach_node SET descendants = descendants + 1 WHERE descendants = 0"))
    drift = reach_drift(session.connection())
    assert drift.pairs_missing == 2  # resin and the PCB lot to the carton
    assert drift.nodes_wrong == leaves == 3  # M3, M4 and the carton now claim a descendant
    assert drift.items_wrong and drift.shipments_wrong and drift.lines_wrong
    assert any("missing" in p for p in drift.problems)


def test_migration_0009_fills_the_reach_from_the_edges_stored_before_it(engine: Engine, session: Session,
                                                                        story: Story) -> None:
    kept = snapshot(session)
    session.commit()
    session.close()
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0008")
    upgrade(engine)
    with Session(engine) as fresh:
        assert snapshot(fresh) == kept
        assert_no_drift(fresh)


# -- paged traces -------------------------------------------------------------------------------------------------
def test_a_forward_trace_pages_to_the_end_with_its_totals_up_front(session: Session, story: Story) -> None:
    first = trace(session, SYSTEM, "RESIN-01/R1", Direction.FORWARD, max_depth=12, max_nodes=2)
    assert first.total_nodes == 7 and first.truncated and first.next_cursor
    assert [n.code for n in first.nodes] == ["RESIN-01/R1", "CASE-01/C1"]
    assert {c.code for c in first.customers} == {"DIST-1", "CUST-1"}
    assert_trace_as_walked(session, "RESIN-01/R1", Direction.FORWARD, page=1)
    assert_trace_as_walked(session, "RESIN-01/R1", Direction.FORWARD, page=3, max_depth=2)


def test_a_cursor_from_another_trace_is_refused(session: Session, story: Story) -> None:
    first = trace(session, SYSTEM, "RESIN-01/R1", Direction.FORWARD, max_depth=12, max_nodes=2)
    with pytest.raises(InvalidInput, match="another trace"):
        trace(session, SYSTEM, "PCB-01/P1", Direction.FORWARD, max_depth=12, max_nodes=2, cursor=first.next_cursor)
    for forged in ("%%%", "WzJd"):
        with pytest.raises(InvalidInput, match="not one a trace gave out"):
            trace(session, SYSTEM, "RESIN-01/R1", Direction.FORWARD, max_depth=12, max_nodes=2, cursor=forged)


def test_the_trace_api_pages_with_cursor_and_limit(client, login, story: Story) -> None:  # type: ignore[no-untyped-def]
    params = {"code": "RESIN-01/R1", "direction": "forward"}
    whole = client.get("/api/trace", params=params, headers=login("qa")).json()
    assert whole["total_nodes"] == len(whole["nodes"]) == 7 and whole["next_cursor"] is None
    body = client.get("/api/trace", params={**params, "limit": 3}, headers=login("qa")).json()
    codes = [n["code"] for n in body["nodes"]]
    while body["next_cursor"]:
        body = client.get("/api/trace", params={**params, "limit": 3, "cursor": body["next_cursor"]},
                          headers=login("qa")).json()
        codes += [n["code"] for n in body["nodes"]]
    assert codes == [n["code"] for n in whole["nodes"]]


def test_uploaded_events_keep_the_reach_as_the_services_do(session: Session, story: Story) -> None:
    """The sync upload calls the same services: a produce and a ship arriving as ops keep it too."""
    from backend.sync.dispatch import dispatch
    from sync.protocol import CrudEntry, CrudOp

    ops = [CrudEntry(op_id=1, op=CrudOp.PUT, type="event_command", id=eid(), data={
        "kind": "report", "occurred_at": at(60), "work_order": "WO-B", "location": "S1-A-02",
        "inputs": [{"unit": "PCB-01/P1", "qty": 1, "from_location": "S1-A-01"}], "outputs": [{"serial": "B9"}]}),
           CrudEntry(op_id=2, op=CrudOp.PUT, type="event_command", id=eid(), data={
               "kind": "ship", "occurred_at": at(61), "customer": "DIST-2", "reference": "DN-9",
               "lines": [{"unit": "BRD-01/B9", "from_location": "S1-A-02"}]})]
    for op in ops:
        dispatch(session, SYSTEM, op)
        session.commit()
    held = pairs(session)
    assert held[("PCB-01/P1", "BRD-01/B9")] == 1
    scope = recall_scope(session, SYSTEM, ["PCB-01/P1"], max_depth=12)
    assert "DIST-2" in {c.code for c in scope.shipped}
    assert_as_walked(session)


# -- the command line ---------------------------------------------------------------------------------------------
def test_lotline_check_reports_reach_drift_and_rebuilds_it(engine: Engine, session: Session, story: Story) -> None:
    from typer.testing import CliRunner

    from backend.cli.main import app

    if engine.dialect.name != "sqlite":
        pytest.skip("the command line names a SQLite file here; PostgreSQL is the same code")
    url = ["--database-url", engine.url.render_as_string(hide_password=False)]
    session.execute(text("DELETE FROM reach WHERE depth = 3"))
    session.commit()
    runner = CliRunner()
    found = runner.invoke(app, ["check", *url], env={"COLUMNS": "200"})
    assert found.exit_code == 1 and "reachability drift: 2 pairs missing" in found.output
    fixed = runner.invoke(app, ["check", "--rebuild-reach", *url], env={"COLUMNS": "200"})
    assert fixed.exit_code == 0, fixed.output
    again = runner.invoke(app, ["check", *url], env={"COLUMNS": "200"})
    assert again.exit_code == 0 and "the reachability matches" in again.output


def test_lotline_trace_shows_every_page_or_one_with_its_cursor(engine: Engine, session: Session,
                                                               story: Story) -> None:
    from typer.testing import CliRunner

    from backend.cli.main import app

    if engine.dialect.name != "sqlite":
        pytest.skip("the command line names a SQLite file here; PostgreSQL is the same code")
    session.commit()
    url = ["--database-url", engine.url.render_as_string(hide_password=False)]
    runner = CliRunner()
    whole = runner.invoke(app, ["trace", "RESIN-01/R1", "--direction", "forward", "--json", *url])
    assert whole.exit_code == 0 and len(json.loads(whole.output)["nodes"]) == 7
    page = runner.invoke(app, ["trace", "RESIN-01/R1", "--direction", "forward", "--limit", "2", "--json", *url])
    first = json.loads(page.output)
    assert [n["code"] for n in first["nodes"]] == ["RESIN-01/R1", "CASE-01/C1"] and first["next_cursor"]
    after = runner.invoke(app, ["trace", "RESIN-01/R1", "--direction", "forward", "--limit", "5", "--cursor",
                                first["next_cursor"], *url], env={"COLUMNS": "200"})
    assert after.exit_code == 0 and "MTR-01/M1" in after.output and "RESIN-01/R1" not in after.output.split("\n")[1]

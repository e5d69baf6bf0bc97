"""Every event is linked into its site's hash chain as it is stored, and any later edit or deletion is named."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select
from typer.testing import CliRunner

from backend.auth.principal import SYSTEM
from backend.auth.service import principal_of
from backend.cli.main import app as cli
from backend.db import Batch
from backend.errors import DomainError
from backend.eventlog.canonical import GENESIS
from backend.eventlog.verify import SiteChain, verify_all
from backend.migrate import upgrade
from backend.warehouse.posting import Posting
from backend.warehouse.warehouse_service import WarehouseService
from shared_models import commands as cmd
from shared_models.trace import Event
from sync.server.tables import OpLogEntry
from tests.backend.story import TODAY, receive, tell_story, warehouse
from tests.factories import Plant, at, eid
from tests.migrations import engine_at


def chains(engine: Engine) -> dict[str, SiteChain]:
    with engine.connect() as conn:
        return {c.site_code: c for c in verify_all(conn)}


def rcv(lot: str, qty: float = 5, location: str = "S1-A-01") -> cmd.Receive:
    return cmd.Receive(id=eid(), occurred_at=at(0), supplier="SUP-B", item="PCB-01", lot_no=lot, qty=qty,
                       location=location)


def seqs(session: Session, site_id: str) -> list[int | None]:
    return list(session.exec(select(Event.chain_seq).where(Event.site_id == site_id).order_by(Event.chain_seq)))


def test_events_recorded_through_the_services_form_an_intact_chain_per_site(engine: Engine, session: Session,
                                                                            plant: Plant) -> None:
    tell_story(session)
    receive(session, "PCB-01", "Q1", 3, location="S2-A-01")
    found = chains(engine)
    s1_events = len(seqs(session, plant.sites["S1"].id))
    assert (found["S1"].intact, found["S1"].events, found["S1"].head_seq) == (True, s1_events, s1_events)
    assert (found["S2"].intact, found["S2"].events) == (True, 1)
    assert seqs(session, plant.sites["S1"].id) == list(range(1, s1_events + 1))


def test_the_first_event_of_a_site_links_to_the_genesis_hash(session: Session, plant: Plant) -> None:
    receive(session, "PCB-01", "P1", 10)
    first = session.exec(select(Event)).one()
    assert (first.chain_seq, first.prev_hash, len(first.hash or "")) == (1, GENESIS, 64)


def test_events_posted_in_sets_continue_the_chain_the_services_started(engine: Engine, session: Session,
                                                                       plant: Plant) -> None:
    receive(session, "PCB-01", "P1", 10)
    Posting(session, SYSTEM, today=TODAY).post([rcv("P2"), rcv("P3"), rcv("P4")])
    session.commit()
    receive(session, "PCB-01", "P5", 10)
    assert seqs(session, plant.sites["S1"].id) == [1, 2, 3, 4, 5]
    assert chains(engine)["S1"].intact


def test_a_refused_command_leaves_no_hole_in_the_chain(engine: Engine, session: Session, plant: Plant) -> None:
    receive(session, "PCB-01", "P1", 10)
    with pytest.raises(DomainError):
        warehouse(session).move(cmd.Move(id=eid(), occurred_at=at(1), unit="PCB-01/P1", qty=99,
                                         from_location="S1-A-01", to_location="S1-A-02"))
    receive(session, "PCB-01", "P2", 10)
    assert seqs(session, plant.sites["S1"].id) == [1, 2]
    assert chains(engine)["S1"].intact


def test_commands_in_one_batch_chain_in_order_past_a_refused_one(engine: Engine, plant: Plant) -> None:
    with Batch(engine) as batch:
        assert batch.session is not None
        service = warehouse(batch.session)
        service.receive(rcv("P1"))
        with pytest.raises(DomainError):
            service.receive(rcv("P1"))  # the lot exists: its savepoint rolls back, event and all
        Posting(batch.session, SYSTEM, today=TODAY).post([rcv("P2")])
        batch.session.commit()
        service.receive(rcv("P3"))
        batch.commit()
    assert chains(engine)["S1"].intact and chains(engine)["S1"].events == 3


def test_an_event_row_edited_behind_the_apps_back_is_named(engine: Engine, session: Session, plant: Plant) -> None:
    for lot in ("P1", "P2", "P3"):
        receive(session, "PCB-01", lot, 10)
    second = session.exec(select(Event).where(Event.chain_seq == 2)).one()
    with engine.begin() as conn:
        conn.execute(text("UPDATE event SET note = 'nothing to see' WHERE id = :id"), {"id": second.id})
    broken = chains(engine)["S1"].first_break
    assert broken is not None
    assert (broken.event_id, broken.kind, broken.stored) == (second.id, "hash", second.hash)
    assert broken.expected != second.hash and broken.recorded_at == second.recorded_at


def test_a_line_edited_behind_the_apps_back_is_named(engine: Engine, session: Session, plant: Plant) -> None:
    for lot in ("P1", "P2"):
        receive(session, "PCB-01", lot, 10)
    first = session.exec(select(Event).where(Event.chain_seq == 1)).one()
    with engine.begin() as conn:
        conn.execute(text("UPDATE event_line SET qty = 1000 WHERE event_id = :id"), {"id": first.id})
    broken = chains(engine)["S1"].first_break
    assert broken is not None and (broken.event_id, broken.kind) == (first.id, "hash")


def test_an_event_deleted_from_the_middle_of_the_chain_is_named(engine: Engine, session: Session,
                                                               plant: Plant) -> None:
    for lot in ("P1", "P2", "P3"):
        receive(session, "PCB-01", lot, 10)
    second, third = (session.exec(select(Event).where(Event.chain_seq == n)).one() for n in (2, 3))
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM event_line WHERE event_id = :id"), {"id": second.id})
        conn.execute(text("DELETE FROM event WHERE id = :id"), {"id": second.id})
    broken = chains(engine)["S1"].first_break
    assert broken is not None and (broken.event_id, broken.kind, broken.stored, broken.expected) == \
        (third.id, "gap", "3", "1")


def test_a_second_event_at_the_same_place_in_the_chain_is_refused(engine: Engine, session: Session,
                                                                  plant: Plant) -> None:
    receive(session, "PCB-01", "P1", 10)
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("INSERT INTO event (id, type, business_step, disposition, occurred_at, recorded_at, "
                          "device_id, site_id, reference, note, attributes, chain_seq, prev_hash, hash) "
                          "SELECT 'fork', type, business_step, disposition, occurred_at, recorded_at, device_id, "
                          "site_id, reference, note, attributes, chain_seq, prev_hash, hash FROM event"))


def test_handhelds_do_not_receive_the_chain_columns(session: Session, plant: Plant) -> None:
    picker = principal_of(plant.users["picker"])  # events go to their user's bucket
    WarehouseService(session, picker, today=TODAY).receive(rcv("P1"))
    Posting(session, picker, today=TODAY).post([rcv("P2")])
    session.commit()
    sent = [json.loads(d) for d in session.exec(select(OpLogEntry.data).where(OpLogEntry.object_type == "event"))
            if d is not None]
    assert len(sent) == 2
    assert all(not {"chain_seq", "prev_hash", "hash"} & row.keys() for row in sent)


def test_verify_log_names_the_broken_link_and_exits_1(engine: Engine, session: Session, plant: Plant) -> None:
    receive(session, "PCB-01", "P1", 10)
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name == "postgresql":  # the test schema travels in the URL, as psycopg reads it
        url += f"?options=-csearch_path%3D{session.exec(text('SELECT current_schema()')).one()[0]}"
    runner = CliRunner()
    ok = runner.invoke(cli, ["verify-log", "--site", "S1", "--database-url", url], env={"COLUMNS": "300"})
    assert ok.exit_code == 0 and "chain intact" in ok.output, ok.output
    with engine.begin() as conn:
        conn.execute(text("UPDATE event SET reference = 'X'"))
    event_id = session.exec(select(Event.id)).one()
    broken = runner.invoke(cli, ["verify-log", "--database-url", url], env={"COLUMNS": "300"})
    assert broken.exit_code == 1 and event_id in broken.output and "recomputed" in broken.output, broken.output


# -- migration 0006 links what was stored before it ------------------------------------------------------------
BEFORE_0006 = [
    "INSERT INTO site (id, code, name, version, updated_at) VALUES ('s1', 'S1', 'S1', 1, '2026-11-01')",
    "INSERT INTO item (id, part_no, name, spec, uom, tracking, needs_iqc, version, updated_at) "
    "VALUES ('i1', 'I1', 'I1', '', 'pcs', 'lot', false, 1, '2026-11-01')",
    "INSERT INTO unit (id, code, kind, item_id, site_id, status, uom, created_at, version) "
    "VALUES ('u1', 'I1/L1', 'lot', 'i1', 's1', 'released', 'pcs', '2026-11-01', 1)",
    *(f"INSERT INTO event (id, type, business_step, disposition, occurred_at, recorded_at, device_id, site_id, "
      f"reference, note, attributes) VALUES ('{e}', 'move', 'relocating', '', '2026-11-02', '{t}', '', 's1', '', "
      f"'', '{{}}')" for e, t in (("e-late", "2026-11-03"), ("e-early", "2026-11-02"))),
    "INSERT INTO event_line (id, event_id, unit_id, role, qty) VALUES ('x1', 'e-late', 'u1', 'subject', 1)",
]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def at_0005(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    yield from engine_at("0005", request.param, tmp_path)


def test_migration_0006_links_stored_events_per_site_in_recorded_order(at_0005: Engine) -> None:
    with at_0005.begin() as conn:
        for statement in BEFORE_0006:
            conn.execute(text(statement))
    upgrade(at_0005)
    with at_0005.connect() as conn:
        order = conn.execute(text("SELECT id FROM event ORDER BY chain_seq")).scalars().all()
        (chain,) = verify_all(conn)
    assert order == ["e-early", "e-late"]
    assert (chain.intact, chain.events) == (True, 2)

"""Receives, moves and picks posted as one run decide each command as if it had been sent on its own."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlmodel import Session, select

from backend.auth.principal import SYSTEM
from backend.db import make_engine
from backend.errors import DomainError
from backend.trace.models import EventLine
from backend.warehouse.posting import Posted, Posting
from shared_models import commands as cmd
from shared_models.enums import UnitStatus
from shared_models.masterdata import Location, Site
from shared_models.trace import Event, StockOnHand, Unit
from sync.server.tables import OpLogEntry
from tests.backend.story import TODAY, receive, stock, warehouse
from tests.factories import Plant, at, build_plant, eid


def post(session: Session, *commands: cmd.Receive | cmd.Move, offline: bool = False) -> list[Posted]:
    done = Posting(session, SYSTEM, today=TODAY, record_gate_violations=offline).post(list(commands))
    session.commit()
    return done


def rcv(lot: str, qty: float, item: str = "PCB-01", location: str = "S1-A-01", **extra: Any) -> cmd.Receive:
    return cmd.Receive(id=eid(), occurred_at=at(0), supplier="SUP-B", item=item, lot_no=lot, qty=qty,
                       location=location, **extra)


def mv(unit: str, qty: float | None, src: str = "S1-A-01", dst: str = "S1-A-02") -> cmd.Move:
    return cmd.Move(id=eid(), occurred_at=at(1), unit=unit, qty=qty, from_location=src, to_location=dst)


def pick(unit: str, qty: float | None, src: str = "S1-A-01") -> cmd.Pick:
    return cmd.Pick(id=eid(), occurred_at=at(2), unit=unit, qty=qty, from_location=src, to_location="S1-SHIP",
                    reference="PL-1")


def errors(done: list[Posted]) -> list[str | None]:
    return [d.error.code if d.error else None for d in done]


def test_a_lot_received_and_moved_in_one_run_ends_where_it_was_moved(session: Session, plant: Plant) -> None:
    done = post(session, rcv("P1", 10), mv("PCB-01/P1", 4), pick("PCB-01/P1", None, src="S1-A-02"))
    assert errors(done) == [None, None, None]
    assert stock(session, "PCB-01/P1") == {"S1-A-01": 6.0, "S1-SHIP": 4.0}


def test_a_refused_command_changes_nothing_and_the_next_one_sees_the_stock_as_before(session: Session,
                                                                                     plant: Plant) -> None:
    done = post(session, rcv("P1", 10), pick("PCB-01/P1", 50), pick("PCB-01/P1", 4))
    assert errors(done) == [None, "insufficient_stock", None]
    assert "has 10 on hand at S1-A-01; 50 requested" in done[1].error.detail  # type: ignore[union-attr]
    assert stock(session, "PCB-01/P1") == {"S1-A-01": 6.0, "S1-SHIP": 4.0}
    assert session.exec(select(func.count()).select_from(Event)).one() == 2


def test_a_code_received_twice_in_one_run_is_refused_the_second_time(session: Session, plant: Plant) -> None:
    done = post(session, rcv("P1", 10), rcv("P1", 5))
    assert errors(done) == [None, "unit_exists"]
    assert stock(session, "PCB-01/P1") == {"S1-A-01": 10.0}


def test_the_same_event_twice_in_one_run_is_stored_once_and_another_with_its_id_is_refused(
        session: Session, plant: Plant) -> None:
    first = rcv("P1", 10)
    reused = first.model_copy(update={"lot_no": "P2"})
    done = post(session, first, first, reused)
    assert [(d.event_id, d.replayed) for d in done[:2]] == [(str(first.id), False), (str(first.id), True)]
    assert errors(done) == [None, None, "event_id_reused"]


def test_a_pick_of_a_quarantined_lot_offline_is_recorded_with_its_violation(session: Session, plant: Plant) -> None:
    done = post(session, rcv("R1", 5, item="RESIN-01", supplier_lot="NB-1"), pick("RESIN-01/R1", 2), offline=True)
    assert errors(done) == [None, None]
    assert [v.rule for v in done[1].violations] == ["status_quarantine", "iqc_not_passed"]
    event = session.get(Event, done[1].event_id)
    assert event is not None and event.attributes["gate_violations"][0]["rule"] == "status_quarantine"


def test_online_the_same_pick_is_refused_naming_the_gate(session: Session, plant: Plant) -> None:
    done = post(session, rcv("R1", 5, item="RESIN-01"), pick("RESIN-01/R1", 2))
    assert errors(done) == [None, "gate_violated"]
    assert stock(session, "RESIN-01/R1") == {"S1-A-01": 5.0}


def test_a_container_moved_in_a_run_carries_what_it_holds(session: Session, plant: Plant) -> None:
    receive(session, "PCB-01", "P1", 10)
    receive(session, "PCB-01", "P2", 3)
    carton = warehouse(session).pack(cmd.Pack(id=eid(), occurred_at=at(5), units=["PCB-01/P1", "PCB-01/P2"],
                                              location="S1-A-01")).attributes["sscc"]
    done = post(session, mv(carton, None))
    assert errors(done) == [None]
    assert [stock(session, code) for code in (carton, "PCB-01/P1", "PCB-01/P2")] == [
        {"S1-A-02": 1.0}, {"S1-A-02": 10.0}, {"S1-A-02": 3.0}]


def test_what_a_run_cannot_see_is_refused_as_unknown(session: Session, plant: Plant) -> None:
    receive(session, "PCB-01", "P9", 10, location="S2-A-01")
    from backend.auth.principal import Principal
    from shared_models.enums import Role

    picker = Principal(user_id=plant.users["picker"].id, username="picker", role=Role.PICKER,
                       site_id=plant.sites["S1"].id)
    done = Posting(session, picker, today=TODAY).post([mv("PCB-01/P9", 1, src="S2-A-01", dst="S1-A-01"),
                                                       rcv("P1", 1, location="S2-A-01"), mv("PCB-01/P1", 1)])
    assert errors(done) == ["not_found", "not_found", "not_found"]


# -- one run against one command at a time, on random sequences ------------------------------------------------------
LOTS = ["PCB-01/L1", "PCB-01/L2", "RESIN-01/L1"]
PLACES = ["S1-A-01", "S1-A-02", "S1-SHIP"]


@st.composite
def sequences(draw: st.DrawFn) -> list[cmd.Receive | cmd.Move]:
    made: list[cmd.Receive | cmd.Move] = []
    for n in range(draw(st.integers(1, 14))):
        kind = draw(st.sampled_from(["receive", "move", "pick", "again"] if made else ["receive"]))
        if kind == "again":  # a retry, or an id reused for something else
            earlier = draw(st.sampled_from(made))
            made.append(earlier if draw(st.booleans()) else earlier.model_copy(update={"note": "other"}))
            continue
        code = draw(st.sampled_from(LOTS))
        item, lot = code.split("/")
        qty = draw(st.sampled_from([None, 1.0, 2.5, 7.0, 30.0]))
        if kind == "receive":
            made.append(cmd.Receive(id=eid(), occurred_at=at(n), supplier="SUP-A", item=item, lot_no=lot,
                                    qty=qty or 5.0, location=draw(st.sampled_from(PLACES[:2]))))
            continue
        src, dst = draw(st.permutations(PLACES))[:2]
        dst = draw(st.sampled_from([dst, "S2-A-01"])) if kind == "move" else dst
        model = cmd.Pick if kind == "pick" else cmd.Move
        made.append(model(id=eid(), occurred_at=at(n), unit=code, qty=qty, from_location=src, to_location=dst))
    return made


@pytest.fixture
def two_plants(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A factory of two fresh SQLite databases with the test plant: one example of the property each."""
    made: list[Any] = []

    def fresh() -> tuple[Session, Session]:
        sessions = []
        for _ in range(2):
            path = tmp_path_factory.mktemp("posting") / "lotline.db"
            shutil.copy(sqlite_template, path)
            engine = make_engine(f"sqlite:///{path}")
            session = Session(engine, expire_on_commit=False)
            build_plant(session)
            made.append((engine, session))
            sessions.append(session)
        return sessions[0], sessions[1]

    yield fresh
    for engine, session in made:
        session.close()
        engine.dispose()


def outcome(session: Session, c: cmd.Receive | cmd.Move) -> str:
    service = warehouse(session)
    service.record_gate_violations = True
    method = {cmd.Receive: service.receive, cmd.Move: service.move, cmd.Pick: service.pick}[type(c)]
    try:
        method(c)  # type: ignore[arg-type]
    except DomainError as exc:
        return exc.code
    return "replayed" if service.ledger.replayed else ",".join(v.rule for v in service.violations) or "ok"


def state(session: Session) -> dict[str, Any]:
    places = {loc.id: loc.code for loc in session.exec(select(Location))}
    sites = {site.id: site.code for site in session.exec(select(Site))}
    codes = {u.id: u.code for u in session.exec(select(Unit))}
    synced = {(o.bucket, o.object_type, o.object_id, o.data) for o in session.exec(
        select(OpLogEntry).where(OpLogEntry.object_type == "event"))}
    return {
        "units": sorted((u.code, u.status, u.expires_on) for u in session.exec(select(Unit))),
        "stock": sorted((codes[s.unit_id], places[s.location_id], s.qty) for s in session.exec(select(StockOnHand))),
        "events": sorted((e.id, e.type, sites[e.site_id], str(e.attributes.get("gate_violations")))
                         for e in session.exec(select(Event))),
        "lines": sorted((line.event_id, codes[line.unit_id], line.role, line.qty) for line in
                        session.exec(select(EventLine))),
        "event_ops": len(synced),
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(commands=sequences())
def test_a_run_decides_and_stores_exactly_what_the_commands_one_by_one_would(two_plants: Any,
                                                                           commands: list[Any]) -> None:
    together, one_by_one = two_plants()
    done = Posting(together, SYSTEM, today=TODAY, record_gate_violations=True).post(commands)
    together.commit()
    ran = [d.error.code if d.error else "replayed" if d.replayed else ",".join(v.rule for v in d.violations) or "ok"
           for d in done]
    for r in ran:
        event(r)  # hypothesis --hypothesis-show-statistics lists the outcomes the examples reached
    assert ran == [outcome(one_by_one, c) for c in commands]
    assert state(together) == state(one_by_one)
    assert all(u.status in UnitStatus for u in together.exec(select(Unit)))

"""Benchmark-scale seed: the generated history keeps the invariants the services keep, on both databases."""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from backend.auth.principal import SYSTEM
from backend.db import make_engine
from backend.errors import Conflict
from backend.recall.scope_service import recall_scope
from backend.seed.scale import ScaleStats, generate
from backend.trace.service import trace
from shared_models.enums import Direction
from shared_models.gs1 import is_valid_check_digit
from tests.conftest import DATABASES, database

UNITS = 3000

BOOKED_VS_STOCK_SQL = """
WITH moved AS (
  SELECT unit_id, to_location_id AS location_id, qty FROM event_line WHERE to_location_id IS NOT NULL
  UNION ALL
  SELECT unit_id, from_location_id, -qty FROM event_line WHERE from_location_id IS NOT NULL),
booked AS (SELECT unit_id, location_id, SUM(qty) AS qty FROM moved GROUP BY unit_id, location_id)
SELECT COUNT(*) FROM booked b
FULL OUTER JOIN stock_on_hand s ON s.unit_id = b.unit_id AND s.location_id = b.location_id
WHERE ABS(COALESCE(b.qty, 0) - COALESCE(s.qty, 0)) > 1e-6
"""


def generated(engine: Engine) -> ScaleStats:
    return generate(engine, units=UNITS, seed=7)


@pytest.fixture(params=DATABASES)
def seeded(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Engine, ScaleStats]]:
    """The generated history: made once per test process (a few seconds), copied for each test."""
    with database(request, tmp_path, generated) as made:
        yield made


@pytest.fixture
def engine(seeded: tuple[Engine, ScaleStats]) -> Engine:
    return seeded[0]


@pytest.fixture
def stats(seeded: tuple[Engine, ScaleStats]) -> ScaleStats:
    return seeded[1]


def scalar(engine: Engine, sql: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar_one()


def first_codes(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT code FROM unit ORDER BY created_at, code LIMIT 50")).scalars())


def without_time(stats: ScaleStats) -> ScaleStats:
    return {k: v for k, v in stats.items() if not k.endswith("seconds")}  # timings differ run to run


def test_the_same_seed_generates_the_same_history(engine: Engine, stats: ScaleStats, tmp_path: Path,
                                                  sqlite_template: Path) -> None:
    shutil.copy(sqlite_template, tmp_path / "again.db")
    again = make_engine(f"sqlite:///{tmp_path / 'again.db'}")
    try:
        assert without_time(generate(again, units=UNITS, seed=7)) == without_time(stats)
        assert first_codes(again) == first_codes(engine)
    finally:
        again.dispose()


def test_about_the_requested_number_of_units_is_generated(engine: Engine, stats: ScaleStats) -> None:
    assert stats["unit"] == scalar(engine, "SELECT COUNT(*) FROM unit")
    assert 0.9 * UNITS <= stats["unit"] <= 1.1 * UNITS


def test_stock_on_hand_is_the_sum_of_event_lines(engine: Engine, stats: ScaleStats) -> None:
    assert scalar(engine, "SELECT COUNT(*) FROM stock_on_hand WHERE qty > 0") > 0
    assert scalar(engine, BOOKED_VS_STOCK_SQL) == 0


def test_no_unit_has_negative_stock(engine: Engine, stats: ScaleStats) -> None:
    assert scalar(engine, "SELECT COUNT(*) FROM stock_on_hand WHERE qty < 0") == 0
    assert scalar(engine, "SELECT COUNT(*) FROM (SELECT unit_id FROM stock_on_hand GROUP BY unit_id "
                          "HAVING SUM(qty) < -1e-9) x") == 0


def test_consumed_and_shipped_units_hold_no_stock_and_released_ones_do(engine: Engine, stats: ScaleStats) -> None:
    held = ("SELECT COUNT(*) FROM unit u WHERE u.status {} AND {} EXISTS "
            "(SELECT 1 FROM stock_on_hand s WHERE s.unit_id = u.id AND s.qty > 1e-9)")
    assert scalar(engine, held.format("IN ('consumed', 'shipped')", "")) == 0
    assert scalar(engine, held.format("= 'released'", "NOT")) == 0
    assert scalar(engine, "SELECT COUNT(*) FROM unit WHERE status = 'shipped'") > 0


def test_every_transform_edge_comes_from_a_produce_event_with_its_lines(engine: Engine, stats: ScaleStats) -> None:
    assert scalar(engine, """
        SELECT COUNT(*) FROM genealogy_edge e JOIN event ev ON ev.id = e.event_id
        WHERE e.kind = 'transform' AND (ev.type <> 'produce'
          OR NOT EXISTS (SELECT 1 FROM event_line l WHERE l.event_id = e.event_id AND l.unit_id = e.parent_id
                         AND l.role = 'input')
          OR NOT EXISTS (SELECT 1 FROM event_line l WHERE l.event_id = e.event_id AND l.unit_id = e.child_id
                         AND l.role = 'output'))""") == 0
    assert scalar(engine, "SELECT COUNT(*) FROM genealogy_edge WHERE kind = 'transform'") > 0


def test_containers_carry_a_valid_sscc_and_ten_to_fifty_units(engine: Engine, stats: ScaleStats) -> None:
    with engine.connect() as conn:
        rows = conn.execute(text("""
            SELECT u.sscc, COUNT(c.unit_id), COUNT(e.id) FROM unit u
            JOIN container_content c ON c.container_id = u.id
            LEFT JOIN genealogy_edge e ON e.child_id = u.id AND e.parent_id = c.unit_id AND e.kind = 'aggregate'
            WHERE u.kind = 'container' GROUP BY u.sscc""")).all()
    assert rows
    for sscc, units, edges in rows:
        assert len(sscc) == 18 and is_valid_check_digit(sscc)
        assert 10 <= units <= 50 and edges == units


def test_there_are_at_least_five_events_per_unit(engine: Engine, stats: ScaleStats) -> None:
    events = scalar(engine, "SELECT COUNT(*) FROM event")
    assert events == stats["event"]
    assert events >= 5 * max(UNITS, stats["unit"])  # type: ignore[call-overload]


def test_recall_of_the_wide_raw_lot_reaches_a_tenth_of_the_units_as_finished(engine: Engine,
                                                                             stats: ScaleStats) -> None:
    with Session(engine) as session:
        scope = recall_scope(session, SYSTEM, [str(stats["wide_raw_lot"])], max_depth=12)
    assert scope.totals.finished_units == stats["wide_raw_lot_finished"]
    assert scope.totals.finished_units >= 0.1 * UNITS
    assert scope.totals.customers > 0 and scope.totals.shipped_units > 0


def test_backward_trace_of_a_finished_serial_reaches_a_raw_lot_with_its_supplier(engine: Engine,
                                                                                 stats: ScaleStats) -> None:
    with engine.connect() as conn:
        finished = list(conn.execute(text(
            "SELECT code FROM unit WHERE kind = 'serial' AND code LIKE 'FG-%' ORDER BY code")).scalars())
    code = random.Random(3).choice(finished)
    with Session(engine) as session:
        graph = trace(session, SYSTEM, code, Direction.BACKWARD, max_depth=12, max_nodes=5000)
    raw = [n for n in graph.nodes if n.kind == "lot" and (n.part_no or "").startswith("RM-")]
    assert raw and all(n.supplier and n.supplier_lot for n in raw)
    assert not graph.truncated


def test_sqlite_load_keeps_foreign_keys_it_did_not_check(engine: Engine, sqlite_template: Path,
                                                         tmp_path: Path) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL checks foreign keys during COPY")
    shutil.copy(sqlite_template, tmp_path / "loaded.db")
    loaded = make_engine(f"sqlite:///{tmp_path / 'loaded.db'}")
    try:
        generated(loaded)  # in this engine, so its pooled connection is the one the load switched back
        with loaded.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1  # switched back on after the load
    finally:
        loaded.dispose()


def test_generate_refuses_a_database_that_holds_units(engine: Engine, stats: ScaleStats) -> None:
    with pytest.raises(Conflict, match=f"holds {stats['unit']} units"):
        generate(engine, units=UNITS, seed=8)
    assert scalar(engine, "SELECT COUNT(*) FROM unit") == stats["unit"]

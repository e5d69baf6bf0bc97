"""The scale seeder fills the reachability in bulk: it equals what the edges say, and the wide raw lot's recall and
a component lot's forward trace read from it answer what the walk answers (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from backend.seed.scale import ScaleStats
from shared_models.enums import Direction
from tests.backend.reach_checks import assert_no_drift, assert_scope_as_walked, assert_trace_as_walked
from tests.backend.test_scale_seed import generated
from tests.conftest import DATABASES, database


@pytest.fixture(params=DATABASES)
def seeded(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Engine, ScaleStats]]:
    with database(request, tmp_path, generated) as made:
        yield made


def test_the_seeded_reachability_is_what_the_edges_say(seeded: tuple[Engine, ScaleStats]) -> None:
    engine, stats = seeded
    assert stats["reach"] > stats["genealogy_edge"]  # type: ignore[operator]
    with Session(engine) as session:
        assert_no_drift(session)
        assert_scope_as_walked(session, [str(stats["wide_raw_lot"])])
        lot = session.execute(text("SELECT code FROM unit WHERE kind = 'lot' AND code LIKE 'CMP-%' "
                                   "ORDER BY code LIMIT 1")).scalar_one()
        assert_scope_as_walked(session, [lot])
        assert_trace_as_walked(session, lot, Direction.FORWARD, page=500)
        serial = session.execute(text("SELECT code FROM unit WHERE kind = 'serial' AND code LIKE 'FG-%' "
                                      "ORDER BY code LIMIT 1")).scalar_one()
        assert_trace_as_walked(session, serial, Direction.BACKWARD, page=10)

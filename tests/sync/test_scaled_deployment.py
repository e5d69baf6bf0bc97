"""The scaled deployment's pieces agree with the embedded server: migration 0004 keys the synced rows by site and
customer, the `powersync` publication holds the synced tables, and sync/sync-streams.yaml buckets by those keys."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy import text
from sqlalchemy.engine import Engine

from backend.migrate import upgrade
from backend.sync.policy import SYNCED_TABLES, LotlinePolicy, bucket
from tests.migrations import engine_at

STREAMS = Path(__file__).resolve().parents[2] / "sync" / "sync-streams.yaml"

# A plant as migration 0003 left it: a carton of two meters shipped to C1, one meter again to C2, a lot on a shelf.
BEFORE_0004 = [
    "INSERT INTO site (id, code, name, version, updated_at) VALUES ('s1', 'S1', 'S1', 1, '2026-11-01')",
    "INSERT INTO location (id, site_id, code, name, kind, version, updated_at) "
    "VALUES ('l1', 's1', 'S1-A', 'A', 'bin', 1, '2026-11-01')",
    *(f"INSERT INTO customer (id, code, name, kind, regions, channels, contact, version, updated_at) "
      f"VALUES ('{c}', '{c}', '{c}', 'customer', '[]', '[]', '', 1, '2026-11-01')" for c in ("c2", "c1")),
    *(f"INSERT INTO unit (id, code, kind, site_id, status, uom, created_at, version) "
      f"VALUES ('{u}', '{u}', '{k}', 's1', 'released', 'pcs', '2026-11-01', 1)"
      for u, k in (("box", "container"), ("m1", "serial"), ("m2", "serial"), ("lot", "lot"))),
    "INSERT INTO container_content (id, container_id, unit_id) VALUES ('cc1', 'box', 'm1'), ('cc2', 'box', 'm2')",
    "INSERT INTO stock_on_hand (id, unit_id, location_id, qty) VALUES ('st1', 'lot', 'l1', 5)",
    *(f"INSERT INTO event (id, type, business_step, disposition, occurred_at, recorded_at, device_id, site_id, "
      f"customer_id, reference, note, attributes) VALUES ('{e}', 'ship', 'shipping', '', '2026-11-02', '2026-11-02', "
      f"'', 's1', '{c}', '', '', '{{}}')" for e, c in (("e1", "c1"), ("e2", "c2"))),
    *(f"INSERT INTO event_line (id, event_id, unit_id, role, qty) VALUES ('{i}', '{e}', '{u}', '{r}', 1)"
      for i, e, u, r in (("x1", "e1", "box", "subject"), ("x2", "e1", "m1", "content"),
                         ("x3", "e1", "m2", "content"), ("x4", "e2", "m1", "subject"))),
]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def at_0003(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database migrated to 0003 (before the keys), SQLite or a schema of its own on PostgreSQL."""
    yield from engine_at("0003", request.param, tmp_path)


def test_migration_0004_fills_the_keys_from_what_the_rows_point_at(at_0003: Engine) -> None:
    with at_0003.begin() as conn:
        for statement in BEFORE_0004:
            conn.execute(text(statement))
    upgrade(at_0003)
    with at_0003.connect() as conn:
        shipped = {u: json.loads(v) if isinstance(v, str) else v
                   for u, v in conn.execute(text("SELECT id, shipped_to FROM unit"))}
        assert shipped == {"box": ["c1"], "m1": ["c1", "c2"], "m2": ["c1"], "lot": []}
        assert conn.execute(text("SELECT site_id FROM stock_on_hand")).scalars().all() == ["s1"]
        assert set(conn.execute(text("SELECT site_id FROM container_content")).scalars()) == {"s1"}
        if conn.dialect.name == "postgresql":
            published = conn.execute(text(
                "SELECT tablename FROM pg_publication_tables WHERE pubname = 'powersync_' || current_schema() "
                "ORDER BY tablename")).scalars().all()
            assert published == SYNCED_TABLES  # event_line left it: no stream reads it now


def test_the_policy_buckets_a_row_from_the_row_alone() -> None:
    """What the PowerSync Service can do too: no database at hand (conn=None)."""
    policy = LotlinePolicy()
    assert policy.buckets_for(None, "unit", [{"site_id": "s1", "shipped_to": ["c1", "c2"]}]) == [  # type: ignore[arg-type]
        {bucket("site", "s1"), bucket("distributor", "c1"), bucket("distributor", "c2")}]
    assert policy.buckets_for(None, "stock_on_hand", [{"site_id": "s2"}]) == [{bucket("site", "s2")}]  # type: ignore[arg-type]
    assert policy.buckets_for(None, "container_content", [{"site_id": "s1"}]) == [{bucket("site", "s1")}]  # type: ignore[arg-type]


def test_the_streams_select_synced_tables_by_their_own_columns() -> None:
    """No stream finds its rows through another table: a subquery would key buckets per referenced row."""
    streams = yaml.safe_load(STREAMS.read_text(encoding="utf-8"))["streams"]
    queries = [q for s in streams.values() for q in ([s["query"]] if "query" in s else s["queries"])]
    tables = {t for q in queries for t in re.findall(r"\bFROM\s+(\w+)", q, flags=re.IGNORECASE)}
    assert tables == set(SYNCED_TABLES)
    assert not [q for q in queries if re.search(r"\(\s*SELECT", q, flags=re.IGNORECASE)]

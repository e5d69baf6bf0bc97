"""Set-wise writes (sync/server/bulk.py) over more rows than one PostgreSQL statement takes: every row lands,
changes and goes exactly as asked, with the column types' conversions, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import JSON, Column, Float, Integer, MetaData, String, Table, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from shared_models.types import UTCDateTime
from sync.server.bulk import PG_ROWS_PER_STATEMENT, delete_many, insert_many, update_many

N = 2 * PG_ROWS_PER_STATEMENT + 345  # three statements on PostgreSQL, the last one short
T0 = datetime(2026, 12, 8, 1, 0, tzinfo=UTC)


@pytest.fixture
def scratch(engine: Engine) -> Iterator[Table]:
    """A table of this test's own, with a composite key and columns whose values the types convert."""
    table = Table("bulk_scratch", MetaData(), Column("site", String(8), primary_key=True),
                  Column("n", Integer, primary_key=True), Column("qty", Float, nullable=False),
                  Column("at", UTCDateTime, nullable=False), Column("attrs", JSON, nullable=True),
                  Column("note", String(40), nullable=True))
    table.create(engine)
    yield table
    table.drop(engine)


def _row(n: int) -> dict[str, object]:
    return {"site": "S1" if n % 2 else "S2", "n": n, "qty": n / 8, "at": T0 + timedelta(seconds=n),
            "attrs": {"n": n, "名": "批次"} if n % 3 else None, "note": None if n % 5 else f"note {n}"}


def _stored(engine: Engine, table: Table) -> dict[tuple[str, int], dict[str, object]]:
    with engine.connect() as conn:
        return {(r.site, r.n): dict(r._mapping) for r in conn.execute(select(table))}


def test_thousands_of_rows_insert_update_and_delete_exactly(engine: Engine, scratch: Table) -> None:
    rows = [_row(n) for n in range(N)]
    with engine.begin() as conn:
        insert_many(conn, scratch, rows)
    assert _stored(engine, scratch) == {(r["site"], r["n"]): r for r in rows}

    changed = [{**r, "qty": -float(r["n"]), "note": "moved", "at": T0} for r in rows[::2]]  # type: ignore[arg-type]
    changed.append({**changed[0], "qty": 99.5})  # a key given twice takes its last row
    with engine.begin() as conn:
        update_many(conn, scratch, ("site", "n"), ("qty", "note", "at"), changed)
    stored = _stored(engine, scratch)
    assert len(stored) == N
    for r in rows:
        want = {**r, "qty": -float(r["n"]), "note": "moved", "at": T0} if r["n"] % 2 == 0 else r  # type: ignore[arg-type]
        if r["n"] == 0:
            want = {**want, "qty": 99.5}
        assert stored[(r["site"], r["n"])] == want

    gone = rows[: N - 7]
    with engine.begin() as conn:
        delete_many(conn, scratch, ("site", "n"), gone)
    assert sorted(_stored(engine, scratch)) == sorted((r["site"], r["n"]) for r in rows[N - 7:])


def test_a_failing_row_leaves_nothing_of_the_set(engine: Engine, scratch: Table) -> None:
    rows = [_row(n) for n in range(N)]
    rows[-1] = {**rows[-1], "n": rows[0]["n"], "site": rows[0]["site"]}  # the last row repeats the first key
    with pytest.raises(IntegrityError, match=r"(?i)unique|duplicate"), engine.begin() as conn:
        insert_many(conn, scratch, rows)
    assert _stored(engine, scratch) == {}

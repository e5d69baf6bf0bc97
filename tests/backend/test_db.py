"""The SQLite engine's housekeeping: WAL checkpoints run off the request path."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text

from backend.db import WAL_AUTOCHECKPOINT_PAGES, WalCheckpointer, make_engine


def rows_in_the_main_file(path: Path) -> int:
    """What a reader sees ignoring the WAL: only what a checkpoint has copied back."""
    with sqlite3.connect(f"file:{path}?immutable=1", uri=True) as conn:
        return conn.execute("SELECT count(*) FROM note").fetchone()[0]


def wait_for(check: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not check() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert check()


def test_the_checkpointer_copies_commits_into_the_database_file_from_its_own_thread(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)"))
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == WAL_AUTOCHECKPOINT_PAGES
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    for n in range(50):
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO note (body) VALUES (:b)"), {"b": f"note {n}" * 40})
    assert rows_in_the_main_file(path) == 0  # committed to the WAL, not yet copied back
    checkpointer = WalCheckpointer(engine, every_s=0.05)
    # The main file is read only while nothing writes it (a reader that ignores the WAL cannot share the file with
    # a checkpoint in progress): between runs the checkpointer's own account is what we watch.
    try:
        checkpointer.start()  # a WAL left behind is copied back first
        wait_for(lambda: checkpointer.last is not None and checkpointer.last[1] == checkpointer.last[2] > 0)
        runs = checkpointer.runs
        time.sleep(0.3)
        assert checkpointer.runs == runs  # nothing committed since: it stays idle
    finally:
        checkpointer.stop()
    assert rows_in_the_main_file(path) == 50
    try:
        checkpointer.start()
        wait_for(lambda: checkpointer.runs > runs)  # the start-up turn
        runs = checkpointer.runs
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO note (body) VALUES ('one more')"))
        wait_for(lambda: checkpointer.runs > runs and checkpointer.last is not None
                 and checkpointer.last[0] == 0 and checkpointer.last[1] == checkpointer.last[2])
    finally:
        checkpointer.stop()
        engine.dispose()
    assert rows_in_the_main_file(path) == 51
    assert not WalCheckpointer.wanted(make_engine("sqlite://"))


def test_insert_many_stores_every_column_type_as_the_orm_would(engine, plant, session) -> None:  # type: ignore[no-untyped-def]
    """Dates, aware datetimes, enums, JSON lists and NULLs, through the driver's executemany: read back through
    the ORM, a row inserted by insert_many equals the same row inserted by SQLAlchemy's own INSERT."""
    from datetime import UTC, date, datetime

    from sqlalchemy import insert
    from sqlmodel import Session

    from backend.db import complete_row
    from shared_models.enums import UnitKind, UnitStatus
    from shared_models.trace import Unit
    from sync.server.bulk import insert_many

    def row(code: str) -> dict[str, object]:
        return complete_row(Unit, {
            "code": code, "kind": UnitKind.LOT, "item_id": plant.items["PCB-01"].id, "lot_no": code,
            "site_id": plant.sites["S1"].id, "status": UnitStatus.QUARANTINE, "uom": "pcs",
            "supplier_id": plant.suppliers["SUP-B"].id, "produced_on": date(2026, 3, 1), "expires_on": None,
            "created_at": datetime(2026, 3, 2, 8, 30, 15, 250000, tzinfo=UTC), "shipped_to": ["c-1", "c-2"],
            "supplier_lot": "供应商批次-7"})

    ours, theirs = row("IM-1"), row("IM-2")
    with engine.begin() as conn:
        insert_many(conn, Unit.__table__, [ours])  # type: ignore[attr-defined]
        conn.execute(insert(Unit), [theirs])
    with Session(engine) as fresh:
        a, b = fresh.get(Unit, ours["id"]), fresh.get(Unit, theirs["id"])
        assert a is not None and b is not None
        differ = {k for k in Unit.model_fields if k not in ("id", "code", "lot_no")
                  and getattr(a, k) != getattr(b, k)}
        assert not differ, {k: (getattr(a, k), getattr(b, k)) for k in differ}
        assert (a.status, a.created_at, a.shipped_to, a.produced_on) == (
            UnitStatus.QUARANTINE, datetime(2026, 3, 2, 8, 30, 15, 250000, tzinfo=UTC), ["c-1", "c-2"],
            date(2026, 3, 1))

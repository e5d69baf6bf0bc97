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
    checkpointer.start()  # a WAL left behind is copied back first
    try:
        wait_for(lambda: rows_in_the_main_file(path) == 50)
        busy, frames, copied = checkpointer.last or (None, None, None)
        assert busy == 0 and frames == copied and frames > 0
        runs = checkpointer.runs
        time.sleep(0.3)
        assert checkpointer.runs == runs  # nothing committed since: it stays idle
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO note (body) VALUES ('one more')"))
        wait_for(lambda: rows_in_the_main_file(path) == 51)
        assert checkpointer.runs > runs
    finally:
        checkpointer.stop()
        engine.dispose()
    assert not WalCheckpointer.wanted(make_engine("sqlite://"))

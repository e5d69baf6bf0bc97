"""SQLite: a consistent online copy through SQLite's backup API, and a restore through the same API."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

from backend.backup.errors import BackupFailed, RestoreFailed

PAGES_PER_STEP = 4096  # 16 MiB at SQLite's default page size: progress a person can follow, the GIL let go often
# Every connection to a WAL database holds a shared lock on this byte of the -shm file while it is open (SQLite's
# "dead man switch", os_unix.c UNIX_SHM_DMS): whether another process holds it tells whether one has the file open.
_SHM_DMS_BYTE = 128

Progress = Callable[[int, int], None]  # (pages copied, pages in all)


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout=10000")
    return conn


def snapshot(source: Path, dest: Path, progress: Progress | None = None,
             pages_per_step: int = PAGES_PER_STEP) -> tuple[str | None, dict[str, int]]:
    """Copies `source` to `dest` as one consistent snapshot while others keep writing; answers the snapshot's
    alembic revision and row counts.

    The copy runs inside one read transaction held across the backup steps. In WAL mode a reader never blocks a
    writer, and a held snapshot keeps SQLite from restarting the copy each time another connection commits (a
    stepped backup without one restarts on every commit and, under steady writes, never finishes)."""
    if not source.is_file():
        raise BackupFailed(f"There is no database at {source}: check --data-dir (or LOTLINE_DATA_DIR).")
    src = _connect(source)
    dst = sqlite3.connect(dest)
    try:
        src.execute("BEGIN")
        tables = [r[0] for r in src.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        counts = {t: int(src.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]) for t in tables}
        revision = None
        if "alembic_version" in counts:
            row = src.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = row[0] if row else None

        def step(_status: int, remaining: int, total: int) -> None:
            if progress is not None:
                progress(total - remaining, total)

        src.backup(dst, pages=pages_per_step, progress=step)
        src.execute("COMMIT")
    except sqlite3.Error as exc:
        raise BackupFailed(f"Copying {source} failed: {exc}.") from exc
    finally:
        dst.close()
        src.close()
    return revision, counts


def restore_file(payload: Path, target: Path) -> None:
    """Replaces the content of `target` (created if absent) with `payload`, through SQLite's own locking, so a
    connection that still has the file open reads the restored pages rather than a torn file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(payload)
    dst = _connect(target)
    try:
        src.backup(dst)
    except sqlite3.Error as exc:
        raise RestoreFailed(f"Writing {target} failed: {exc}; the file is as it was.") from exc
    finally:
        dst.close()
        src.close()


def held_by_another_process(path: Path) -> bool | None:
    """True when another process has the database open, False when none has, None when this cannot be told (no
    POSIX locks here). Connections of this process are invisible to it. Call it before this process opens the
    file: closing any descriptor of a file drops every POSIX lock the process holds on it."""
    try:
        import fcntl
    except ImportError:
        return None
    shm = path.with_name(path.name + "-shm")
    if not shm.exists():
        return False  # a WAL database open anywhere has its -shm file
    fd = os.open(shm, os.O_RDWR)
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, _SHM_DMS_BYTE, os.SEEK_SET)
        except OSError:
            return True
        with contextlib.suppress(OSError):
            fcntl.lockf(fd, fcntl.LOCK_UN, 1, _SHM_DMS_BYTE, os.SEEK_SET)
        return False
    finally:
        os.close(fd)

"""Backup and restore: a consistent snapshot under write load, and every refusal before anything is written."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import exists, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, select
from typer.testing import CliRunner

from backend.auth.principal import SYSTEM
from backend.backup.archive import Manifest, read_manifest, sha256_of, unpack, write_archive
from backend.backup.errors import (
    BackupCorrupt,
    BackupFailed,
    BackupFromNewerCode,
    BackupToolMissing,
    BackupToolTooOld,
    DatabaseInUse,
    RestoreFailed,
)
from backend.backup.postgres import current_schema, require_client_not_older
from backend.backup.service import code_head, restore_backup, row_counts, take_backup
from backend.cli.main import app
from backend.db import make_engine, session_scope
from backend.migrate import current_revision, upgrade
from backend.trace.models import EventLine
from backend.warehouse.warehouse_service import WarehouseService
from shared_models import commands as cmd
from shared_models.trace import Event
from tests.backend.story import TODAY
from tests.conftest import POSTGRES_URL
from tests.factories import Plant, at, eid


def receive(engine: Engine, lot_no: str) -> str:
    with Session(engine, expire_on_commit=False) as session:
        event = WarehouseService(session, SYSTEM, today=TODAY).receive(cmd.Receive(
            id=eid(), occurred_at=at(0), supplier="SUP-B", item="PCB-01", lot_no=lot_no, qty=5,
            location="S1-A-01"))
        return event.id


def event_ids(engine: Engine) -> set[str]:
    with session_scope(engine) as session:
        return set(session.exec(select(Event.id)).all())


class Writer(threading.Thread):
    """Receives one lot after another through the warehouse service until told to stop."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(name="backup-test-writer", daemon=True)
        self.engine = engine
        self.committed: list[str] = []
        self.error: BaseException | None = None
        self.stopping = threading.Event()
        self._changed = threading.Condition()

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                event_id = receive(self.engine, f"W{len(self.committed)}")
                with self._changed:
                    self.committed.append(event_id)
                    self._changed.notify_all()
        except BaseException as exc:  # handed to the test, which raises it
            with self._changed:
                self.error = exc
                self._changed.notify_all()

    def wait_for(self, count: int) -> list[str]:
        with self._changed:
            self._changed.wait_for(lambda: len(self.committed) >= count or self.error is not None, timeout=120)
            if self.error is not None:
                raise self.error
            assert len(self.committed) >= count, "the writer stalled"
            return list(self.committed)


@dataclass
class Target:
    engine: Engine
    schema: str | None


@pytest.fixture
def fresh(engine: Engine, tmp_path: Path) -> Iterator[Target]:
    """An empty database of the same kind as `engine`: for PostgreSQL a new database holding nothing yet."""
    if engine.dialect.name == "sqlite":
        target = make_engine(f"sqlite:///{tmp_path / 'restored' / 'lotline.db'}")
        yield Target(target, None)
        target.dispose()
        return
    name = f"lotline_restore_{os.getpid()}"
    admin = make_engine(POSTGRES_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    schema = current_schema(engine)
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    target = make_engine(url, schema=schema)
    yield Target(target, schema)
    target.dispose()
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.engine.dispose()


def rewrite(path: Path, into: Path, tmp_path: Path, payload: bytes | None = None, **manifest: object) -> Path:
    """A copy of the backup at `path` with another payload (its SHA-256 kept unless given) or manifest fields."""
    work = tmp_path / "rewrite"
    work.mkdir(exist_ok=True)
    original, file = unpack(path, work)
    if payload is not None:
        file.write_bytes(payload)
    write_archive(into, file, dataclasses.replace(original, **manifest))  # type: ignore[arg-type]
    return into


def test_a_backup_under_write_load_restores_a_consistent_snapshot(engine: Engine, plant: Plant, fresh: Target,
                                                                    tmp_path: Path) -> None:
    writer = Writer(engine)
    writer.start()
    try:
        before = writer.wait_for(5)
        steps: list[int] = []

        def writes_between_steps(done: int, _total: int) -> None:
            """SQLite: after the first step, the writer commits before the copy goes on; a stepped copy must
            still be one snapshot, and the row counts read before it must describe it."""
            if not steps:
                writer.wait_for(len(writer.committed) + 1)
            steps.append(done)

        path, manifest = take_backup(engine, tmp_path / "under-load.tar.gz", pages_per_step=8,
                                     progress=writes_between_steps)
        writer.wait_for(len(writer.committed) + 3)  # the writer carried on
    finally:
        writer.stopping.set()
        writer.join()
    restored = restore_backup(path, fresh.engine, schema=fresh.schema, assume_yes=True)
    assert restored.drift == []
    assert set(before) <= event_ids(fresh.engine)
    with session_scope(fresh.engine) as session:
        lineless = session.exec(select(Event.id).where(~exists().where(EventLine.event_id == Event.id))).all()
    assert lineless == []
    assert row_counts(fresh.engine, fresh.schema) == manifest.row_counts
    assert manifest.row_counts["event"] <= len(writer.committed) - 3  # a snapshot, not what came after
    assert manifest.alembic_revision == code_head() and manifest.sha256 == read_manifest(path).sha256


def test_a_damaged_backup_is_refused_before_anything_is_written(engine: Engine, plant: Plant,
                                                                tmp_path: Path) -> None:
    path, _ = take_backup(engine, tmp_path / "good.tar.gz")
    data = bytearray(unpack(path, tmp_path)[1].read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad = rewrite(path, tmp_path / "bad.tar.gz", tmp_path, payload=bytes(data), sha256=read_manifest(path).sha256)
    marker = receive(engine, "AFTER")
    with pytest.raises(BackupCorrupt):
        restore_backup(bad, engine, assume_yes=True)
    assert marker in event_ids(engine)


def test_a_backup_from_newer_code_is_refused(engine: Engine, plant: Plant,
                                             tmp_path: Path) -> None:
    path, _ = take_backup(engine, tmp_path / "good.tar.gz")
    newer = rewrite(path, tmp_path / "newer.tar.gz", tmp_path, alembic_revision="9999")
    marker = receive(engine, "AFTER")
    with pytest.raises(BackupFromNewerCode, match="9999"):
        restore_backup(newer, engine, assume_yes=True)
    assert marker in event_ids(engine)


def test_a_payload_the_database_cannot_read_leaves_the_database_as_it_was(engine: Engine, plant: Plant,
                                                                          tmp_path: Path) -> None:
    path, _ = take_backup(engine, tmp_path / "good.tar.gz")
    garbage = b"not a database " * 1000
    broken = rewrite(path, tmp_path / "broken.tar.gz", tmp_path, payload=garbage,
                     sha256=hashlib.sha256(garbage).hexdigest())
    marker = receive(engine, "AFTER")
    with pytest.raises(RestoreFailed):
        restore_backup(broken, engine, assume_yes=True)
    assert marker in event_ids(engine)


@pytest.fixture
def old_database(engine: Engine, tmp_path: Path) -> Iterator[Engine]:
    """A database at the revision before head, of the same kind as `engine`."""
    if engine.dialect.name == "sqlite":
        old = make_engine(f"sqlite:///{tmp_path / 'old' / 'lotline.db'}")
        upgrade(old, "0005")
        yield old
        old.dispose()
        return
    schema = f"{current_schema(engine)}_old"
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    old = make_engine(POSTGRES_URL, schema=schema)
    upgrade(old, "0005")
    yield old
    old.dispose()
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"DROP PUBLICATION IF EXISTS powersync_{schema}"))


def test_a_backup_from_older_code_is_upgraded_after_the_restore(old_database: Engine, tmp_path: Path) -> None:
    path, manifest = take_backup(old_database, tmp_path / "old.tar.gz")
    upgrade(old_database)  # the database moved on; the older backup goes back over it
    restored = restore_backup(path, old_database, assume_yes=True)
    assert manifest.alembic_revision == "0005"
    assert restored.migrated and restored.revision == code_head() == current_revision(old_database)
    assert restored.drift == []


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_restore_refuses_while_another_process_has_the_sqlite_file_open(engine: Engine, fresh: Target,
                                                                          tmp_path: Path) -> None:
    path, _ = take_backup(engine, tmp_path / "good.tar.gz")
    restore_backup(path, fresh.engine, assume_yes=True)
    fresh.engine.dispose()  # this process lets go of the file; another one opens it
    database = fresh.engine.url.database
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
         "c.execute('SELECT COUNT(*) FROM event').fetchall(); print('open', flush=True); sys.stdin.read()",
         str(database)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(DatabaseInUse, match="Another process"):
            restore_backup(path, fresh.engine)
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait()


@pytest.mark.parametrize("engine", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_restore_refuses_while_other_sessions_use_the_postgres_database(engine: Engine, plant: Plant,
                                                                        tmp_path: Path) -> None:
    path, _ = take_backup(engine, tmp_path / "good.tar.gz")
    marker = receive(engine, "AFTER")
    with engine.connect() as other:
        other.execute(text("SELECT 1"))
        with pytest.raises(DatabaseInUse, match="other session"):
            restore_backup(path, engine)
    assert marker in event_ids(engine)


@pytest.mark.parametrize("engine", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_tables_published_one_by_one_are_published_again_after_a_restore(engine: Engine, plant: Plant,
                                                                         fresh: Target, tmp_path: Path) -> None:
    """The PowerSync Service reads a publication: a restore that dropped the schema must put its tables back in it.
    Another schema's publication (parallel tests) is not this backup's business."""
    schema, pub = current_schema(engine), f"lotline_pub_{os.getpid()}"
    with engine.begin() as conn:
        conn.execute(text(f'CREATE PUBLICATION {pub} FOR TABLE "{schema}".event, "{schema}".unit'))
    try:
        path, manifest = take_backup(engine, tmp_path / "published.tar.gz")
        assert manifest.postgres["publications"][pub] == ["event", "unit"]
        restore_backup(path, engine, assume_yes=True)
        with engine.connect() as conn:
            published = conn.execute(text("SELECT tablename FROM pg_publication_tables WHERE pubname = :p "
                                          "AND schemaname = :s ORDER BY 1"), {"p": pub, "s": schema}).scalars()
            assert list(published) == ["event", "unit"]
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP PUBLICATION IF EXISTS {pub}"))


@pytest.mark.parametrize("engine", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_a_missing_pg_dump_is_named(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BackupToolMissing, match="pg_dump"):
        take_backup(engine, tmp_path / "never.tar.gz")
    assert not (tmp_path / "never.tar.gz").exists()


def test_a_client_older_than_the_server_is_refused() -> None:
    with pytest.raises(BackupToolTooOld, match="PostgreSQL 15 but the server is PostgreSQL 16"):
        require_client_not_older("pg_dump", 15, 16, "server")


def test_a_missing_sqlite_database_is_not_backed_up_as_an_empty_one(tmp_path: Path) -> None:
    with pytest.raises(BackupFailed, match="no database"):
        take_backup(make_engine(f"sqlite:///{tmp_path / 'nowhere' / 'lotline.db'}"), tmp_path / "empty.tar.gz")


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_cli_backup_then_restore_prints_the_check_verdict(engine: Engine, plant: Plant, tmp_path: Path) -> None:
    runner = CliRunner()
    source = Path(str(engine.url.database)).parent
    receive(engine, "CLI")
    made = runner.invoke(app, ["backup", "--data-dir", str(source), "--to", str(tmp_path / "cli.tar.gz")],
                         env={"COLUMNS": "200"})
    assert made.exit_code == 0, made.output
    assert "signing keys not included" in made.output
    back = runner.invoke(app, ["restore", str(tmp_path / "cli.tar.gz"), "--data-dir", str(tmp_path / "new"),
                               "--yes"], env={"COLUMNS": "200"})
    assert back.exit_code == 0, back.output
    assert "check: stock on hand matches the events" in back.output
    assert isinstance(read_manifest(tmp_path / "cli.tar.gz"), Manifest)
    assert sha256_of(tmp_path / "cli.tar.gz")  # the archive is whole: no .partial left beside it
    assert not (tmp_path / "cli.tar.gz.partial").exists()

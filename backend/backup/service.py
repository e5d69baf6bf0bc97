"""Take a backup of the configured database, or restore one into it, migrating and checking afterwards."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from backend.backup import postgres, sqlite
from backend.backup.archive import Manifest, default_name, sha256_of, unpack, write_archive
from backend.backup.errors import BackupFailed, BackupFromNewerCode, BackupOtherDatabase, DatabaseInUse, RestoreFailed
from backend.db import session_scope
from backend.migrate import MIGRATIONS, current_revision, upgrade
from backend.warehouse.check import Drift, stock_drift

Say = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Restored:
    manifest: Manifest
    revision: str | None  # after the upgrade
    migrated: bool  # the backup was older than the code and has been upgraded
    drift: list[Drift]  # `lotline check`'s verdict on the restored database: empty when consistent


def take_backup(engine: Engine, dest: Path, *, schema: str | None = None,
                progress: sqlite.Progress | None = None,
                pages_per_step: int = sqlite.PAGES_PER_STEP) -> tuple[Path, Manifest]:
    """Writes a consistent backup of the database (PostgreSQL: of `schema`, by default the engine's
    current schema) to `dest`, a .tar.gz file, or into `dest` with a dated name when it is a folder. Writers
    carry on meanwhile; the backup holds what was committed when it began. SQLite copies `pages_per_step` pages
    at a time (`progress` hears of each step)."""
    if dest.is_dir():
        dest = dest / default_name()
    with tempfile.TemporaryDirectory(prefix=".lotline-backup-", dir=dest.parent if dest.parent.exists() else None) \
            as work:
        if engine.dialect.name == "sqlite":
            payload = Path(work) / "lotline.db"
            revision, counts = sqlite.snapshot(_sqlite_path(engine), payload, progress, pages_per_step)
            facts = {}
        elif engine.dialect.name == "postgresql":
            payload = Path(work) / "lotline.dump"
            revision, counts, facts = postgres.dump(engine, schema or postgres.current_schema(engine), payload)
        else:
            raise BackupFailed(f"Backups of {engine.dialect.name} databases are not supported.")
        manifest = Manifest(dialect=engine.dialect.name, alembic_revision=revision, row_counts=counts,
                            sha256=sha256_of(payload), size_bytes=payload.stat().st_size, postgres=facts)
        write_archive(dest, payload, manifest)
    return dest, manifest


def restore_backup(archive: Path, engine: Engine, *, schema: str | None = None, assume_yes: bool = False,
                   say: Say = lambda _: None, workdir: Path | None = None) -> Restored:
    """Replaces the database's content with the backup's, then upgrades it when it is older than the code and runs
    the consistency check.

    Refuses, before anything is written: a damaged archive (BackupCorrupt), a schema newer than the code
    (BackupFromNewerCode), a backup of the other kind of database or of another schema (BackupOtherDatabase),
    and, unless `assume_yes`, a database others are connected to (DatabaseInUse). A failed PostgreSQL restore
    leaves the database as it was; a failed SQLite one too (SQLite's backup API replaces it in one transaction)."""
    with tempfile.TemporaryDirectory(prefix=".lotline-restore-", dir=workdir) as work:
        manifest, payload = unpack(archive, Path(work))
        if manifest.dialect != engine.dialect.name:
            raise BackupOtherDatabase(f"{archive} is a {manifest.dialect} backup; this Lotline runs on "
                                      f"{engine.dialect.name}. Restore it into a {manifest.dialect} database.")
        _refuse_newer(manifest.alembic_revision)
        if manifest.dialect == "sqlite":
            path = _sqlite_path(engine)
            if not assume_yes:
                _refuse_sqlite_in_use(path, say)
            engine.dispose()
            sqlite.restore_file(payload, path)
        else:
            schema = schema or postgres.current_schema(engine)
            if manifest.postgres.get("schema") != schema:
                raise BackupOtherDatabase(f"{archive} holds schema {manifest.postgres.get('schema')}, not {schema}; "
                                          f"restore it into a database where Lotline uses that schema.")
            if not assume_yes:
                postgres.refuse_if_in_use(engine)
            postgres.restore(engine, payload, manifest.postgres)
    counts = row_counts(engine, None if manifest.dialect == "sqlite" else schema)
    if counts != manifest.row_counts:
        differ = sorted(t for t in counts.keys() | manifest.row_counts.keys()
                        if counts.get(t) != manifest.row_counts.get(t))
        raise RestoreFailed(f"After the restore, tables {', '.join(differ)} do not hold the rows the backup lists.")
    migrated = manifest.alembic_revision != code_head()
    if migrated:
        say(f"the backup is at revision {manifest.alembic_revision}; upgrading it to {code_head()}")
        upgrade(engine)
    with session_scope(engine) as session:
        drift = stock_drift(session)
    return Restored(manifest, current_revision(engine), migrated, drift)


def row_counts(engine: Engine, schema: str | None = None) -> dict[str, int]:
    with engine.connect() as conn:
        prep = conn.dialect.identifier_preparer
        prefix = f"{prep.quote_identifier(schema)}." if schema else ""
        return {t: int(conn.execute(text(f"SELECT COUNT(*) FROM {prefix}{prep.quote_identifier(t)}")).scalar_one())
                for t in inspect(conn).get_table_names(schema=schema)}


def code_head() -> str | None:
    return _scripts().get_current_head()


def _scripts() -> ScriptDirectory:
    return ScriptDirectory(str(MIGRATIONS))


def _refuse_newer(revision: str | None) -> None:
    if revision is None:
        return
    try:
        known = _scripts().get_revision(revision) is not None
    except CommandError:
        known = False
    if not known:
        raise BackupFromNewerCode(revision, code_head())


def _refuse_sqlite_in_use(path: Path, say: Say) -> None:
    held = sqlite.held_by_another_process(path)
    if held:
        raise DatabaseInUse(f"Another process has {path} open.")
    if held is None:
        say(f"cannot tell whether another process has {path} open; make sure the Lotline server is stopped")


def _sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupFailed("An in-memory SQLite database has nothing to back up or restore into.")
    return Path(database)

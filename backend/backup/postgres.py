"""PostgreSQL: pg_dump (custom format) of one schema from an exported snapshot, restored through pg_restore."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, text
from sqlalchemy.engine import Engine

from backend.backup.errors import (
    BackupFailed,
    BackupOtherDatabase,
    BackupToolMissing,
    BackupToolTooOld,
    DatabaseInUse,
    RestoreFailed,
)


@dataclass(frozen=True, slots=True)
class Client:
    """libpq's view of the engine's database: a conninfo without the password, which travels in PGPASSWORD so it
    never shows in the process list."""

    conninfo: str
    env: dict[str, str]


def client_for(engine: Engine) -> Client:
    url = engine.url.set(drivername="postgresql", password=None)
    env = dict(os.environ)
    if engine.url.password:
        env["PGPASSWORD"] = str(engine.url.password)
    return Client(url.render_as_string(hide_password=False), env)


def tool(name: str) -> tuple[str, int]:
    """The path and major version of a PostgreSQL client program on PATH; raises BackupToolMissing."""
    path = shutil.which(name)
    if path is None:
        raise BackupToolMissing(name)
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=False).stdout
    found = re.search(r"\)\s*(\d+)", out)
    if found is None:
        raise BackupToolMissing(f"{name} (no version in '{out.strip()}')")
    return path, int(found.group(1))


def require_client_not_older(tool_name: str, client_major: int, needed_major: int, what: str) -> None:
    if client_major < needed_major:
        raise BackupToolTooOld(tool_name, client_major, needed_major, what)


def server_major(conn: Connection) -> int:
    return int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000


def current_schema(engine: Engine) -> str:
    with engine.connect() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
    if schema is None:
        raise BackupOtherDatabase("The connection's search_path names no schema that exists here; name the "
                                  "schema Lotline uses with --schema.")
    return str(schema)


def _snapshot_facts(conn: Connection, schema: str) -> tuple[str | None, dict[str, int], dict[str, list[str]]]:
    tables = list(conn.execute(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = :s ORDER BY tablename"), {"s": schema}).scalars())
    q = _quote(conn, schema)
    counts = {t: int(conn.execute(text(f"SELECT COUNT(*) FROM {q}.{_quote(conn, t)}")).scalar_one()) for t in tables}
    revision = None
    if "alembic_version" in counts:
        revision = conn.execute(text(f"SELECT version_num FROM {q}.alembic_version")).scalar()
    publications: dict[str, list[str]] = {}
    for pub, table in conn.execute(text(_PUBLISHED_SQL), {"s": schema}):
        publications.setdefault(pub, []).append(table)
    return revision, counts, publications


# The tables of one schema that publications name one by one (what `restore` publishes again: a FOR ALL TABLES
# publication takes the restored tables by itself), read from the catalogs alone. pg_publication_tables would be
# shorter, but its function opens every published table of every schema: a table another session drops meanwhile
# (tests run in parallel, each in its own schema) fails the whole query with "could not open relation with OID".
_PUBLISHED_SQL = """
    SELECT p.pubname, c.relname FROM pg_publication p
      JOIN pg_publication_rel r ON r.prpubid = p.oid
      JOIN pg_class c ON c.oid = r.prrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = :s
     ORDER BY 1, 2"""


def dump(engine: Engine, schema: str, dest: Path) -> tuple[str | None, dict[str, int], dict[str, Any]]:
    """Dumps `schema` to `dest`; answers its alembic revision, row counts and facts for the manifest.

    The row counts and the dump read one snapshot: this transaction exports it and pg_dump adopts it
    (`--snapshot`), so the manifest describes exactly what the dump holds while writers carry on."""
    pg_dump, client_major = tool("pg_dump")
    client = client_for(engine)
    with engine.connect() as conn:
        major = server_major(conn)
        require_client_not_older("pg_dump", client_major, major, "server")
        conn.rollback()
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot_id = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            revision, counts, publications = _snapshot_facts(conn, schema)
            run = subprocess.run(
                [pg_dump, "--format=custom", "--no-owner", f"--schema={schema}", f"--snapshot={snapshot_id}",
                 f"--file={dest}", f"--dbname={client.conninfo}"],
                capture_output=True, text=True, env=client.env, check=False)
    if run.returncode != 0:
        raise BackupFailed(f"pg_dump failed: {run.stderr.strip()}")
    facts = {"schema": schema, "server_major": major, "pg_dump_major": client_major, "publications": publications}
    return revision, counts, facts


def others_connected(engine: Engine) -> list[str]:
    """Other sessions on the engine's database (any schema: PostgreSQL cannot tell which one a session uses)."""
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT COALESCE(NULLIF(application_name, ''), client_addr::text, 'local') FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"))
        return [str(r[0]) for r in rows]


def refuse_if_in_use(engine: Engine) -> None:
    others = others_connected(engine)
    if others:
        raise DatabaseInUse(f"{len(others)} other session(s) are connected to this database "
                            f"({', '.join(sorted(set(others)))}).")


def restore(engine: Engine, payload: Path, facts: dict[str, Any]) -> None:
    """Replaces the schema the dump holds with the dump's content, in one transaction: on any error the database
    is as it was.

    pg_restore (--clean --if-exists) writes the restore script and psql runs it after dropping the schema with
    CASCADE: tables a later migration added, which the dump does not name, would otherwise survive the restore
    and make the next upgrade fail. Dropping a table takes it out of its publications, so the tables the
    manifest lists as published (the PowerSync Service's `powersync`) are published again in the same
    transaction."""
    schema = str(facts["schema"])
    pg_restore, restore_major = tool("pg_restore")
    psql, _ = tool("psql")
    require_client_not_older("pg_restore", restore_major, int(facts["pg_dump_major"]), "backup (its pg_dump)")
    client = client_for(engine)
    with engine.connect() as conn:
        q = _quote(conn, schema)
        existing = set(conn.execute(text("SELECT pubname FROM pg_publication")).scalars())
        republish = []
        for pub, tables in facts.get("publications", {}).items():
            names = ", ".join(f"{q}.{_quote(conn, t)}" for t in tables)
            verb = f"ALTER PUBLICATION {_quote(conn, pub)} ADD TABLE" if pub in existing else \
                f"CREATE PUBLICATION {_quote(conn, pub)} FOR TABLE"
            republish += ["-c", f"{verb} {names}"]
    guard = ("DO $$ BEGIN IF current_setting('lotline.restore_complete', true) IS DISTINCT FROM 'yes' THEN "
             "RAISE EXCEPTION 'the restore script ended early'; END IF; END $$")
    with tempfile.TemporaryFile() as restore_err, tempfile.TemporaryFile() as psql_err:
        script = subprocess.Popen([pg_restore, "--clean", "--if-exists", "--no-owner", "--file=-", str(payload)],
                                  stdout=subprocess.PIPE, stderr=restore_err, env=client.env)
        run = subprocess.Popen(
            [psql, "--no-psqlrc", "--quiet", "--single-transaction", "--set=ON_ERROR_STOP=1",
             f"--dbname={client.conninfo}", "-c", "SET client_min_messages = warning",
             "-c", f"DROP SCHEMA IF EXISTS {q} CASCADE", "-f", "-", *republish, "-c", guard],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=psql_err, env=client.env)
        _relay(script, run)
        engine.dispose()  # pooled sessions may hold plans for the dropped tables
        if script.returncode != 0:
            raise RestoreFailed(f"pg_restore failed, nothing was changed: {_text(restore_err)}")
        if run.returncode != 0:
            raise RestoreFailed(f"psql failed, nothing was changed: {_text(psql_err)}")


def _relay(script: subprocess.Popen[bytes], run: subprocess.Popen[bytes]) -> None:
    """Streams pg_restore's script into psql. Only a script that pg_restore finished gets the closing line that
    lets psql's last command (the guard) pass: a script cut short rolls the whole transaction back."""
    assert script.stdout is not None and run.stdin is not None
    try:
        while chunk := script.stdout.read(1 << 16):
            run.stdin.write(chunk)
        if script.wait() == 0:
            run.stdin.write(b"\nSET lotline.restore_complete = 'yes';\n")
        run.stdin.close()
    except BrokenPipeError:  # psql stopped on an error: it rolled back; its stderr says why
        script.kill()
    finally:
        script.stdout.close()
        script.wait()
        with contextlib.suppress(BrokenPipeError):
            run.stdin.close()
        run.wait()


def _text(stream: IO[bytes]) -> str:
    stream.seek(0)
    return stream.read().decode(errors="replace").strip()


def _quote(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote_identifier(name)

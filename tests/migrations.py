"""A database migrated only up to an older revision, for tests of what a migration does to stored rows."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from backend.db import make_engine
from backend.migrate import upgrade
from tests.conftest import POSTGRES_URL


def engine_at(revision: str, kind: str, tmp_path: Path) -> Iterator[Engine]:
    """SQLite in `tmp_path`, or a PostgreSQL schema of this process's own, migrated to `revision`; dropped after."""
    if kind == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        upgrade(engine, revision)
        yield engine
        engine.dispose()
        return
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need LOTLINE_TEST_POSTGRES_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)")
    schema = f"lotline_at_{revision}_{os.getpid()}"
    admin = make_engine(POSTGRES_URL)

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"DROP PUBLICATION IF EXISTS powersync_{schema}"))

    drop()
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine = make_engine(POSTGRES_URL, schema=schema)
    upgrade(engine, revision)
    yield engine
    engine.dispose()
    drop()
    admin.dispose()

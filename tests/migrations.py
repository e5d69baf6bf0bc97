"""A database migrated only up to an older revision, for tests of what a migration does to stored rows."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from backend.db import make_engine
from backend.migrate import upgrade
from tests.conftest import POSTGRES_URL, new_schema


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
    with new_schema(f"lotline_at_{revision}_{os.getpid()}", revision) as engine:
        yield engine

"""Fixtures: the same tests on SQLite and on PostgreSQL, a small plant, an HTTP client per role."""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from litestar.testing import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

import sync.server.tables  # noqa: F401 - part of the metadata truncated between tests
from backend import hooks
from backend.app import create_app
from backend.auth import passwords
from backend.auth.keys import KeyRing
from backend.config import Settings
from backend.db import make_engine
from backend.migrate import upgrade
from backend.sync.runtime import install_recorder
from backend.tables import metadata
from tests.factories import Plant, build_plant

install_recorder()  # as the app and the CLI do: every committed change to a synced row gets its ops
hooks.install()
# argon2 at production cost (3 passes over 64 MiB) is ~0.1-0.3 s a log-in here; the suite hashes with one pass over
# 8 KiB. Production's parameters are proved in a fresh interpreter (tests/backend/test_auth_passwords.py).
assert isinstance(passwords._hasher, PasswordHasher), "backend/auth/passwords.py no longer keeps its hasher there"
passwords._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)

POSTGRES_URL = os.environ.get("LOTLINE_TEST_POSTGRES_URL", "")
DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
TESTS = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """For xdist's `--dist loadgroup` (./dev test): a module's tests run in one worker, so what the module builds
    once (module fixtures, the demo plant) is built once; the browser tests all run in one worker, one Chromium
    at a time."""
    for item in items:
        path = Path(str(item.path))
        group = "browser" if TESTS / "browser" in path.parents else path.relative_to(TESTS).with_suffix("").as_posix()
        item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "lotline.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine]:
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need LOTLINE_TEST_POSTGRES_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)")
    # A schema per test process: parallel runs (and xdist's workers) on one database don't trip over each other.
    with new_schema(f"lotline_test_{os.getpid()}") as engine:
        yield engine


@pytest.fixture(scope="session")
def sqlite_demo_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo plant (backend/seed/demo.py), seeded once: a test that needs it copies the file."""
    path = tmp_path_factory.mktemp("demo-template") / "lotline.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    _seed_demo(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_demo_schema(postgres_engine: Engine) -> Iterator[str]:
    """The demo plant, seeded once into a schema of this process's own: a test that needs it copies its rows."""
    schema = f"lotline_demo_{os.getpid()}"
    with new_schema(schema) as engine:
        _seed_demo(engine)
        yield schema


def _seed_demo(engine: Engine) -> None:
    from backend.seed.demo import seed_demo

    with Session(engine) as session:
        seed_demo(session)
        session.commit()


@contextmanager
def new_schema(schema: str, revision: str = "head") -> Iterator[Engine]:
    """A PostgreSQL schema migrated to `revision`, dropped (with its publication) on the way out."""
    admin = make_engine(POSTGRES_URL)

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"DROP PUBLICATION IF EXISTS powersync_{schema}"))

    drop()
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine = make_engine(POSTGRES_URL, schema=schema)
    try:
        upgrade(engine, revision)
        yield engine
    finally:
        engine.dispose()
        drop()
        admin.dispose()


def _refill(engine: Engine, source_schema: str | None) -> None:
    """Empties the tables of `engine`'s schema; then copies every row of `source_schema` (migrated alike) into them,
    or leaves them as the migrations did."""
    with engine.begin() as conn:
        # DELETE, children first, not TRUNCATE: a test leaves a few rows, and TRUNCATE's new files (synced to disk
        # at commit) cost ~0.4 s a test against ~0.02 s.
        for table in reversed(metadata.sorted_tables):
            conn.execute(text(f'DELETE FROM "{table.name}"'))
        if source_schema is None:
            conn.execute(text("INSERT INTO ps_counter (id, last_op_id) VALUES (1, 0)"))  # as migration 0002 left it
            return
        for table in metadata.sorted_tables:  # parents first: every foreign key finds its row
            conn.execute(text(f'INSERT INTO "{table.name}" SELECT * FROM {source_schema}."{table.name}"'))
        # The copied ids are taken: each serial column's sequence carries on after the largest.
        serials = conn.execute(text("SELECT table_name, column_name FROM information_schema.columns "
                                    "WHERE table_schema = current_schema() AND column_default LIKE 'nextval(%'"))
        for table_name, column in serials.all():
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table_name}\"', '{column}'), "
                              f'COALESCE(MAX("{column}"), 0) + 1, false) FROM "{table_name}"'))


def _database(request: pytest.FixtureRequest, tmp_path: Path, *, demo: bool) -> Iterator[Engine]:
    if request.param == "sqlite":
        path = tmp_path / "lotline.db"
        shutil.copy(request.getfixturevalue("sqlite_demo_template" if demo else "sqlite_template"), path)
        eng = make_engine(f"sqlite:///{path}")
        yield eng
        eng.dispose()
        return
    eng = request.getfixturevalue("postgres_engine")
    _refill(eng, request.getfixturevalue("postgres_demo_schema") if demo else None)
    yield eng


@pytest.fixture(params=DATABASES)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database at the head migration: a copy of a template on SQLite, a truncated schema on PostgreSQL."""
    yield from _database(request, tmp_path, demo=False)


@pytest.fixture(params=DATABASES)
def demo_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database holding the demo plant, seeded once per test process and copied for each test."""
    yield from _database(request, tmp_path, demo=True)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as s:
        yield s
        s.rollback()


@pytest.fixture
def plant(session: Session) -> Plant:
    return build_plant(session)


@pytest.fixture(scope="session")
def signing_keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One RSA signing key for the session (making one costs ~0.1 s); each test's data folder gets a copy."""
    folder = tmp_path_factory.mktemp("signing") / "keys"
    KeyRing(folder)
    return folder


@pytest.fixture
def settings(tmp_path: Path, signing_keys: Path) -> Settings:
    shutil.copytree(signing_keys, tmp_path / "data" / "keys")
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture
def client(engine: Engine, settings: Settings, plant: Plant) -> Iterator[TestClient]:
    app = create_app(settings, engine)
    with TestClient(app) as c:
        yield c


@pytest.fixture
def login(client: TestClient):  # type: ignore[no-untyped-def]
    """login("qa") → Authorization headers for that demo user."""
    cache: dict[str, dict[str, str]] = {}

    def _login(username: str) -> dict[str, str]:
        if username not in cache:
            r = client.post("/api/auth/login", json={"username": username, "password": f"{username}-pass-1"})
            assert r.status_code == 200, r.text
            cache[username] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        return cache[username]

    return _login


@pytest.fixture(scope="session")
def pwa_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The handheld's PWA, built once per run (about a minute) by the same code as `lotline build-app`. xdist's
    workers share it: the first builds it under a lock, the others then find it current."""
    from mobile.pwa import builder

    if shutil.which("npm") is None and not (builder.HERE / "node_modules" / "zxing-wasm").exists():
        pytest.skip("the PWA bundle needs npm (Debian nodejs/npm) for zxing-wasm")
    run = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        run = run.parent  # the run's folder, above each worker's own
    with (run / "pwa.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        return builder.ensure_bundle(run / "pwa" / "app", say=lambda _: None).path

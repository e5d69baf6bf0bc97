"""Fixtures: the same tests on SQLite and on PostgreSQL, a small plant, an HTTP client per role."""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

import sync.server.tables  # noqa: F401 - part of the metadata truncated between tests
from backend import hooks
from backend.app import bind, build_app
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
BULKY_ROWS = 2000  # a PostgreSQL table holding this many rows after a test is emptied by TRUNCATE, not DELETE


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """For xdist's `--dist loadgroup --no-loadscope-reorder` (./dev test): a module's tests run in one worker, so
    what the module builds once is built once; the browser tests all run in one worker (two Chromiums running the
    PWA at once starve each other on 2 cores), and go out first, then sync's slow modules, so no worker is left
    with minutes of them at the end."""
    first = ("tests/browser/", "tests/sync/")
    items.sort(key=lambda item: next((n for n, d in enumerate(first) if item.nodeid.startswith(d)), len(first)))
    for item in items:
        module = item.nodeid.split("::")[0]
        item.add_marker(pytest.mark.xdist_group("browser" if module.startswith(first[0]) else module))


def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This run's temporary folder, the same for every xdist worker (each also has its own, below it)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextmanager
def run_lock(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[Path]:
    """Holds the run's lock `name`, shared by xdist's workers, and gives the run's folder: the first worker builds
    something there for the whole run while the others wait, then find it built."""
    folder = run_folder(tmp_path_factory)
    with (folder / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        yield folder


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


Seed = Callable[[Engine], Any]  # fills a database migrated to head; what it returns goes with every copy


class Templates:
    """Databases seeded once per test process, one per seed function; a test gets a copy (of the file on SQLite, of
    the rows of a schema of this process's own on PostgreSQL) and what the seed returned."""

    def __init__(self, folder: Path, empty_sqlite: Path, schemas: ExitStack) -> None:
        self._folder, self._empty_sqlite, self._schemas = folder, empty_sqlite, schemas
        self._made: dict[tuple[str, Seed], tuple[Any, Any]] = {}

    def sqlite(self, seed: Seed) -> tuple[Path, Any]:
        if ("sqlite", seed) not in self._made:
            path = self._folder / f"seed-{len(self._made)}.db"
            shutil.copy(self._empty_sqlite, path)
            engine = make_engine(f"sqlite:///{path}")
            made = seed(engine)
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            engine.dispose()
            self._made["sqlite", seed] = (path, made)
        return self._made["sqlite", seed]

    def postgres(self, seed: Seed) -> tuple[str, Any]:
        if ("postgres", seed) not in self._made:
            schema = f"lotline_seed{len(self._made)}_{os.getpid()}"
            engine = self._schemas.enter_context(new_schema(schema))  # dropped when the session ends
            self._made["postgres", seed] = (schema, seed(engine))
        return self._made["postgres", seed]


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Templates]:
    with ExitStack() as schemas:
        yield Templates(tmp_path_factory.mktemp("templates"), sqlite_template, schemas)


def seed_demo_plant(engine: Engine) -> None:
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


SERIALS = """SELECT seq.oid::regclass::text, tab.relname, col.attname FROM pg_depend dep
JOIN pg_class seq ON seq.oid = dep.objid AND seq.relkind = 'S'
JOIN pg_class tab ON tab.oid = dep.refobjid
JOIN pg_attribute col ON col.attrelid = tab.oid AND col.attnum = dep.refobjsubid
WHERE tab.relnamespace = current_schema()::regnamespace AND dep.deptype IN ('a', 'i')"""


def _refill(engine: Engine, source_schema: str | None) -> None:
    """Empties the tables of `engine`'s schema; then copies every row of `source_schema` (migrated alike) into them,
    or leaves them as the migrations did."""
    tables = [f'"{t.name}"' for t in metadata.sorted_tables]
    with engine.begin() as conn:
        # Most tests leave a few rows: DELETE them (~0.02 s), children first. TRUNCATE makes new files, synced to disk
        # at commit (~0.4 s), so only after a test that left thousands of rows (DELETE would check each one's keys).
        sizes = " UNION ALL ".join(f"SELECT COUNT(*) FROM (SELECT 1 FROM {t} LIMIT {BULKY_ROWS}) AS t" for t in tables)
        if conn.execute(text(f"SELECT MAX(count) FROM ({sizes}) AS sizes")).scalar_one() >= BULKY_ROWS:
            conn.execute(text(f"TRUNCATE {', '.join(tables)}"))
        else:
            for table in reversed(tables):
                conn.execute(text(f"DELETE FROM {table}"))
        if source_schema is None:
            conn.execute(text("INSERT INTO ps_counter (id, last_op_id) VALUES (1, 0)"))  # as migration 0002 left it
            return
        if conn.execute(text("SHOW is_superuser")).scalar_one() == "on":
            # The rows were consistent where they came from: no foreign key checks, one per row (3x faster).
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        for table in tables:  # parents first, should the keys be checked
            conn.execute(text(f"INSERT INTO {table} SELECT * FROM {source_schema}.{table}"))
        # The copied ids are taken: each serial column's sequence carries on after the largest. (Catalog tables
        # only: information_schema.columns would lock the tables of other workers' schemas, and deadlock with them.)
        for sequence, table, column in conn.execute(text(SERIALS)).all():
            conn.execute(text(f'SELECT setval(:sequence, COALESCE(MAX("{column}"), 0) + 1, false) FROM "{table}"'),
                         {"sequence": sequence})


@contextmanager
def database(request: pytest.FixtureRequest, tmp_path: Path, seed: Seed | None = None) -> Iterator[tuple[Engine, Any]]:
    """A database of the kind `request.param` names ("sqlite" or "postgres"): empty at the head migration, or
    holding what `seed` made (once per test process: see Templates); with what the seed returned."""
    if request.param == "sqlite":
        source, made = request.getfixturevalue("templates").sqlite(seed) if seed else \
            (request.getfixturevalue("sqlite_template"), None)
        path = tmp_path / "lotline.db"
        shutil.copy(source, path)
        eng = make_engine(f"sqlite:///{path}")
        try:
            yield eng, made
        finally:
            eng.dispose()
        return
    eng = request.getfixturevalue("postgres_engine")
    schema, made = request.getfixturevalue("templates").postgres(seed) if seed else (None, None)
    _refill(eng, schema)
    yield eng, made


@pytest.fixture(params=DATABASES)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database at the head migration: a copy of a template on SQLite, an emptied schema on PostgreSQL."""
    with database(request, tmp_path) as (eng, _):
        yield eng


@pytest.fixture(params=DATABASES)
def demo_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database holding the demo plant (backend/seed/demo.py), seeded once per test process, copied for each test."""
    with database(request, tmp_path, seed_demo_plant) as (eng, _):
        yield eng


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


@pytest.fixture(scope="session")
def app_shell() -> Litestar:
    """The app's routes, built once per test process (each build costs ~0.2 s of CPU); `client` binds it to the
    test's own database, settings and runtimes, as `create_app` does."""
    return build_app()


@pytest.fixture
def client(engine: Engine, settings: Settings, plant: Plant, app_shell: Litestar) -> Iterator[TestClient]:
    with TestClient(bind(app_shell, settings, engine)) as c:
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
    """The handheld's PWA, built once per run (10-60 s) by the same code as `lotline build-app`, for every worker."""
    from mobile.pwa import builder

    if shutil.which("npm") is None and not (builder.HERE / "node_modules" / "zxing-wasm").exists():
        pytest.skip("the PWA bundle needs npm (Debian nodejs/npm) for zxing-wasm")
    with run_lock(tmp_path_factory, "pwa") as run:
        return builder.ensure_bundle(run / "pwa" / "app", say=lambda _: None).path

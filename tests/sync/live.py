"""The real app on a real socket for client tests: uvicorn in a thread, stoppable and restartable on one port."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
import uvicorn
from litestar import Litestar
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from backend.app import create_app
from backend.auth.models import User
from backend.auth.service import principal_of
from backend.config import Settings
from backend.sync.policy import SYNCED, LotlinePolicy, buckets_of
from backend.tables import metadata
from shared_models.trace import Event
from sync.client import Backoff, HttpConnector, LocalStore, SyncClient, SyncUnavailable
from sync.client.upload import WRITE_NEEDED
from sync.protocol import canonical_json
from sync.server.stream import StreamOptions
from tests.aio import Run, run_fixture  # noqa: F401 - `handheld` runs on the test's loop
from tests.factories import Plant, at, build_plant


def _slow() -> pytest.MarkDecorator:
    """`pytest.mark.slow` once pyproject.toml registers the marker (the run uses --strict-markers); until then
    a slow test runs only with LOTLINE_SLOW_TESTS=1."""
    with open(Path(__file__).resolve().parents[2] / "pyproject.toml", "rb") as f:
        markers = tomllib.load(f).get("tool", {}).get("pytest", {}).get("ini_options", {}).get("markers", [])
    if any(m.split(":")[0].strip() == "slow" for m in markers):
        return pytest.mark.slow
    return pytest.mark.skipif(os.environ.get("LOTLINE_SLOW_TESTS") != "1",
                              reason="slow (over a minute): set LOTLINE_SLOW_TESTS=1, or register the 'slow' marker")


slow = _slow()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bind(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


class LiveServer:
    """`create_app(settings, engine, stream_options)` served by uvicorn on 127.0.0.1; `stop(force=True)` drops
    connections with requests in flight, as a crash of the web process would (a worker thread already applying
    an upload goes on to its end: each chunk of its ops commits on its own)."""

    def __init__(self, engine: Engine, settings: Settings, stream_options: StreamOptions | None = None,
                 port: int | None = None, app_factory: Callable[[], Litestar] | None = None) -> None:
        self.engine = engine
        self.port = port or free_port()
        self.app_factory = app_factory or (lambda: create_app(settings, engine,
                                                              stream_options=stream_options or StreamOptions()))
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LiveServer:
        config = uvicorn.Config(self.app_factory(), log_level="warning", access_log=False, lifespan="on",
                                timeout_graceful_shutdown=1, timeout_keep_alive=30)
        self._server = uvicorn.Server(config)
        self._sock = bind(self.port)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True,
                                        name=f"uvicorn-{self.port}")
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def stop(self, *, force: bool = False) -> None:
        if self._server is None or self._thread is None:
            return
        self._server.should_exit = True
        self._server.force_exit = force
        self._thread.join(timeout=15)
        if self._sock is not None:
            self._sock.close()
        self._server = self._thread = self._sock = None

    def restart(self, *, force: bool = False, down_s: float = 0.0) -> None:
        self.stop(force=force)
        time.sleep(down_s)
        self.start()

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


# -- what both ends hold -------------------------------------------------------------------------------------------


def server_rows_for(engine: Engine, username: str) -> dict[str, dict[str, dict[str, Any]]]:
    """The rows the server's domain tables put in this user's buckets, as the stream would spell them."""
    policy = LotlinePolicy()
    found: dict[str, dict[str, dict[str, Any]]] = {}
    with Session(engine) as session:
        user = session.exec(select(User).where(User.username == username)).one()
        names = set(buckets_of(session, principal_of(user)))
        conn = session.connection()
        for model, kind in SYNCED.items():
            for obj in session.exec(select(model)):
                data = policy.row_data(obj)
                if policy.buckets_for(conn, kind, [data])[0] & names:
                    found.setdefault(kind, {})[obj.id] = json.loads(canonical_json(data))
    return found


def client_rows(store: LocalStore) -> dict[str, dict[str, dict[str, Any]]]:
    """What the handheld shows, table by table (local writes over the server's rows)."""
    return {kind: {row["id"]: row for row in store.query(kind)} for kind in store.tables()}


def events_on_server(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(Event.id)))


def reset_database(engine: Engine) -> Plant:
    """Empties every table (as the `engine` fixture leaves them) and builds the test plant again."""
    tables = [t.name for t in metadata.sorted_tables]
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))
        else:
            for name in reversed(tables):
                conn.execute(text(f'DELETE FROM "{name}"'))
        conn.execute(text("INSERT INTO ps_counter (id, last_op_id) VALUES (1, 0)"))
    with Session(engine, expire_on_commit=False) as session:
        return build_plant(session)


def command(kind: str, minute: int = 0, **fields: Any) -> tuple[str, dict[str, Any]]:
    """An event command as the handheld queues it: (event UUID, data with its kind)."""
    return str(uuid4()), {"kind": kind, "occurred_at": at(minute), **fields}


def receive(lot: str, qty: float = 10, minute: int = 0, location: str = "S1-A-01",
            item: str = "PCB-01") -> tuple[str, dict[str, Any]]:
    return command("receive", minute, supplier="SUP-B", item=item, lot_no=lot, qty=qty, location=location)


async def sync_until_quiet(client: SyncClient, *, attempts: int = 40) -> int:
    """sync_once until a pass uploads nothing, applies its checkpoint and raises nothing; returns the failures.
    Between failed passes it waits as the handheld's own loop does (the client's backoff)."""
    failures = 0
    for _ in range(attempts):
        try:
            report = await client.sync_once()
        except SyncUnavailable:
            failures += 1
            await client.backoff.wait(client.backoff.delay(failures))
            continue
        if report.applied and client.store.pending_count() == 0 and not client.store.kv_get(WRITE_NEEDED):
            return failures
    raise AssertionError(f"no quiet sync in {attempts} attempts: {client.status()}")


# -- fixtures: `from tests.sync.live import handheld_fixture, live_fixture` brings in `live` and `handheld` ---------


@pytest.fixture(name="live")
def live_fixture(engine: Engine, settings: Settings, plant: Plant) -> Iterator[LiveServer]:
    """The app on a socket; each stream ends after its first complete checkpoint, in pages of 50 ops."""
    with LiveServer(engine, settings, StreamOptions(once=True, batch_size=50)) as server:
        yield server


@pytest.fixture(name="handheld")
def handheld_fixture(live: LiveServer, tmp_path: Path, run: Run[Any]) -> Iterator[Callable[..., SyncClient]]:
    """handheld("picker") → a SyncClient on its own local file, logged in as that demo user; its calls go to the
    test's one event loop (`run`)."""
    made: list[SyncClient] = []
    logins: dict[tuple[str, str], HttpConnector] = {}  # one login per user and server: a password hash is slow

    def make(username: str = "picker", *, name: str | None = None, url: str | None = None,
             **options: Any) -> SyncClient:
        store = LocalStore(tmp_path / f"{name or username}.db")
        options.setdefault("backoff", Backoff(base_s=0.01, max_s=0.2))
        key = (url or live.url, username)
        connector = logins.setdefault(key, HttpConnector(key[0], username, f"{username}-pass-1"))
        client = SyncClient(store, connector, **options)
        made.append(client)
        return client

    yield make
    for client in made:
        run(client.aclose())
    for connector in logins.values():
        run(connector.transport.aclose())

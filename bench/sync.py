"""Sync benchmark: the real server (uvicorn in its own process, loopback) and the sync client.

Run: .venv/bin/python bench/sync.py [--db sqlite|postgres] [--events 10000] [--rows 50000] [--clients 20]
     [--profile]. Prints figures beside their targets and writes bench/results/sync.json (one entry per database).
Figures only: nothing here asserts on time. Each scenario gets a fresh database (SQLite in a temp dir, or the
PostgreSQL schema lotline_bench_sync) with the test plant in it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import gc
import json
import os
import platform
import pstats
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from backend.config import UPLOAD_CHUNK_OPS  # noqa: E402
from backend.db import make_engine  # noqa: E402
from backend.migrate import upgrade  # noqa: E402
from backend.sync.runtime import install_recorder  # noqa: E402
from sync.client import Backoff, HttpConnector, LocalStore, SyncClient, SyncError  # noqa: E402
from sync.protocol import canonical_json, put_checksum  # noqa: E402
from sync.server.oplog import append_ops  # noqa: E402
from tests.factories import at, build_plant  # noqa: E402

SCHEMA = "lotline_bench_sync"
ERROR_LINE = re.compile(r"^[a-z_.]*\.?[A-Z]\w*(Error|Exception|Expired|Violation): ")
TARGETS = {"ack_10k_s": 10.0, "upload_events_per_s": 5000.0, "download_50k_s": 10.0, "download_rows_per_s": 20_000.0}
FLEET_TARGET = {"sqlite": 5000.0, "postgres": 4000.0}  # events/s, 4 handhelds at once (issue 15)


def receive(n: int, prefix: str) -> tuple[str, dict[str, Any]]:
    return str(uuid.uuid4()), {"kind": "receive", "occurred_at": at(n % 1000), "supplier": "SUP-B", "item": "PCB-01",
                               "lot_no": f"{prefix}{n:06d}", "qty": 1 + n % 9, "location": "S1-A-01"}


class Database:
    """A fresh database per scenario, its plant built and ops recorded as the app does."""

    def __init__(self, kind: str, workdir: Path, pg_url: str) -> None:
        self.kind, self.workdir, self.pg_url = kind, workdir, pg_url
        self.count = 0

    def fresh(self) -> tuple[Engine, str]:
        self.count += 1
        if self.kind == "sqlite":
            url = f"sqlite:///{self.workdir / f'server-{self.count}.db'}"
            engine = make_engine(url)
        else:
            url = self.pg_url
            admin = make_engine(url)
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
                conn.execute(text(f"DROP PUBLICATION IF EXISTS powersync_{SCHEMA}"))
                conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
            admin.dispose()
            engine = make_engine(url, schema=SCHEMA)
        upgrade(engine)
        with Session(engine, expire_on_commit=False) as session:
            build_plant(session)
        return engine, url


class Server:
    """`bench/sync.py serve` in a subprocess: the server gets a core of its own, as it would in production."""

    def __init__(self, url: str, schema: str | None, workdir: Path, *, without_hooks: bool = False,
                 chunk_ops: int | None = None) -> None:
        self.port = _free_port()
        cmd = [sys.executable, __file__, "serve", "--url", url, "--port", str(self.port), "--data-dir",
               str(workdir / "data"), *(["--without-hooks"] if without_hooks else []),
               *(["--chunk-ops", str(chunk_ops)] if chunk_ops else [])]
        self.log = workdir / f"server-{self.port}.log"
        with self.log.open("w") as log:
            self.proc = subprocess.Popen([*cmd, *(["--schema", schema] if schema else [])], cwd=ROOT, stdout=log,
                                         stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/health").status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def errors(self) -> dict[str, int]:
        """The exceptions the server logged, by type and first words of the message."""
        found: Counter[str] = Counter()
        for line in self.log.read_text(errors="replace").splitlines():
            if ERROR_LINE.match(line):
                found[line[:110]] += 1
        return dict(found.most_common(6))

    def cpu_s(self) -> float:
        """CPU seconds the server process used so far (Linux): a figure the machine's load doesn't inflate."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:  # stuck (e.g. waiting on its connection pool): don't wait for it
            self.proc.kill()
            self.proc.wait(timeout=15)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(args: argparse.Namespace) -> None:
    import uvicorn

    from backend.app import create_app, settle_heap
    from backend.config import Settings
    from sync.server.stream import StreamOptions

    parent = os.getppid()

    def orphaned() -> None:  # the bench was killed: don't outlive it
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=orphaned, daemon=True).start()
    engine = make_engine(args.url, schema=args.schema)
    chunk = {"upload_chunk_ops": args.chunk_ops} if args.chunk_ops else {}
    settings = Settings(data_dir=Path(args.data_dir), **chunk)
    app = create_app(settings, engine, stream_options=StreamOptions(once=True))
    if args.without_hooks:  # diagnosis only: no after-commit listeners (the warning rules' fast path)
        from backend import hooks

        app.on_startup.append(lambda _app: hooks._listeners.clear())  # after the startups that add them
    settle_heap()  # as `lotline serve` does
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


def handheld(workdir: Path, server: Server, name: str, **options: Any) -> SyncClient:
    store = LocalStore(workdir / f"{name}-{uuid.uuid4().hex[:6]}.db")
    return SyncClient(store, HttpConnector(server.url, "picker", "picker-pass-1"), **options)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


T = TypeVar("T")
_LOOP = asyncio.Runner()  # the handhelds' one event loop: what a client holds (httpx's pool) belongs to it


def wait(awaitable: Awaitable[T]) -> T:
    """Runs the sync client's coroutine on the handhelds' loop."""
    async def awaited() -> T:
        return await awaitable

    return _LOOP.run(awaited())


# -- scenarios ---------------------------------------------------------------------------------------------------------


def upload_scenario(db: Database, workdir: Path, events: int, chunk_ops: int | None = None) -> dict[str, Any]:
    """One handheld with `events` receives queued offline uploads them (batches of 1,000) to a fresh server."""
    engine, url = db.fresh()
    server = Server(url, SCHEMA if db.kind == "postgres" else None, workdir, chunk_ops=chunk_ops)
    try:
        client = handheld(workdir, server, "offline", batch_size=1000)
        wait(client.sync_once())
        record_s, _ = timed(lambda: client.store.record_many(
            [("event_command", *receive(n, "U"), "PUT") for n in range(events)]))
        batches: list[float] = []
        post_json = client.transport.post_json

        async def timed_post(url: str, body: dict[str, Any], token: str | None = None) -> Any:
            start = time.perf_counter()
            answer = await post_json(url, body, token)
            batches.append(time.perf_counter() - start)
            return answer

        client.transport.post_json = timed_post  # type: ignore[method-assign]
        cpu_before = server.cpu_s()
        ack_s, report = timed(lambda: wait(client.upload()))
        server_cpu_s = server.cpu_s() - cpu_before
        assert report.applied == events, report
        server_errors = server.errors()
    finally:
        server.stop()
        engine.dispose()
    return {"events": events, "record_local_s": record_s, "ack_s": ack_s, "server_cpu_s": server_cpu_s,
            "batch_s": batches, "server_errors": server_errors}


def upload_runs(db: Database, workdir: Path, events: int, runs: int) -> dict[str, Any]:
    done = [upload_scenario(db, workdir, events) for _ in range(runs)]
    acks = sorted(r["ack_s"] for r in done)
    cpu = statistics.median(r["server_cpu_s"] for r in done) / events
    batch_s = sorted(b for r in done for b in r["batch_s"][1:])  # the first batch of a run also warms the server
    return {"events": events, "runs": runs, "ack_s": acks, "ack_s_median": statistics.median(acks),
            "events_per_s": events / statistics.median(acks), "server_cpu_ms_per_event": cpu * 1000,
            "events_per_server_cpu_s": 1 / cpu, "record_local_s": statistics.median(r["record_local_s"] for r in done),
            "batch_ms_p50": 1000 * percentile(batch_s, 50), "batch_ms_p95": 1000 * percentile(batch_s, 95),
            "server_errors": {k: v for r in done for k, v in r["server_errors"].items()}}


def fleet_upload(db: Database, workdir: Path, handhelds: int, events_each: int) -> dict[str, Any]:
    """Sustained load: `handhelds` handhelds flush their offline queues at once (batches of 1,000), so the server
    is never idle while one of them settles its verdicts; events/s over them all, until the last is acknowledged."""
    engine, url = db.fresh()
    server = Server(url, SCHEMA if db.kind == "postgres" else None, workdir)
    try:
        fleet = [handheld(workdir, server, f"f{i}", batch_size=1000) for i in range(handhelds)]
        for i, client in enumerate(fleet):
            wait(client.sync_once())
            client.store.record_many([("event_command", *receive(n, f"F{i:02d}-"), "PUT")
                                      for n in range(events_each)])

        async def flush_all() -> list[Any]:  # every handheld's upload at once, on the one loop
            return list(await asyncio.gather(*(c.upload() for c in fleet)))

        cpu_before = server.cpu_s()
        start = time.perf_counter()
        reports = wait(flush_all())
        total_s = time.perf_counter() - start
        server_cpu_s = server.cpu_s() - cpu_before
        applied = sum(r.applied for r in reports)
        assert applied == handhelds * events_each, reports
        server_errors = server.errors()
    finally:
        server.stop()
        engine.dispose()
    return {"handhelds": handhelds, "events": applied, "total_s": total_s, "events_per_s": applied / total_s,
            "server_cpu_ms_per_event": 1000 * server_cpu_s / applied, "server_errors": server_errors}


def fleet_runs(db: Database, workdir: Path, handhelds: int, events_each: int, runs: int) -> dict[str, Any]:
    done = sorted((fleet_upload(db, workdir, handhelds, events_each) for _ in range(runs)),
                  key=lambda r: r["events_per_s"])
    middle = done[len(done) // 2]
    return {**middle, "runs": runs, "events_per_s_all": [r["events_per_s"] for r in done]}


def chunk_sweep(db: Database, workdir: Path, events: int, sizes: list[int]) -> list[dict[str, Any]]:
    """The upload again with each chunk size (ops per transaction): throughput against how long one chunk holds
    the write lock (a 1,000-event batch's time over its chunks), which other writers wait out."""
    rows = []
    for size in sizes:
        run = upload_scenario(db, workdir, events, chunk_ops=size)
        batch_s = sorted(run["batch_s"][1:])
        chunks_per_batch = -(-1000 // size)
        rows.append({"chunk_ops": size, "events_per_s": events / run["ack_s"],
                     "server_cpu_ms_per_event": 1000 * run["server_cpu_s"] / events,
                     "lock_ms_p95": 1000 * percentile(batch_s, 95) / chunks_per_batch})
    return rows


def baselines(db: Database, workdir: Path, events: int) -> dict[str, Any]:
    """The same receives one op per request (batch of 1) and one REST call each, against one server."""
    engine, url = db.fresh()
    server = Server(url, SCHEMA if db.kind == "postgres" else None, workdir)
    try:
        one_by_one = handheld(workdir, server, "batch-of-1", batch_size=1)
        one_by_one.store.record_many([("event_command", *receive(n, "O"), "PUT") for n in range(events)])
        one_s, _ = timed(lambda: wait(one_by_one.upload()))
        rest_s = rest_baseline(server, events)
    finally:
        server.stop()
        engine.dispose()
    return {"events": events, "batch_of_1_events_per_s": events / one_s,
            "rest_one_by_one_events_per_s": events / rest_s}


def apply_compare(db: Database, events: int) -> dict[str, Any]:
    """In this process, on fresh databases: one upload of `events` receives applied in chunks (posting) against the
    same applied op by op, each op in its own transaction (what every op took before chunks)."""
    from backend.sync.service import UploadApplier

    def op_by_op(applier: UploadApplier, batch: list[Any]) -> None:
        for entry in batch:
            applier.apply_one(entry)

    times = {}
    for way in ("op_by_op", "chunked"):
        engine, _ = db.fresh()
        applier = UploadApplier(engine, principal(engine, "picker"), "bench")
        batch = crud_batch(events, way[:2].upper())
        with settled_heap():
            cpu_start, wall_start = time.process_time(), time.perf_counter()
            if way == "chunked":
                applier.apply(batch)
            else:
                op_by_op(applier, batch)
        times[way] = time.perf_counter() - wall_start
        times[f"{way}_cpu"] = time.process_time() - cpu_start
        engine.dispose()
    return {"events": events, **{f"{k}_ms_per_event": 1000 * v / events for k, v in times.items()},
            "speedup": times["op_by_op"] / times["chunked"]}


def principal(engine: Engine, username: str) -> Any:
    from backend.auth.models import User
    from backend.auth.service import principal_of

    with Session(engine) as session:
        return principal_of(session.exec(select(User).where(User.username == username)).one())


def crud_batch(events: int, prefix: str) -> list[Any]:
    from sync.protocol import CrudEntry

    return [CrudEntry.from_wire({"op_id": n + 1, "op": "PUT", "type": "event_command", "id": i, "data": d}, n)
            for n, (i, d) in enumerate(receive(n, prefix) for n in range(events))]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else float("nan")


def rest_baseline(server: Server, events: int) -> float:
    with httpx.Client(base_url=server.url, timeout=60) as http:
        token = http.post("/api/auth/login", json={"username": "picker", "password": "picker-pass-1"}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        start = time.perf_counter()
        for n in range(events):
            event_id, data = receive(n, "REST")
            data.pop("kind")
            http.post("/api/events/receive", json={"id": event_id, **data}, headers=headers).raise_for_status()
        return time.perf_counter() - start


def download_scenario(db: Database, workdir: Path, rows: int) -> dict[str, Any]:
    engine, url = db.fresh()
    with Session(engine) as session:
        from shared_models.masterdata import Site

        site_id = session.exec(select(Site.id).where(Site.code == "S1")).one()
    bucket = f'site["{site_id}"]'
    seed_s, _ = timed(lambda: seed_rows(engine, bucket, site_id, rows))
    server = Server(url, SCHEMA if db.kind == "postgres" else None, workdir)
    try:
        client = handheld(workdir, server, "fresh")
        wait(client.connector.fetch_credentials())  # the login is not the download
        applying = [0.0]
        feed = client.downloader.feed

        def timed_feed(line: dict[str, Any], report: Any) -> Any:
            start = time.perf_counter()
            try:
                return feed(line, report)
            finally:
                applying[0] += time.perf_counter() - start

        client.downloader.feed = timed_feed  # type: ignore[method-assign]
        cpu_before = server.cpu_s()
        total_s, report = timed(lambda: wait(client.sync_once()))
        server_cpu_s = server.cpu_s() - cpu_before
        assert report.applied and client.status().resyncs == 0
        stored = client.store.db.execute("SELECT count(*) FROM rows").fetchone()[0]
    finally:
        server.stop()
        engine.dispose()
    return {"rows": stored, "seed_s": seed_s, "download_s": total_s, "client_apply_s": applying[0],
            "server_cpu_s": server_cpu_s,
            "rows_per_s": stored / total_s}


def seed_rows(engine: Engine, bucket: str, site_id: str, rows: int) -> None:
    with engine.begin() as conn:
        for start in range(0, rows, 5000):
            planned = []
            for n in range(start, min(rows, start + 5000)):
                oid = str(uuid.uuid4())
                data = canonical_json({"id": oid, "code": f"BENCH/{n:06d}", "kind": "lot", "site_id": site_id,
                                       "status": "released", "lot_no": f"{n:06d}", "uom": "pcs", "version": 1})
                planned.append({"bucket": bucket, "op": "PUT", "object_type": "unit", "object_id": oid, "data": data,
                                "checksum": put_checksum("unit", oid, data)})
            append_ops(conn, planned)


def clients_scenario(db: Database, workdir: Path, clients: int, events_each: int, deadline_s: float = 300.0,
                     without_hooks: bool = False) -> dict[str, Any]:
    engine, url = db.fresh()
    server = Server(url, SCHEMA if db.kind == "postgres" else None, workdir, without_hooks=without_hooks)
    try:
        made = [handheld(workdir, server, f"c{i}", backoff=Backoff(base_s=0.2, max_s=5.0, max_attempts=4))
                for i in range(clients)]
        for i, client in enumerate(made):
            wait(client.connector.fetch_credentials())
            client.store.record_many([("event_command", *receive(n, f"C{i:02d}-"), "PUT") for n in range(events_each)])
        times: list[float] = []
        failures: list[str] = []

        deadline = time.monotonic() + deadline_s

        async def run(client: SyncClient) -> None:
            start = time.perf_counter()
            while time.monotonic() < deadline:  # until a pass goes through; each failure is counted and shown
                try:
                    await client.sync_once()
                    break
                except SyncError as exc:
                    failures.append(f"{type(exc).__name__}: {str(exc)[:80]}")
            times.append(time.perf_counter() - start)

        async def run_all() -> None:  # every client at once, on the handhelds' one loop
            await asyncio.gather(*(run(c) for c in made))

        cpu_before = server.cpu_s()
        total_s, _ = timed(lambda: wait(run_all()))
        server_cpu_s = server.cpu_s() - cpu_before
        unsynced = sum(c.store.pending_count() > 0 for c in made)
        server_errors = server.errors()
    finally:
        server.stop()
        engine.dispose()
    times.sort()
    return {"clients": clients, "events_each": events_each, "total_s": total_s, "server_cpu_s": server_cpu_s,
            "failed_passes": len(failures), "failures": sorted(set(failures))[:5], "clients_left_unsynced": unsynced,
            "server_errors": server_errors,
            "p50_s": statistics.median(times),
            "p95_s": times[min(len(times) - 1, int(0.95 * len(times)))]}


@contextlib.contextmanager
def settled_heap() -> Any:
    """What this process made so far out of the collector's sight while measuring in it, as the server's start-up
    heap is (backend.app.settle_heap): else a full collection of the bench's own leftovers lands on whatever
    function allocates at that moment."""
    from backend.app import settle_heap

    settle_heap()
    try:
        yield
    finally:
        gc.unfreeze()


def profile_apply(db: Database, events: int) -> dict[str, Any]:
    """Where the server's upload time goes: UploadApplier.apply in-process under cProfile, by phase and function."""
    from backend.sync.service import UploadApplier

    engine, _ = db.fresh()
    profiler = cProfile.Profile()
    applier, batch = UploadApplier(engine, principal(engine, "picker"), "bench"), crud_batch(events, "P")
    with settled_heap():
        profiler.runcall(applier.apply, batch)
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = max(ct for (_f, _l, _n), (_cc, _nc, _tt, ct, _c) in stats.items())
    mine = {f"{Path(f).relative_to(ROOT)}:{name}": ct / total for (f, _l, name), (_cc, _nc, _tt, ct, _c)
            in stats.items() if f.startswith(str(ROOT)) and ".venv" not in f}
    phases = {"decide (posting rules)": "backend/warehouse/posting.py:_decide",
              "write domain rows": "backend/warehouse/posting.py:_write",
              "op log": "sync/server/oplog.py:write_held", "commit": "backend/db.py:commit"}
    engine.dispose()
    return {"phases": {label: mine.get(key, 0.0) for label, key in phases.items()},
            "functions": sorted(mine.items(), key=lambda x: -x[1])[:14]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command")
    srv = sub.add_parser("serve")
    srv.add_argument("--url", required=True)
    srv.add_argument("--port", type=int, required=True)
    srv.add_argument("--data-dir", required=True)
    srv.add_argument("--schema")
    srv.add_argument("--without-hooks", action="store_true")
    srv.add_argument("--chunk-ops", type=int)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--pg-url", default=os.environ.get("LOTLINE_TEST_POSTGRES_URL",
                                                           "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--baseline-events", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=3, help="upload runs (each on a fresh database and server)")
    parser.add_argument("--fleet", type=int, default=4, help="handhelds flushing at once, for the sustained figure")
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--client-events", type=int, default=50)
    parser.add_argument("--only", default="upload,chunks,download,clients",
                        help="comma-separated scenarios to run; `upload` is single, fleet, apply and baselines")
    parser.add_argument("--chunk-sizes", default="200,500,1000,2000", help="ops per transaction, for `chunks`")
    parser.add_argument("--profile", action="store_true", help="also profile the server's upload apply")
    parser.add_argument("--diagnose-hooks", action="store_true",
                        help="also run the concurrent clients against a server without after-commit listeners")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "sync.json")
    args = parser.parse_args()
    if args.command == "serve":
        serve(args)
        return
    install_recorder()
    with tempfile.TemporaryDirectory(prefix="lotline-bench-sync-") as tmp:
        workdir = Path(tmp)
        db = Database(args.db, workdir, args.pg_url)
        print(f"sync bench on {args.db}, {os.cpu_count()} cpus, load {os.getloadavg()[0]:.1f}", flush=True)
        only = set(args.only.split(","))
        result: dict[str, Any] = {"db": args.db, "cpus": os.cpu_count(), "load_1m": os.getloadavg()[0],
                                  "python": platform.python_version(),
                                  "targets": {**TARGETS, "fleet_events_per_s": FLEET_TARGET[args.db]}}
        if only & {"upload", "single"}:
            result["upload"] = up = upload_runs(db, workdir, args.events, args.runs)
            print(f"{up['events']:,} queued offline events acknowledged in {up['ack_s_median']:.1f} s, median of "
                  f"{up['runs']} (min {up['ack_s'][0]:.1f}, max {up['ack_s'][-1]:.1f}; target < "
                  f"{TARGETS['ack_10k_s']:.0f} s); queued locally in {up['record_local_s']:.2f} s", flush=True)
            print(f"upload throughput {up['events_per_s']:,.0f} events/s (target >= "
                  f"{TARGETS['upload_events_per_s']:,.0f}); server CPU {up['server_cpu_ms_per_event']:.2f} ms per "
                  f"event ({up['events_per_server_cpu_s']:,.0f} events per server CPU second); 1,000-event batch "
                  f"answered in p50 {up['batch_ms_p50']:.0f} ms, p95 {up['batch_ms_p95']:.0f} ms", flush=True)
        if only & {"upload", "fleet"}:
            each = args.events // args.fleet
            result["fleet"] = fleet = fleet_runs(db, workdir, args.fleet, each, args.runs)
            print(f"sustained: {fleet['handhelds']} handhelds flushing {each:,} queued events each at once, "
                  f"{fleet['events_per_s']:,.0f} events/s, median of {fleet['runs']} (min "
                  f"{fleet['events_per_s_all'][0]:,.0f}, max {fleet['events_per_s_all'][-1]:,.0f}; target >= "
                  f"{FLEET_TARGET[args.db]:,.0f}); server CPU {fleet['server_cpu_ms_per_event']:.3f} ms per event "
                  f"({1000 / fleet['server_cpu_ms_per_event']:,.0f} events per server CPU second)", flush=True)
        if only & {"upload", "apply"}:
            result["apply"] = ap = apply_compare(db, args.baseline_events)
            print(f"in this process, {ap['events']:,} receives: chunked {ap['chunked_ms_per_event']:.2f} ms/event vs "
                  f"op by op {ap['op_by_op_ms_per_event']:.2f} ms/event ({ap['speedup']:.1f}x)", flush=True)
        if only & {"upload", "baselines"}:
            result["baselines"] = base = baselines(db, workdir, args.baseline_events)
            print(f"baselines on {base['events']:,} events: batch of 1 {base['batch_of_1_events_per_s']:,.0f}/s, "
                  f"REST one by one {base['rest_one_by_one_events_per_s']:,.0f}/s", flush=True)
        if "chunks" in only:
            sizes = [int(x) for x in args.chunk_sizes.split(",")]
            result["chunks"] = sweep = chunk_sweep(db, workdir, args.events, sizes)
            print(f"by chunk size (ops per transaction; default {UPLOAD_CHUNK_OPS}), {args.events:,} events, one run "
                  "each: " + "; ".join(f"{r['chunk_ops']}: {r['events_per_s']:,.0f} events/s, write lock held "
                                       f"p95 {r['lock_ms_p95']:.0f} ms" for r in sweep), flush=True)
        if "download" in only:
            result["download"] = down = download_scenario(db, workdir, args.rows)
            print(f"initial download of {down['rows']:,} rows in {down['download_s']:.1f} s, "
                  f"{down['rows_per_s']:,.0f} rows/s (target >= {TARGETS['download_rows_per_s']:,.0f}); client-side "
                  f"apply {down['client_apply_s']:.1f} s, server CPU {down['server_cpu_s']:.1f} s", flush=True)
        if "clients" in only:
            result["clients"] = many = clients_scenario(db, workdir, args.clients, args.client_events)
            print(f"{many['clients']} concurrent clients ({many['events_each']} events each, then their download): "
                  f"total {many['total_s']:.1f} s (server CPU {many['server_cpu_s']:.1f} s), per client p50 "
                  f"{many['p50_s']:.1f} s, p95 {many['p95_s']:.1f} s; failed passes {many['failed_passes']}, clients "
                  f"left unsynced {many['clients_left_unsynced']}", flush=True)
        if args.diagnose_hooks:
            result["clients_without_hooks"] = bare = clients_scenario(db, workdir, args.clients, args.client_events,
                                                                      without_hooks=True)
            print(f"  diagnosis, same without after-commit listeners: total {bare['total_s']:.1f} s, p50 "
                  f"{bare['p50_s']:.1f} s, p95 {bare['p95_s']:.1f} s, failed passes {bare['failed_passes']}",
                  flush=True)
        for scenario in ("upload", "fleet", "clients"):
            for line, count in result.get(scenario, {}).get("server_errors", {}).items():
                print(f"  server logged during {scenario}, {count}x: {line}")
        if args.profile:
            result["profile_apply"] = prof = profile_apply(db, min(args.events, 4000))
            print("server upload apply, share of time by phase: " + ", ".join(
                f"{label} {share:.0%}" for label, share in prof["phases"].items()))
            print("and by project function (cumulative):")
            for name, share in prof["functions"]:
                print(f"  {share:6.1%}  {name}")
    existing = json.loads(args.out.read_text()) if args.out.exists() else {}
    existing[args.db] = {**existing.get(args.db, {}), **result}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(existing, indent=2) + "\n")


if __name__ == "__main__":
    main()

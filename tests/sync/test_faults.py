"""Fault injection on loopback: a faulty network between handheld and server, handhelds killed with -9, a backend
restarted mid-batch, and a volume run. Each test checks that no event was lost, none was applied twice, and that
the handheld ends up showing exactly the rows the server holds for its user."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from backend.config import Settings
from sync.client import SyncClient, SyncUnavailable
from sync.server.stream import StreamOptions
from tests.aio import Run, run_fixture  # noqa: F401
from tests.factories import Plant
from tests.sync.fault_proxy import PASS, Fault, FaultProxy, RandomFaults, Request
from tests.sync.handheld_proc import event_id
from tests.sync.live import (  # noqa: F401 - the fixtures `live` and `handheld`
    LiveServer,
    client_rows,
    events_on_server,
    handheld_fixture,
    live_fixture,
    receive,
    server_rows_for,
    slow,
    sync_until_quiet,
)

Handheld = Callable[..., SyncClient]
ROOT = Path(__file__).resolve().parents[2]
SYNC_PATHS = ("/sync/", "/write-checkpoint")
ALL_FAULTS = ("refuse", "lose_ack", "duplicate", "delay", "cut")

# Receive events per run (each run on SQLite and on PostgreSQL, the volume run on SQLite only). The server applies
# about 100 receive events per second per core, so these sizes are what keeps the default run short.
PROXY_EVENTS = 400
REORDER_EVENTS = 100      # per handheld, three handhelds
KILL_EVENTS = (300, 150)  # recorded before the two kills during upload; recorded during the kill mid-recording
RESTART_EVENTS = 500
VOLUME_EVENTS = 10_000


def queue_receipts(client: SyncClient, count: int, prefix: str) -> list[str]:
    writes = [("event_command", *receive(f"{prefix}{n:05d}", qty=1 + n % 5, minute=n % 600), "PUT")
              for n in range(count)]
    client.store.record_many(writes)  # type: ignore[arg-type]
    return [w[1] for w in writes]


def assert_exactly_once(engine: Engine, expected: set[str]) -> None:
    on_server = events_on_server(engine)
    assert len(on_server) == len(set(on_server)) == len(expected)
    assert set(on_server) == expected


def assert_converged(engine: Engine, client: SyncClient, username: str) -> None:
    assert client.store.pending_count() == 0 and client.status().rejected == []
    assert client.store.db.execute("SELECT count(*) FROM overlay").fetchone()[0] == 0
    assert client_rows(client.store) == server_rows_for(engine, username)


# -- the network ---------------------------------------------------------------------------------------------------


def test_a_faulty_network_loses_and_duplicates_nothing(run: Run[Any], engine: Engine, live: LiveServer,
                                                       handheld: Handheld) -> None:
    """Refused connections, answers lost after the server acted, requests sent twice, delays and responses cut
    after N bytes, on uploads, write checkpoints and streams alike (PROXY_EVENTS receive events)."""
    plan = RandomFaults(11, refuse=0.08, lose_ack=0.1, duplicate=0.1, delay=0.1, cut=0.12, paths=SYNC_PATHS,
                        max_cut=40_000, first=ALL_FAULTS)
    with FaultProxy(live.port, plan) as proxy:
        picker = handheld("picker", url=proxy.url, batch_size=50)
        ids = queue_receipts(picker, PROXY_EVENTS, "N")
        run(sync_until_quiet(picker, attempts=300))
    assert set(ALL_FAULTS) <= set(proxy.seen)
    assert_exactly_once(engine, set(ids))
    assert_converged(engine, picker, "picker")
    assert picker.status().resyncs == 0  # a cut is not a checksum failure: what arrived whole is kept


def test_a_stream_cut_mid_line_keeps_the_whole_pages_and_resumes(run: Run[Any], engine: Engine, live: LiveServer,
                                                                 handheld: Handheld) -> None:
    loader = handheld("picker", name="loader")
    queue_receipts(loader, 200, "S")
    run(loader.upload())
    cuts = iter([700, 5_000, 23_456, 61_000, 97_531])  # bytes let through: mid-line more often than not

    def plan(request: Request) -> Fault:
        if request.path == "/sync/stream" and (after := next(cuts, None)) is not None:
            return Fault("cut", cut_after=after)
        return PASS

    with FaultProxy(live.port, plan) as proxy:
        picker = handheld("picker", url=proxy.url)
        positions = []
        for _ in range(5):
            with pytest.raises(SyncUnavailable):
                run(picker.sync_once())
            positions.append(sum(int(b["after"]) for b in picker.downloader.request_body()["buckets"]))
        run(picker.sync_once())
    assert proxy.seen["cut"] == 5 and positions == sorted(positions) and positions[-1] > positions[0]
    assert_converged(engine, picker, "picker")


def test_concurrent_uploads_reordered_on_the_way_are_each_applied_once(run: Run[Any], engine: Engine, live: LiveServer,
                                                                        handheld: Handheld) -> None:
    """Three handhelds upload at once; the proxy holds their batches and lets them through newest first."""
    with FaultProxy(live.port, reorder_window=3, reorder_wait_s=0.3) as proxy:
        clients = [handheld(user, name=f"{user}-{n}", url=proxy.url, batch_size=25)
                   for n, user in enumerate(("picker", "picker", "qa"))]
        ids = [i for n, c in enumerate(clients) for i in queue_receipts(c, REORDER_EVENTS, f"R{n}")]
        outcomes = run(asyncio.wait_for(asyncio.gather(*(sync_until_quiet(c) for c in clients),
                                                       return_exceptions=True), 300))
        errors = [o for o in outcomes if isinstance(o, BaseException)]
        for client in clients:  # each has seen the others' events only if it synced after them
            run(sync_until_quiet(client))
    assert errors == [] and proxy.seen["reordered"] > 0
    assert_exactly_once(engine, set(ids))
    for client, user in zip(clients, ("picker", "picker", "qa"), strict=True):
        assert_converged(engine, client, user)


# -- the handheld process killed -----------------------------------------------------------------------------------


def spawn(db: Path, url: str, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "tests.sync.handheld_proc", str(db), url, "picker", *extra],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(condition: Callable[[], bool], timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.01)


def kill9(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL


def local_count(db: Path, sql: str) -> int:
    with sqlite3.connect(db, timeout=10) as conn:
        return int(conn.execute(sql).fetchone()[0])


def test_a_handheld_killed_mid_upload_and_mid_recording_loses_and_duplicates_nothing(
        engine: Engine, live: LiveServer, tmp_path: Path) -> None:
    """kill -9 twice while uploads are in flight (answers held back by the proxy), once while recording; each
    restart opens the same local file. KILL_EVENTS[0] + however many of KILL_EVENTS[1] were committed locally."""
    db = tmp_path / "killed.db"
    first, second = KILL_EVENTS
    def slow_acks(request: Request) -> Fault:  # answers held back: the kill lands while uploads are in flight
        return Fault("slow_ack", delay_s=0.15) if request.path == "/sync/upload" else PASS

    with FaultProxy(live.port, slow_acks) as proxy:
        proc = spawn(db, proxy.url, "--record", str(first), "--tag", "a", "--batch", "50")
        assert proc.stdout is not None and json.loads(proc.stdout.readline())["stage"] == "recorded"
        for goal in (first // 4, first // 2):
            wait_for(lambda goal=goal: len(events_on_server(engine)) >= goal and proxy.in_flight > 0)
            kill9(proc)
            proc = spawn(db, proxy.url)
        kill9(proc)
        before = local_count(db, "SELECT count(*) FROM crud")
        proc = spawn(db, proxy.url, "--record", str(second), "--tag", "b", "--batch", "50", "--pace", "0.01")
        wait_for(lambda: local_count(db, "SELECT count(*) FROM crud") >= before + second // 2)
        kill9(proc)
        # Every queued write has its local row and no row lacks its queue entry: one transaction each.
        assert local_count(db, "SELECT count(*) FROM crud c LEFT JOIN overlay o ON o.op_id = c.op_id "
                               "WHERE o.op_id IS NULL") == 0
        recorded_b = local_count(db, "SELECT count(*) FROM crud WHERE json_extract(data, '$.lot_no') LIKE 'B%'")
        assert 0 < recorded_b < second
        proc = spawn(db, proxy.url)
        out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-2000:]
    assert json.loads(out.splitlines()[-1]) == {"stage": "synced", "pending": 0, "rejected": 0}
    expected = {event_id("a", i) for i in range(first)} | {event_id("b", i) for i in range(recorded_b)}
    assert_exactly_once(engine, expected)


# -- the backend restarted -------------------------------------------------------------------------------------------


def test_a_backend_restarted_mid_batch_loses_and_duplicates_nothing(run: Run[Any], engine: Engine, settings: Settings,
                                                                    plant: Plant, handheld: Handheld) -> None:
    """The web server goes away twice while a batch of 200 is being applied (RESTART_EVENTS receive events), ten
    ops to a commit: the answer is lost with the batch half done. The worker thread applying it finishes on its
    own, so the client's retry may even overlap it; receipts and event ids keep every op to one application."""
    with LiveServer(engine, replace(settings, upload_chunk_ops=10), StreamOptions(once=True, batch_size=50)) as live:
        picker = handheld("picker", url=live.url, batch_size=200)
        ids = queue_receipts(picker, RESTART_EVENTS, "B")
        at_restart: list[int] = []

        def restart_twice() -> None:  # the server's side, beside the handheld's event loop
            for goal in (RESTART_EVENTS // 4, RESTART_EVENTS // 2):
                wait_for(lambda goal=goal: len(events_on_server(engine)) >= goal)
                at_restart.append(len(events_on_server(engine)))
                live.restart(force=True, down_s=0.3)

        run(asyncio.wait_for(asyncio.gather(sync_until_quiet(picker, attempts=400),
                                            asyncio.to_thread(restart_twice)), 600))
    assert len(at_restart) == 2 and all(0 < n < RESTART_EVENTS for n in at_restart)
    assert_exactly_once(engine, set(ids))
    assert_converged(engine, picker, "picker")


# -- volume --------------------------------------------------------------------------------------------------------


@slow
@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_ten_thousand_offline_events_through_a_faulty_network(run: Run[Any], engine: Engine, settings: Settings,
                                                              plant: Plant,
                                                              handheld: Handheld, live: LiveServer) -> None:
    """VOLUME_EVENTS receive events queued offline, uploaded in batches of 1,000 and downloaded back (about
    30,000 rows) through a network that refuses, loses answers, duplicates and cuts. SQLite only: the server's
    per-op cost is the same story on PostgreSQL, which the smaller fault tests above cover."""
    plan = RandomFaults(23, refuse=0.05, lose_ack=0.1, duplicate=0.1, delay=0.05, cut=0.1, paths=SYNC_PATHS,
                        max_cut=2_000_000, first=ALL_FAULTS)
    with FaultProxy(live.port, plan) as proxy:
        picker = handheld("picker", url=proxy.url, batch_size=1000)
        ids = queue_receipts(picker, VOLUME_EVENTS, "V")
        run(sync_until_quiet(picker, attempts=200))
    assert set(ALL_FAULTS) <= set(proxy.seen)
    assert_exactly_once(engine, set(ids))
    assert_converged(engine, picker, "picker")
    assert picker.status().resyncs == 0

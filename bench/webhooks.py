"""Webhook delivery benchmark: receipts recorded through the real warehouse service write outbox messages; the
webhook worker delivers them to S subscriptions on a local HTTP receiver that checks every HMAC and refuses every
fifth request. Figures: delivery throughput (deliveries/s from the first commit to the last acceptance) and latency
(commit to acceptance) p50/p95/max; checks that nothing was lost or reordered per subscription.

Run: nice -n 10 .venv/bin/python bench/webhooks.py [--messages 2000] [--subscriptions 2] [--backoff-base 0.05]
     [--rate 20] [--backlog] [--url postgresql://...] (SQLite in a temporary folder otherwise). Live (default):
     the worker runs while receipts commit (--rate paces them), so latency is commit to acceptance under load;
     --backlog: receipts first, then the worker alone (its throughput). Keeps each database+mode's last run in
     bench/results/webhooks.json.
Figures only: nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import platform
import queue
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlmodel import Session, col, select  # noqa: E402

from backend import hooks  # noqa: E402
from backend.auth.principal import SYSTEM  # noqa: E402
from backend.db import make_engine  # noqa: E402
from backend.migrate import upgrade  # noqa: E402
from backend.outbox.models import OutboxMessage  # noqa: E402
from backend.outbox.queue import Backoff  # noqa: E402
from backend.outbox.signing import new_secret, verify  # noqa: E402
from backend.outbox.subscription_service import SubscriptionService  # noqa: E402
from backend.outbox.worker import WebhookWorker  # noqa: E402
from backend.sync.runtime import install_recorder  # noqa: E402
from backend.warehouse.warehouse_service import WarehouseService  # noqa: E402
from shared_models import commands as cmd  # noqa: E402
from tests.factories import build_plant  # noqa: E402

SCHEMA = "bench_webhooks"


def serve(secrets: dict[str, str], events: Any, ready: Any) -> None:
    """The receiver, in a process of its own (as a real ERP endpoint is): verifies each HMAC, refuses every fifth
    request, and reports each acceptance as (hook, key, time) on `events`."""
    counts = {"requests": 0, "refused": 0, "bad": 0}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: the worker's httpx client reuses its connections

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            hook = self.path.rsplit("/", 1)[-1]
            with lock:
                counts["requests"] += 1
                if counts["requests"] % 5 == 0:
                    counts["refused"] += 1
                    status = 503
                elif not verify(secrets[hook], self.headers["X-Lotline-Timestamp"],
                                self.headers["X-Lotline-Signature"], body):
                    counts["bad"] += 1
                    status = 401
                else:
                    status = 204
                    events.put(("ok", hook, self.headers["Idempotency-Key"], time.time()))
                events.put(("counts", dict(counts)))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ready.put(server.server_address[1])
    server.serve_forever()


class Receiver:
    def __init__(self, hooks: list[str]) -> None:
        self.secrets = {h: new_secret() for h in hooks}
        self.accepted: dict[str, list[tuple[str, float]]] = {}
        self.counts: dict[str, int] = {"requests": 0, "refused": 0, "bad": 0}
        self.events: Any = multiprocessing.Queue()
        ready: Any = multiprocessing.Queue()
        self.process = multiprocessing.Process(target=serve, args=(self.secrets, self.events, ready), daemon=True)
        self.process.start()
        self.port = ready.get(timeout=30)

    def count(self) -> int:
        while True:
            try:
                event = self.events.get_nowait()
            except queue.Empty:
                break
            if event[0] == "ok":
                self.accepted.setdefault(event[1], []).append((event[2], event[3]))
            else:
                self.counts = event[1]
        return sum(len(v) for v in self.accepted.values())

    def stop(self) -> None:
        self.process.terminate()
        self.process.join()


def run(url: str | None, messages: int, subscriptions: int, backoff_base: float, backlog: bool,
        rate: float) -> dict[str, Any]:
    folder = tempfile.mkdtemp(prefix="lotline-webhooks-")
    admin = make_engine(url) if url else None
    if admin is not None:  # a schema of its own, dropped at the end: nothing else in that database is touched
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE; CREATE SCHEMA {SCHEMA}"))
    engine = make_engine(url, schema=SCHEMA) if url else make_engine(f"sqlite:///{folder}/bench.db")
    upgrade(engine)
    install_recorder()
    hooks.install()
    receiver = Receiver([f"h{n}" for n in range(subscriptions)])
    worker = WebhookWorker(engine, backoff=Backoff(base_s=backoff_base, cap_s=backoff_base * 16), idle_s=1)
    with Session(engine, expire_on_commit=False) as session:
        build_plant(session)
        session.commit()
        for n in range(subscriptions):
            sub = SubscriptionService(session, SYSTEM).create(url=f"http://127.0.0.1:{receiver.port}/hooks/h{n}",
                                                               topics=["*"], max_attempts=20)
            sub.secret = receiver.secrets[f"h{n}"]  # the receiver process was given its secrets when it started
            session.add(sub)
            session.commit()
    loop = asyncio.new_event_loop()
    loop_thread = threading.Thread(target=loop.run_forever, daemon=True)
    loop_thread.start()
    if not backlog:
        asyncio.run_coroutine_threadsafe(worker.start(), loop).result()
    t0 = datetime(2026, 12, 1, tzinfo=UTC)
    start = time.time()
    with Session(engine, expire_on_commit=False) as session:
        warehouse = WarehouseService(session, SYSTEM, today=t0.date())
        for n in range(messages):
            if rate > 0:  # a steady plant: receipt n is due at start + n / rate
                time.sleep(max(0.0, start + n / rate - time.time()))
            warehouse.receive(cmd.Receive(id=f"00000000-0000-4000-8000-{n:012d}", occurred_at=t0 + timedelta(
                seconds=n), supplier="SUP-A", item="PCB-01", lot_no=f"B{n}", qty=10, location="S1-A-01"))
    produced_s = time.time() - start
    if backlog:  # everything committed first: the worker's own pace, from its start to the last acceptance
        start = time.time()
        asyncio.run_coroutine_threadsafe(worker.start(), loop).result()
    total = messages * subscriptions
    deadline = time.time() + 600
    while receiver.count() < total and time.time() < deadline:
        time.sleep(0.05)
    asyncio.run_coroutine_threadsafe(worker.stop(), loop).result()
    loop.call_soon_threadsafe(loop.stop)
    loop_thread.join()
    receiver.count()
    receiver.stop()
    with Session(engine) as session:
        sent = session.exec(select(OutboxMessage.key, OutboxMessage.created_at).order_by(col(OutboxMessage.id))).all()
    engine.dispose()
    if admin is not None:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {SCHEMA} CASCADE; DROP PUBLICATION IF EXISTS powersync_{SCHEMA}"))
        admin.dispose()
    created = {k: at.timestamp() for k, at in sent}
    order = [k for k, _ in sent]
    latencies = sorted(at - created[k] for hook in receiver.accepted.values() for k, at in hook)
    last = max(at for hook in receiver.accepted.values() for _, at in hook)
    in_order = all([k for k, _ in hook] == order for hook in receiver.accepted.values())
    return {
        "database": "postgresql" if url else "sqlite", "messages": len(sent), "subscriptions": subscriptions,
        "deliveries": receiver.count(), "requests": receiver.counts["requests"],
        "refused": receiver.counts["refused"], "bad_signatures": receiver.counts["bad"],
        "lost": total - receiver.count(), "in_order_per_subscription": in_order,
        "backoff_base_s": backoff_base, "receipts_per_s": round(messages / produced_s, 1),
        "mode": "backlog" if backlog else f"live@{rate:g}/s" if rate else "live", "deliveries_per_s": round(
            receiver.count() / (last - (start if backlog else min(created.values()))), 1),
        "latency_p50_ms": round(statistics.median(latencies) * 1000, 1),
        "latency_p95_ms": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 1),
        "latency_max_ms": round(latencies[-1] * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--subscriptions", type=int, default=2)
    parser.add_argument("--backoff-base", type=float, default=0.05)
    parser.add_argument("--rate", type=float, default=0, help="receipts per second (0: as fast as they go)")
    parser.add_argument("--backlog", action="store_true",
                        help="record every receipt first, then start the worker (its throughput alone)")
    parser.add_argument("--url", default=None, help="PostgreSQL URL (the bench uses a schema of its own)")
    args = parser.parse_args()
    result = run(args.url, args.messages, args.subscriptions, args.backoff_base, args.backlog, args.rate)
    result |= {"python": platform.python_version(), "machine": platform.machine()}
    for key, value in result.items():
        print(f"{key:28} {value}")
    out = ROOT / "bench" / "results" / "webhooks.json"
    runs = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    runs[f"{result['database']}-{result['mode']}"] = result
    out.write_text(json.dumps(runs, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

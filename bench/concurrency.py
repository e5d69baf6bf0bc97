"""Concurrency benchmark: mixed warehouse commands from 1, 4 and 16 clients at once against the real server.

Run: .venv/bin/python bench/concurrency.py [--db sqlite|postgres|both] [--ops 600] [--clients 1,4,16]
Each level gets a fresh database (bench/sync.py's Database) and server process (bench/sync.py's Server, which
serves the app as `lotline serve` does). Every client sends, over its own connection, a mix of moves and picks of
a few hot lots (the commands that race for the same stock), receives of new lots and shipments. Prints, per level:
throughput, latency percentiles, how many commands were refused (409: not enough stock, as they should be when
clients race), the number of 5xx (must be 0) and of overdraws (must be 0: a negative stock row, a lot whose stock
plus shipments differ from what was received, or a drift between the projection and the events). Figures only;
nothing here asserts on time. Writes bench/results/concurrency.json.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlmodel import Session  # noqa: E402

from backend.warehouse.check import stock_drift  # noqa: E402
from tests.factories import at  # noqa: E402

_spec = importlib.util.spec_from_file_location("bench_sync", ROOT / "bench" / "sync.py")
assert _spec is not None and _spec.loader is not None
bench_sync = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_sync)
percentile = bench_sync.percentile

HOT_LOTS = 4
HOT_QTY = 60


def login(url: str) -> dict[str, str]:
    r = httpx.post(f"{url}/api/auth/login", json={"username": "picker", "password": "picker-pass-1"})
    r.raise_for_status()
    return {"authorization": f"Bearer {r.json()['access_token']}"}


def command(rng: random.Random, client: int, n: int) -> tuple[str, dict[str, Any]]:
    """One shop-floor command: mostly moves and picks that race for the hot lots' stock."""
    lot = f"PCB-01/HOT{rng.randrange(HOT_LOTS)}"
    roll = rng.random()
    base = {"id": str(uuid.uuid4()), "occurred_at": at(n % 1000)}
    if roll < 0.35:
        there, back = ("S1-A-01", "S1-A-02") if rng.random() < 0.5 else ("S1-A-02", "S1-A-01")
        return "move", {**base, "unit": lot, "qty": rng.randint(1, 8), "from_location": there, "to_location": back}
    if roll < 0.65:
        return "pick", {**base, "unit": lot, "qty": rng.randint(1, 4), "from_location": "S1-A-01",
                        "to_location": "S1-SHIP", "reference": f"PL-{client}"}
    if roll < 0.85:
        return "ship", {**base, "customer": "CUST-1", "reference": f"DN-{client}-{n}",
                        "lines": [{"unit": lot, "qty": rng.randint(1, 3), "from_location": "S1-SHIP"}]}
    return "receive", {**base, "supplier": "SUP-B", "item": "PCB-01", "lot_no": f"C{client}N{n}", "qty": 5,
                       "location": "S1-A-01"}


def run_level(db: Any, workdir: Path, clients: int, ops: int, seed: int) -> dict[str, Any]:
    engine, url = db.fresh()
    server = bench_sync.Server(url, bench_sync.SCHEMA if db.kind == "postgres" else None, workdir)
    try:
        headers = login(server.url)
        with httpx.Client(base_url=server.url, headers=headers, timeout=120) as http:
            for i in range(HOT_LOTS):
                r = http.post("/api/events/receive", json={
                    "id": str(uuid.uuid4()), "occurred_at": at(0), "supplier": "SUP-B", "item": "PCB-01",
                    "lot_no": f"HOT{i}", "qty": HOT_QTY, "location": "S1-A-01"})
                r.raise_for_status()
        latencies: list[float] = []
        answers: Counter[str] = Counter()
        lock = threading.Lock()
        barrier = threading.Barrier(clients)
        each = max(1, ops // clients)

        def client(k: int) -> None:
            rng = random.Random(seed * 1000 + k)
            mine: list[float] = []
            seen: Counter[str] = Counter()
            with httpx.Client(base_url=server.url, headers=headers, timeout=120) as http:
                barrier.wait()
                for n in range(each):
                    kind, body = command(rng, k, n)
                    t0 = time.perf_counter()
                    r = http.post(f"/api/events/{kind}", json=body)
                    mine.append(time.perf_counter() - t0)
                    seen[f"{kind} {r.status_code}"] += 1
            with lock:
                latencies.extend(mine)
                answers.update(seen)

        threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        server_errors = server.errors()
    finally:
        server.stop()
    overdraws = count_overdraws(engine)
    engine.dispose()
    total = sum(answers.values())
    by_status = Counter(key.split()[1] for key in answers.elements())
    return {
        "clients": clients, "commands": total, "wall_s": round(wall, 2),
        "commands_per_s": round(total / wall, 1),
        "p50_ms": round(1000 * percentile(latencies, 50), 1), "p95_ms": round(1000 * percentile(latencies, 95), 1),
        "p99_ms": round(1000 * percentile(latencies, 99), 1),
        "accepted": by_status.get("201", 0), "refused_409": by_status.get("409", 0),
        "server_errors_5xx": sum(v for k, v in by_status.items() if k.startswith("5")),
        "other": {k: v for k, v in by_status.items() if k not in ("201", "409") and not k.startswith("5")},
        "overdraws": overdraws, "server_log_errors": server_errors,
        "mean_ms": round(1000 * statistics.fmean(latencies), 1),
    }


def count_overdraws(engine: Engine) -> int:
    """Negative stock rows, hot lots whose stock plus shipments differ from their receipt, and projection drift."""
    with Session(engine) as session:
        negative = session.execute(text("SELECT COUNT(*) FROM stock_on_hand WHERE qty < -1e-9")).scalar_one()
        lost = 0
        for i in range(HOT_LOTS):
            on_hand = session.execute(text(
                "SELECT COALESCE(SUM(s.qty), 0) FROM stock_on_hand s JOIN unit u ON u.id = s.unit_id "
                "WHERE u.code = :code"), {"code": f"PCB-01/HOT{i}"}).scalar_one()
            shipped = session.execute(text(
                "SELECT COALESCE(SUM(l.qty), 0) FROM event_line l JOIN event e ON e.id = l.event_id "
                "JOIN unit u ON u.id = l.unit_id WHERE u.code = :code AND e.type = 'ship'"),
                {"code": f"PCB-01/HOT{i}"}).scalar_one()
            lost += abs(float(on_hand) + float(shipped) - HOT_QTY) > 1e-6
        return int(negative) + lost + len(stock_drift(session))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--pg-url", default=os.environ.get("LOTLINE_TEST_POSTGRES_URL",
                                                           "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--ops", type=int, default=600, help="commands per level, shared among its clients")
    parser.add_argument("--clients", default="1,4,16")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    levels = [int(c) for c in args.clients.split(",")]
    results: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
                               "ops_per_level": args.ops, "levels": {}}
    for kind in kinds:
        with tempfile.TemporaryDirectory(prefix="lotline-bench-conc-") as tmp:
            db = bench_sync.Database(kind, Path(tmp), args.pg_url)
            rows = [run_level(db, Path(tmp), c, args.ops, args.seed) for c in levels]
        results["levels"][kind] = rows
        print(f"\n{kind}: {args.ops} mixed commands per level (move/pick/ship/receive over {HOT_LOTS} hot lots)")
        print(f"{'clients':>7} {'cmd/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'201':>5} {'409':>5} "
              f"{'5xx':>4} {'overdraws':>9}")
        for r in rows:
            print(f"{r['clients']:>7} {r['commands_per_s']:>7} {r['p50_ms']:>7} {r['p95_ms']:>7} {r['p99_ms']:>7} "
                  f"{r['accepted']:>5} {r['refused_409']:>5} {r['server_errors_5xx']:>4} {r['overdraws']:>9}")
            if r["server_log_errors"] or r["other"]:
                print(f"        other answers {r['other']}; server logged {r['server_log_errors']}")
        base = rows[0]["commands_per_s"]
        print("throughput against 1 client: " + ", ".join(
            f"{r['clients']} clients ×{r['commands_per_s'] / base:.2f}" for r in rows))
    out = ROOT / "bench" / "results" / "concurrency.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwritten {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

"""Coding benchmark: numbers allocated per second with 8 clients at once against the real server, and (8030)
signatures verified per second offline, as the handheld does.

Run: .venv/bin/python bench/coding.py [--db sqlite|postgres|both] [--clients 8] [--requests 200] [--processes 1]
     [--verifications 5000]
Numbering: a fresh database per run (bench/sync.py's Database), served by `--processes` server processes
(bench/sync.py's Server, as `lotline serve` runs); every client sends, over its own connection, one request for one
number at a time, for a plain rule and for a gap-free one, then requests for 100 numbers each (a label batch).
Prints throughput, latency percentiles, and the checks that must be 0: duplicates (across the plain rule's two
runs), and for the gap-free rule numbers missing from 1..N.
Verification: `shared_models.coding.verify_code` over distinct signed codes (GS1 parse of the element string,
canonical string, Ed25519), in this CPython; the handheld's PWA runs the same code under Pyodide, which is slower.
Figures only; nothing here asserts on time. Writes bench/results/coding.json.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402
from sqlmodel import Session  # noqa: E402

from backend.auth.principal import SYSTEM  # noqa: E402
from backend.coding.models import NumberKind  # noqa: E402
from backend.coding.numbering_service import NumberingService  # noqa: E402
from backend.coding.schemas import NumberingRuleCreate  # noqa: E402
from shared_models.coding import PublicKey, b64url, key_id, signed_message, verify_code  # noqa: E402
from shared_models.gs1 import GS1Message  # noqa: E402

_spec = importlib.util.spec_from_file_location("bench_sync", ROOT / "bench" / "sync.py")
assert _spec is not None and _spec.loader is not None
bench_sync = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_sync)
percentile = bench_sync.percentile


def login(url: str) -> dict[str, str]:
    r = httpx.post(f"{url}/api/auth/login", json={"username": "picker", "password": "picker-pass-1"}, timeout=60)
    r.raise_for_status()
    return {"authorization": f"Bearer {r.json()['access_token']}"}


def allocate(urls: list[str], clients: int, requests: int, item: str, count: int = 1) -> dict[str, Any]:
    headers = login(urls[0])
    barrier = threading.Barrier(clients + 1)
    latencies: list[float] = []
    numbers: list[str] = []
    failures: list[str] = []
    lock = threading.Lock()

    def client(i: int) -> None:
        mine, got, bad = [], [], []
        with httpx.Client(base_url=urls[i % len(urls)], headers=headers, timeout=60) as http:
            http.get("/health")  # the connection is open before the clock starts
            barrier.wait()
            for _ in range(requests):
                start = time.perf_counter()
                r = http.post("/api/coding/numbers", json={"kind": "serial", "site": "S1", "item": item,
                                                           "count": count})
                mine.append((time.perf_counter() - start) * 1000)
                if r.status_code == 201:
                    got += r.json()["numbers"]
                else:
                    bad.append(f"{r.status_code} {r.text[:100]}")
        with lock:
            latencies.extend(mine)
            numbers.extend(got)
            failures.extend(bad)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    return {"allocations": len(numbers), "wall_s": round(wall, 2),
            "allocations_per_s": round(len(numbers) / wall, 1),
            "p50_ms": round(percentile(latencies, 50), 1), "p95_ms": round(percentile(latencies, 95), 1),
            "p99_ms": round(percentile(latencies, 99), 1), "mean_ms": round(statistics.fmean(latencies), 1),
            "failed": len(failures), "failures": failures[:3], "duplicates": len(numbers) - len(set(numbers)),
            "numbers": numbers}


def run_db(kind: str, workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    db = bench_sync.Database(kind, workdir, args.pg_url)
    engine, url = db.fresh()
    with Session(engine, expire_on_commit=False) as session:
        for code, item, gap_free in (("SN-MTR", "MTR-01", False), ("GF-BRD", "BRD-01", True)):
            NumberingService(session, SYSTEM).create_rule(NumberingRuleCreate(
                code=code, kind=NumberKind.SERIAL, item=item, width=8, gap_free=gap_free,
                pattern=[{"part": "literal", "value": code[:2]}, {"part": "YY"}, {"part": "seq"}]))  # type: ignore[list-item]
    servers = [bench_sync.Server(url, bench_sync.SCHEMA if kind == "postgres" else None, workdir)
               for _ in range(args.processes)]
    try:
        urls = [s.url for s in servers]
        allocate(urls, args.clients, 5, "MTR-01")  # warm-up: imports, pools, the first counter row
        plain = allocate(urls, args.clients, args.requests, "MTR-01")
        gap_free = allocate(urls, args.clients, args.requests, "BRD-01")
        batched = allocate(urls, args.clients, max(1, args.requests // 20), "MTR-01", count=100)
        errors = {s.url: s.errors() for s in servers}
    finally:
        for s in servers:
            s.stop()
        engine.dispose()
    seqs = sorted(int(n[4:]) for n in gap_free.pop("numbers"))
    gap_free["missing_from_1_to_n"] = len(set(range(1, len(seqs) + 1)) - set(seqs))
    both = plain.pop("numbers") + batched.pop("numbers")  # one rule, one counter: no number in both runs either
    plain["duplicates"] = batched["duplicates"] = len(both) - len(set(both))
    return {"clients": args.clients, "processes": args.processes, "plain": plain, "gap_free": gap_free,
            "batches_of_100": batched,
            "server_log_errors": {u: e for u, e in errors.items() if e}}


def verifications(count: int) -> dict[str, Any]:
    key = Ed25519PrivateKey.generate()
    kid = key_id(key.public_key())
    keys = {kid: PublicKey(kid, b64url(key.public_key().public_bytes_raw()))}
    codes = [signed_message(GS1Message((("01", "06901234000016"), ("10", "L7"), ("21", f"SN{n:06d}"))),  # type: ignore[arg-type]
                            key).hri() for n in range(count)]
    start = time.perf_counter()
    verdicts = [verify_code(code, keys).verdict.value for code in codes]
    wall = time.perf_counter() - start
    public = key.public_key()
    signature = key.sign(b"x")
    raw_start = time.perf_counter()
    for _ in range(count):
        public.verify(signature, b"x")
    raw_wall = time.perf_counter() - raw_start
    return {"codes": count, "verifications_per_s": round(count / wall, 1), "mean_us": round(wall / count * 1e6, 1),
            "ed25519_alone_per_s": round(count / raw_wall, 1), "not_genuine": sum(v != "genuine" for v in verdicts)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=200, help="requests per client and rule")
    parser.add_argument("--processes", type=int, default=1, help="server processes on the one database")
    parser.add_argument("--verifications", type=int, default=5000)
    parser.add_argument("--pg-url", default=os.environ.get("LOTLINE_TEST_POSTGRES_URL",
                                                           "postgresql://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()
    results: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
                               "numbering": {}}
    for kind in (["sqlite", "postgres"] if args.db == "both" else [args.db]):
        with tempfile.TemporaryDirectory(prefix="lotline-bench-coding-") as tmp:
            row = run_db(kind, Path(tmp), args)
        results["numbering"][kind] = row
        for rule in ("plain", "gap_free", "batches_of_100"):
            r = row[rule]
            print(f"{kind:8} {rule:8} {args.clients} clients x{args.processes} proc: {r['allocations_per_s']:7.1f} "
                  f"numbers/s  p50 {r['p50_ms']} ms  p95 {r['p95_ms']} ms  p99 {r['p99_ms']} ms  "
                  f"failed {r['failed']}  duplicates {r['duplicates']}"
                  + (f"  missing {r['missing_from_1_to_n']}" if rule == "gap_free" else ""))
    results["verification"] = verify = verifications(args.verifications)
    print(f"offline verification: {verify['verifications_per_s']} codes/s ({verify['mean_us']} µs each; Ed25519 "
          f"alone {verify['ed25519_alone_per_s']}/s), not genuine {verify['not_genuine']}")
    out = ROOT / "bench" / "results" / "coding.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

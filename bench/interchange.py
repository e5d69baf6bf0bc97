"""Interchange benchmark, EPCIS part: capture throughput (events/s, schema validation with formats on) and query
latency while paging, through the real HTTP endpoints, on SQLite and PostgreSQL.

    nice -n 10 .venv/bin/python bench/interchange.py --events 100000 --db sqlite --db postgres

Captures --events partner ObjectEvents (each with an SGTIN, an LGTIN quantity, a bizStep, places and an extension)
in documents of --per-document events, then pages through queries of several kinds (everything; one bizStep in a
time window; one EPC pattern) at --per-page events a page, timing each page. Prints events/s (target ≥ 2,000 on
SQLite), page p50/p95 per query kind, and writes bench/results/interchange-epcis-<db>.json. Times are reported
against targets, never asserted.
"""

from __future__ import annotations

# ruff: noqa: E402 - sys.path is fixed first: run as a script, bench/ would shadow the sync package
import sys
from pathlib import Path

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import json
import logging
import os
import platform
import statistics
import tempfile
import time
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from backend.app import create_app
from backend.auth.keys import KeyRing
from backend.auth.models import User
from backend.auth.passwords import hash_password
from backend.config import Settings
from backend.db import make_engine
from backend.migrate import upgrade
from shared_models.enums import Role
from shared_models.masterdata import Site

RESULTS = Path(__file__).resolve().parent / "results"
TARGET_EVENTS_PER_S = 2000.0
CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", {"ex": "https://example.com/ex/"}]
STEPS = ("receiving", "shipping", "storing", "inspecting")


def event(n: int) -> dict[str, Any]:
    minute = n // 60
    return {"type": "ObjectEvent", "eventTime": f"2026-{1 + n // 40000 % 12:02d}-{1 + n // 1500 % 27:02d}T"
            f"{minute // 60 % 24:02d}:{minute % 60:02d}:{n % 60:02d}.{n % 1000:03d}+08:00",
            "eventTimeZoneOffset": "+08:00", "action": "OBSERVE",
            "epcList": [f"urn:epc:id:sgtin:4012345.0{n % 97:05d}.{n}"],
            "quantityList": [{"epcClass": f"urn:epc:class:lgtin:4012345.012345.L{n % 500}", "quantity": 1.5,
                              "uom": "KGM"}],
            "bizStep": STEPS[n % len(STEPS)], "disposition": "in_progress",
            "readPoint": {"id": f"urn:epc:id:sgln:4012345.00001.{n % 20}"},
            "bizLocation": {"id": "urn:epc:id:sgln:4012345.00001.0"}, "ex:batchNote": f"n{n}"}


def open_engine(db: str, folder: Path, postgres_url: str) -> Engine:
    if db == "sqlite":
        return make_engine(f"sqlite:///{folder / 'interchange.db'}")
    admin = make_engine(postgres_url)
    with admin.begin() as conn:
        conn.execute(text("DROP PUBLICATION IF EXISTS powersync_lotline_bench_epcis"))
        conn.execute(text("DROP SCHEMA IF EXISTS lotline_bench_epcis CASCADE"))
        conn.execute(text("CREATE SCHEMA lotline_bench_epcis"))
    admin.dispose()
    return make_engine(postgres_url, schema="lotline_bench_epcis")


def seed(engine: Engine) -> None:
    upgrade(engine)
    with Session(engine) as s:
        s.add(Site(code="B1", name="Bench plant", gln="4012345000016"))
        s.add(User(username="qa", display_name="QA", password_hash=hash_password("qa-pass-1"), role=Role.QA_MANAGER))
        s.commit()


def pages(client: TestClient, headers: dict[str, str], query: str, limit: int) -> tuple[list[float], int]:
    """Times each page of a query followed by Link rel="next" (at most `limit` pages); returns ms and events."""
    times: list[float] = []
    seen = 0
    url: str | None = f"/epcis/events?{query}"
    while url and len(times) < limit:
        start = time.perf_counter()
        r = client.get(url, headers=headers)
        times.append((time.perf_counter() - start) * 1000)
        assert r.status_code == 200, r.text
        seen += len(r.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"])
        link = r.headers.get("link")
        url = link[1:link.index(">")] if link else None
    return times, seen


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) >= 20 else max(values)


def run(db: str, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        engine = open_engine(db, folder, args.postgres_url)
        seed(engine)
        KeyRing(folder / "keys")
        with TestClient(create_app(Settings(data_dir=folder), engine)) as client:
            logging.getLogger("httpx").setLevel(logging.WARNING)  # not a log line per request in the figures
            token = client.post("/api/auth/login", json={"username": "qa", "password": "qa-pass-1"}).json()
            headers = {"Authorization": f"Bearer {token['access_token']}", "Content-Type": "application/ld+json"}
            spent, cpu, done = 0.0, 0.0, 0
            while done < args.events:
                size = min(args.per_document, args.events - done)
                body = json.dumps({"@context": CONTEXT, "type": "EPCISDocument", "schemaVersion": "2.0",
                                   "creationDate": "2026-12-08T00:00:00Z",
                                   "epcisBody": {"eventList": [event(done + i) for i in range(size)]}})
                start, start_cpu = time.perf_counter(), time.process_time()
                r = client.post("/epcis/capture", content=body, headers=headers)
                spent += time.perf_counter() - start
                cpu += time.process_time() - start_cpu   # this process's CPU, all threads: apart from other load
                assert r.status_code == 202 and r.json()["captured"] == size, r.text
                done += size
            result: dict[str, Any] = {"db": db, "events": done, "per_document": args.per_document,
                                      "capture_s": round(spent, 2), "events_per_s": round(done / spent),
                                      "capture_cpu_s": round(cpu, 2), "events_per_cpu_s": round(done / cpu),
                                      "load_average": os.getloadavg()[0],
                                      "target_events_per_s": TARGET_EVENTS_PER_S, "queries": {}}
            queries = {"all": f"perPage={args.per_page}",
                       "bizStep+window": f"EQ_bizStep=shipping&GE_eventTime=2026-01-01T00:00:00Z"
                                         f"&LT_eventTime=2026-07-01T00:00:00Z&perPage={args.per_page}",
                       "epc pattern": f"MATCH_epc=urn:epc:id:sgtin:4012345.000042.*&perPage={args.per_page}"}
            auth = {"Authorization": headers["Authorization"]}
            for name, query in queries.items():
                times, seen = pages(client, auth, query, args.max_pages)
                result["queries"][name] = {"pages": len(times), "events": seen,
                                           "p50_ms": round(statistics.median(times), 1),
                                           "p95_ms": round(p95(times), 1)}
            times, seen = [], 0
            for n in range(0, done, max(1, done // 100)):   # 100 single EPCs across the store, in their URN form
                spent_ms, found = pages(client, auth, f"MATCH_anyEPC=urn:epc:id:sgtin:4012345.0{n % 97:05d}.{n}", 1)
                times += spent_ms
                seen += found
            result["queries"]["one epc (100 EPCs)"] = {"pages": len(times), "events": seen,
                                                       "p50_ms": round(statistics.median(times), 1),
                                                       "p95_ms": round(p95(times), 1)}
        engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--per-document", type=int, default=10_000)
    parser.add_argument("--per-page", type=int, default=100)
    parser.add_argument("--max-pages", type=int, default=300, help="pages timed per query kind, at most")
    parser.add_argument("--db", action="append", choices=("sqlite", "postgres"), help="repeat for both")
    parser.add_argument("--postgres-url", default=os.environ.get("LOTLINE_BENCH_POSTGRES_URL",
                                                                 "postgresql://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    for db in args.db or ["sqlite"]:
        result = run(db, args)
        result["machine"] = f"{platform.machine()}, {os.cpu_count()} cpus, Python {platform.python_version()}"
        (RESULTS / f"interchange-epcis-{db}.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        mark = "meets" if result["events_per_s"] >= TARGET_EVENTS_PER_S else "MISSES"
        print(f"{db}: captured {result['events']} events in {result['capture_s']} s = {result['events_per_s']}/s "
              f"({mark} the {TARGET_EVENTS_PER_S:.0f}/s target); {result['events_per_cpu_s']} per CPU-second; "
              f"load average {result['load_average']:.1f}")
        for name, q in result["queries"].items():
            print(f"  {name:>15}: {q['pages']} pages, {q['events']} events, page p50 {q['p50_ms']} ms, "
                  f"p95 {q['p95_ms']} ms")


if __name__ == "__main__":
    main()

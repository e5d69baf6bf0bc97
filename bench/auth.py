"""What reading the caller's user row on every request costs: the primary-key read alone, the read with its hop to
a worker thread (as the middleware does it), and a whole authenticated request (GET /api/auth/me) through the app.

    .venv/bin/python bench/auth.py [--postgres postgresql://postgres@127.0.0.1:5432/test] [-n 2000]

Prints medians and 95th percentiles in microseconds; nothing is asserted.
"""

from __future__ import annotations

# ruff: noqa: E402
import sys
from pathlib import Path

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import logging
import statistics
import tempfile
import time
from collections.abc import Callable

import anyio
from litestar.testing import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from backend.app import create_app
from backend.auth.service import caller_now, principal_of
from backend.config import Settings
from backend.db import make_engine
from backend.migrate import upgrade
from tests.factories import build_plant


def _times(fn: Callable[[], object], n: int) -> tuple[float, float]:
    for _ in range(min(200, n)):  # warm the pool and the caches
        fn()
    spent = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        spent.append((time.perf_counter() - start) * 1e6)
    spent.sort()
    return statistics.median(spent), spent[int(len(spent) * 0.95)]


def measure(name: str, engine: Engine, data_dir: Path, n: int) -> None:
    with Session(engine, expire_on_commit=False) as session:
        plant = build_plant(session)
        claimed = principal_of(plant.users["picker"])
    read = _times(lambda: caller_now(engine, claimed), n)

    async def hops() -> None:
        for _ in range(n):
            await anyio.to_thread.run_sync(caller_now, engine, claimed)

    async def empty_hops() -> None:
        for _ in range(n):
            await anyio.to_thread.run_sync(lambda: None)

    start = time.perf_counter()
    anyio.run(hops)
    hop = (time.perf_counter() - start) * 1e6 / n
    start = time.perf_counter()
    anyio.run(empty_hops)
    empty = (time.perf_counter() - start) * 1e6 / n
    app = create_app(Settings(data_dir=data_dir), engine)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    with TestClient(app) as client:
        token = client.post("/api/auth/login", json={"username": "picker", "password": "picker-pass-1"})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        request = _times(lambda: client.get("/api/auth/me", headers=headers), n)
    print(f"{name:9} pk read {read[0]:7.0f} us (p95 {read[1]:6.0f})   read + thread hop {hop:7.0f} us   "
          f"(empty hop {empty:5.0f} us)   GET /api/auth/me {request[0]:7.0f} us (p95 {request[1]:6.0f})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", default="")
    parser.add_argument("-n", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        upgrade(engine)
        measure("sqlite", engine, Path(tmp) / "data", args.n)
        engine.dispose()
        if args.postgres:
            schema = "lotline_bench_auth"
            admin = make_engine(args.postgres)
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
                conn.execute(text(f"DROP PUBLICATION IF EXISTS powersync_{schema}"))
                conn.execute(text(f"CREATE SCHEMA {schema}"))
            engine = make_engine(args.postgres, schema=schema)
            try:
                upgrade(engine)
                measure("postgres", engine, Path(tmp) / "data", args.n)
            finally:
                engine.dispose()
                with admin.begin() as conn:
                    conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
                    conn.execute(text(f"DROP PUBLICATION IF EXISTS powersync_{schema}"))
                admin.dispose()


if __name__ == "__main__":
    main()

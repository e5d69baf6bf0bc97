"""Trace benchmark: backward and forward traces and the recall scope of a wide raw lot, against a naive walk.

    .venv/bin/python bench/trace.py --units 1000000 --db sqlite --db postgres

Generates the plant with `backend.seed.scale` (or reuses it with --reuse), then times the real services and,
in the same process, a naive breadth-first walk that issues one SELECT per node. Prints a table per database
and writes bench/results/trace-<db>.json. Times are reported against targets, never asserted.
"""

from __future__ import annotations

# The imports come after sys.path is fixed: run as a script, bench/ is first on sys.path, where bench/sync.py
# would shadow the sync package.
# ruff: noqa: E402
import sys
from pathlib import Path

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import json
import os
import platform
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from backend.auth.principal import SYSTEM
from backend.db import make_engine
from backend.migrate import upgrade
from backend.recall.scope_service import recall_scope
from backend.seed.scale import generate
from backend.trace.service import trace
from shared_models.enums import Direction

RESULTS = Path(__file__).resolve().parent / "results"
SCHEMA = "lotline_bench"
MAX_DEPTH = 12
MAX_NODES = 5000
TARGET_BACKWARD_P95_MS = 50.0
TARGET_RECALL_MS = 1000.0
RECALL_RUNS = 5
console = Console(width=None if sys.stdout.isatty() else 120)  # a readable table in a nohup log too


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=1_000_000)
    parser.add_argument("--db", action="append", choices=("sqlite", "postgres"), help="repeat for both")
    parser.add_argument("--data-dir", type=Path, default=Path("var/bench"))
    parser.add_argument("--postgres-url", default=os.environ.get("LOTLINE_BENCH_POSTGRES_URL",
                                                                 "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--reuse", action="store_true", help="keep a database that already has this many units")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    for db in args.db or ["sqlite"]:
        engine, stats, reused = prepare(db, args)
        try:
            result = measure(db, engine, stats, reused, args)
        finally:
            engine.dispose()
        report(result)
        out = RESULTS / f"trace-{db}.json"
        out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        console.print(f"[dim]wrote {out}[/]")


# -- the database -------------------------------------------------------------------------------------------
def prepare(db: str, args: argparse.Namespace) -> tuple[Engine, dict[str, Any], bool]:
    """An engine on a database holding the generated plant, its generation stats, and whether it was reused."""
    stats_file = args.data_dir / f"trace-{db}.stats.json"
    engine = open_engine(db, args, fresh=False)
    if args.reuse and stats_file.exists():
        stats = json.loads(stats_file.read_text(encoding="utf-8"))
        if stats.get("units_requested") == args.units and stats.get("seed") == args.seed \
                and count_units(engine) == stats["unit"]:
            console.print(f"[bold]{db}[/]: reusing {stats['unit']:,} units")
            upgrade(engine)  # the data stays; the schema follows migrations added since it was generated
            return engine, stats, True
    engine.dispose()
    engine = open_engine(db, args, fresh=True)
    upgrade(engine)
    console.print(f"[bold]{db}[/]: generating {args.units:,} units (seed {args.seed})")
    stats = {**generate(engine, units=args.units, seed=args.seed, console=console),
             "units_requested": args.units, "seed": args.seed}
    stats_file.write_text(json.dumps(stats, indent=2) + "\n", encoding="utf-8")
    return engine, stats, False


def open_engine(db: str, args: argparse.Namespace, *, fresh: bool) -> Engine:
    if db == "sqlite":
        path = args.data_dir / "trace-sqlite.db"
        if fresh:
            for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                stale.unlink(missing_ok=True)
        return make_engine(f"sqlite:///{path}")
    if fresh:
        admin = make_engine(args.postgres_url)
        with admin.begin() as conn:
            # Publications are per database, not per schema: the sync migration's one outlives DROP SCHEMA.
            conn.execute(text(f"DROP PUBLICATION IF EXISTS powersync_{SCHEMA}"))
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
        admin.dispose()
    return make_engine(args.postgres_url, schema=SCHEMA)


def count_units(engine: Engine) -> int:
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT COUNT(*) FROM unit")).scalar_one()
    except DBAPIError:  # no tables yet: nothing to reuse
        return -1


# -- measuring ----------------------------------------------------------------------------------------------
def measure(db: str, engine: Engine, stats: dict[str, Any], reused: bool, args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    with engine.connect() as conn:
        finished = list(conn.execute(text(
            "SELECT code FROM unit WHERE kind = 'serial' AND code LIKE 'FG-%' ORDER BY code")).scalars())
        lots = list(conn.execute(text(
            "SELECT code FROM unit WHERE kind = 'lot' AND code LIKE 'CMP-%' ORDER BY code")).scalars())
        version = conn.execute(text("SELECT sqlite_version()" if db == "sqlite" else "SHOW server_version")).scalar()
    backward_codes = rng.sample(finished, min(args.samples, len(finished)))
    forward_codes = rng.sample(lots, min(args.samples, len(lots)))
    wide = str(stats["wide_raw_lot"])

    with console.status(f"{db}: warming up"):
        for code in backward_codes[:5] + forward_codes[:2]:
            run_trace(engine, code, Direction.FORWARD if code.startswith("CMP-") else Direction.BACKWARD)
    with console.status(f"{db}: {len(backward_codes)} backward traces"):
        backward = [run_trace(engine, code, Direction.BACKWARD) for code in backward_codes]
    with console.status(f"{db}: {len(forward_codes)} forward traces"):
        forward = [run_trace(engine, code, Direction.FORWARD) for code in forward_codes]
    with console.status(f"{db}: recall scope of {wide}"):
        recalls = [run_recall(engine, wide) for _ in range(RECALL_RUNS)]
    with console.status(f"{db}: naive walks, one SELECT per node"):
        naive_backward = [naive_walk(engine, code, Direction.BACKWARD) for code in backward_codes]
        naive_recall = naive_walk(engine, wide, Direction.FORWARD)

    backward_ms = summary([ms for ms, _ in backward])
    recall_ms = [ms for ms, _ in recalls]
    scope = recalls[0][1]
    naive_backward_ms = summary([ms for ms, _ in naive_backward])
    return {
        "db": db, "version": version, "units_requested": args.units, "reused": reused,
        "rows": {k: v for k, v in stats.items() if isinstance(v, int) and k not in ("units_requested", "seed")},
        "generation_s": stats["seconds"],
        "backward_ms": {**backward_ms, "samples": len(backward), "nodes_avg": mean_nodes(backward)},
        "forward_ms": {**summary([ms for ms, _ in forward]), "samples": len(forward), "nodes_avg": mean_nodes(forward)},
        "recall": {"seed": wide, "runs_ms": [round(ms, 1) for ms in recall_ms], "min_ms": round(min(recall_ms), 1),
                   "median_ms": round(statistics.median(recall_ms), 1),
                   "finished_units": scope.totals.finished_units, "units_in_scope": scope.totals.units_in_scope,
                   "in_stock_units": scope.totals.in_stock_units, "shipped_units": scope.totals.shipped_units,
                   "customers": scope.totals.customers},
        "naive": {"backward_ms": naive_backward_ms,
                  "backward_ratio_p50": ratio(naive_backward_ms["p50"], backward_ms["p50"]),
                  "backward_ratio_p95": ratio(naive_backward_ms["p95"], backward_ms["p95"]),
                  "recall_walk_ms": round(naive_recall[0], 1), "recall_finished_units": naive_recall[1],
                  "recall_ratio": ratio(naive_recall[0], statistics.median(recall_ms))},
        "targets": {"backward_p95_ms": TARGET_BACKWARD_P95_MS, "recall_ms": TARGET_RECALL_MS},
        "machine": {"cpus": os.cpu_count(), "loadavg_at_end": [round(x, 2) for x in os.getloadavg()],
                    "python": platform.python_version()},
    }


def run_trace(engine: Engine, code: str, direction: Direction) -> tuple[float, int]:
    with Session(engine) as session:
        started = time.perf_counter()
        graph = trace(session, SYSTEM, code, direction, max_depth=MAX_DEPTH, max_nodes=MAX_NODES)
        elapsed = (time.perf_counter() - started) * 1000
        session.rollback()
    return elapsed, graph.total_nodes


def run_recall(engine: Engine, code: str) -> tuple[float, Any]:
    with Session(engine) as session:
        started = time.perf_counter()
        scope = recall_scope(session, SYSTEM, [code], max_depth=MAX_DEPTH)
        elapsed = (time.perf_counter() - started) * 1000
        session.rollback()
    return elapsed, scope


def naive_walk(engine: Engine, code: str, direction: Direction) -> tuple[float, int]:
    """Breadth-first, one SELECT per node, visited set in Python: the walk without a recursive query.
    Returns milliseconds and the produced units that went into nothing further (recall's 'finished')."""
    with engine.connect() as conn:
        dbapi = conn.connection.driver_connection
        mark = "?" if engine.dialect.name == "sqlite" else "%s"
        near, far = ("child_id", "parent_id") if direction is Direction.BACKWARD else ("parent_id", "child_id")
        step = (f"SELECT e.{far}, e.kind, u.work_order_id FROM genealogy_edge e JOIN unit u ON u.id = e.{far} "
                f"WHERE e.{near} = {mark}")
        cur = dbapi.cursor()
        started = time.perf_counter()
        cur.execute(f"SELECT id, work_order_id FROM unit WHERE code = {mark}", (code,))
        root, root_order = cur.fetchone()
        seen, frontier, leaves, containers = {root}, [root], 0, set()
        produced = {root} if root_order is not None else set()
        for _depth in range(MAX_DEPTH):
            nxt = []
            for unit_id in frontier:
                cur.execute(step, (unit_id,))
                rows = cur.fetchall()
                if not any(kind == "transform" for _, kind, _ in rows) and unit_id not in containers \
                        and unit_id in produced:
                    leaves += 1
                for other, kind, order in rows:
                    if kind == "aggregate" and direction is Direction.FORWARD:
                        containers.add(other)
                    if order is not None:
                        produced.add(other)
                    if other not in seen:
                        seen.add(other)
                        nxt.append(other)
            frontier = nxt
            if not frontier:
                break
        elapsed = (time.perf_counter() - started) * 1000
        cur.close()
        conn.rollback()
    return elapsed, leaves


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def pct(p: float) -> float:
        return round(ordered[max(0, min(len(ordered) - 1, int(p * len(ordered) + 0.999999) - 1))], 2)

    return {"p50": pct(0.50), "p95": pct(0.95), "p99": pct(0.99), "max": round(ordered[-1], 2)}


def mean_nodes(runs: list[tuple[float, int]]) -> float:
    return round(statistics.fmean(n for _, n in runs), 1)


def ratio(naive: float, cte: float) -> float:
    return float(f"{naive / cte:.3g}") if cte else 0.0


# -- reporting ----------------------------------------------------------------------------------------------
def report(r: dict[str, Any]) -> None:
    mark: Callable[[float, float], str] = lambda value, target: (  # noqa: E731
        f"[green]{value:,.1f} ✓[/]" if value < target else f"[red]{value:,.1f} ✗[/]")
    rows = r["rows"]
    t = Table(title=f"{r['db']} {r['version']}: {rows['unit']:,} units, {rows['event']:,} events, "
                    f"{rows['event_line']:,} lines, {rows['genealogy_edge']:,} edges", title_justify="left")
    t.add_column("measure")
    t.add_column("value", justify="right")
    t.add_column("target / note")
    t.add_row("generation", f"{r['generation_s']:,.1f} s", "reused" if r["reused"] else "")
    b, f, rc, nv = r["backward_ms"], r["forward_ms"], r["recall"], r["naive"]
    t.add_row("backward trace p50 / p99 / max",
              f"{b['p50']:.1f} / {b['p99']:.1f} / {b['max']:.1f} ms", f"{b['samples']} finished serials, "
              f"{b['nodes_avg']:.0f} nodes avg")
    t.add_row("backward trace p95", mark(b["p95"], TARGET_BACKWARD_P95_MS) + " ms", f"< {TARGET_BACKWARD_P95_MS:g} ms")
    t.add_row("forward trace p50 / p95", f"{f['p50']:.1f} / {f['p95']:.1f} ms",
              f"{f['samples']} component lots, {f['nodes_avg']:.0f} nodes avg (cap {MAX_NODES})")
    t.add_row("recall scope min / median", f"{rc['min_ms']:,.1f} / " + mark(rc["median_ms"], TARGET_RECALL_MS) + " ms",
              f"< {TARGET_RECALL_MS:g} ms; {rc['seed']}")
    t.add_row("  reaches", f"{rc['finished_units']:,} finished",
              f"{rc['units_in_scope']:,} units in scope, {rc['in_stock_units']:,} in stock, "
              f"{rc['shipped_units']:,} shipped to {rc['customers']} customers")
    t.add_row("naive backward p50 / p95", f"{nv['backward_ms']['p50']:.1f} / {nv['backward_ms']['p95']:.1f} ms",
              f"naive/CTE ×{nv['backward_ratio_p50']} (p50), ×{nv['backward_ratio_p95']} (p95)")
    t.add_row("naive recall walk", f"{nv['recall_walk_ms']:,.0f} ms",
              f"naive/CTE ×{nv['recall_ratio']}; walk only, {nv['recall_finished_units']:,} finished")
    console.print(t)


if __name__ == "__main__":
    main()

"""Trace benchmark: recall scope, forward and backward traces read from the reachability, beside the recursive walk
they replaced, on SQLite and PostgreSQL, at several plant sizes, with how each figure grows.

    .venv/bin/python bench/trace.py --units 100000 --units 300000 --units 1000000 --db sqlite --db postgres

Generates each plant with `backend.seed.scale` (reachability included; or reuses it with --reuse), then times in
the same process the services (backend/recall/scope_service.py, backend/trace/service.py) and the walk
(`recall_scope_by_walk`, `trace_by_walk`: the answers as they were before, the forward trace capped at
5,000 nodes as it was). Prints a table per database and size, then the growth of each figure across sizes as
the exponent b of figure ∝ units^b (0: flat; 1: in step with the database); writes
bench/results/trace-<db>-<units>.json and bench/results/trace-growth.json. Times are reported against targets,
never asserted.
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
import math
import os
import platform
import random
import statistics
import subprocess
import time
import types
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
from backend.recall.scope_service import recall_scope, recall_scope_by_walk
from backend.seed.scale import generate
from backend.trace.service import trace
from backend.trace.walk import trace_by_walk
from shared_models.enums import Direction

RESULTS = Path(__file__).resolve().parent / "results"
MAX_DEPTH = 12
OLD_CAP = 5000           # the walk's trace stopped here (`truncated`)
FIRST_PAGE = 500         # a screenful: what the trace explorer asks for first
WHOLE_PAGE = 5000        # the largest page the API gives (trace_max_nodes)
TARGETS = {"backward_p95_ms": 50.0, "recall_ms": 1000.0, "first_page_p95_ms": 100.0, "whole_trace_ms": 1000.0}
console = Console(width=None if sys.stdout.isatty() else 130)  # a readable table in a nohup log too


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, action="append", help="repeat for several sizes")
    parser.add_argument("--db", action="append", choices=("sqlite", "postgres"), help="repeat for both")
    parser.add_argument("--data-dir", type=Path, default=Path("var/bench"))
    parser.add_argument("--postgres-url", default=os.environ.get("LOTLINE_BENCH_POSTGRES_URL",
                                                                 "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--reuse", action="store_true", help="keep a database that already has this many units")
    parser.add_argument("--samples", type=int, default=60, help="traces per kind (the walk gets a third)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--against", metavar="REV", help="also time the forward trace of backend/trace/service.py "
                        "at this git revision, each trace beside today's (before and after in one run)")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    results: list[dict[str, Any]] = []
    for units in sorted(args.units or [100_000]):
        for db in args.db or ["sqlite"]:
            engine, stats, reused = prepare(db, units, args)
            try:
                result = measure(db, engine, stats, reused, units, args)
            finally:
                engine.dispose()
            report(result)
            out = RESULTS / f"trace-{db}-{units}.json"
            out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
            console.print(f"[dim]wrote {out}[/]")
            results.append(result)
    growth = growth_of(results)
    report_growth(growth)
    (RESULTS / "trace-growth.json").write_text(json.dumps(growth, indent=2) + "\n", encoding="utf-8")


# -- the databases ------------------------------------------------------------------------------------------
def prepare(db: str, units: int, args: argparse.Namespace) -> tuple[Engine, dict[str, Any], bool]:
    """An engine on a database holding the generated plant, its generation stats, and whether it was reused."""
    stats_file = args.data_dir / f"trace-{db}-{units}.stats.json"
    engine = open_engine(db, units, args, fresh=False)
    if args.reuse and stats_file.exists():
        stats = json.loads(stats_file.read_text(encoding="utf-8"))
        if stats.get("seed") == args.seed and count_units(engine) == stats["unit"]:
            console.print(f"[bold]{db}[/]: reusing {stats['unit']:,} units")
            upgrade(engine)  # the data stays; the schema follows migrations added since it was generated
            return engine, stats, True
    engine.dispose()
    engine = open_engine(db, units, args, fresh=True)
    upgrade(engine)
    console.print(f"[bold]{db}[/]: generating {units:,} units (seed {args.seed})")
    stats = {**generate(engine, units=units, seed=args.seed, console=console), "units_requested": units,
             "seed": args.seed}
    stats_file.write_text(json.dumps(stats, indent=2) + "\n", encoding="utf-8")
    return engine, stats, False


def open_engine(db: str, units: int, args: argparse.Namespace, *, fresh: bool) -> Engine:
    if db == "sqlite":
        path = args.data_dir / f"trace-sqlite-{units}.db"
        if fresh:
            for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                stale.unlink(missing_ok=True)
        return make_engine(f"sqlite:///{path}")
    schema = f"lotline_bench_{units}"
    if fresh:
        admin = make_engine(args.postgres_url)
        with admin.begin() as conn:
            # Publications are per database, not per schema: the sync migration's one outlives DROP SCHEMA.
            conn.execute(text(f"DROP PUBLICATION IF EXISTS powersync_{schema}"))
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        admin.dispose()
    return make_engine(args.postgres_url, schema=schema)


def count_units(engine: Engine) -> int:
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT COUNT(*) FROM unit")).scalar_one()
    except DBAPIError:  # no tables yet: nothing to reuse
        return -1


# -- measuring ----------------------------------------------------------------------------------------------
def measure(db: str, engine: Engine, stats: dict[str, Any], reused: bool, units: int,
            args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    with engine.connect() as conn:
        finished = list(conn.execute(text(
            "SELECT code FROM unit WHERE kind = 'serial' AND code LIKE 'FG-%' ORDER BY code")).scalars())
        lots = list(conn.execute(text(
            "SELECT code FROM unit WHERE kind = 'lot' AND code LIKE 'CMP-%' ORDER BY code")).scalars())
        version = conn.execute(text("SELECT sqlite_version()" if db == "sqlite" else "SHOW server_version")).scalar()
        reach_rows = conn.execute(text("SELECT COUNT(*) FROM reach")).scalar_one()
    backward_codes = rng.sample(finished, min(args.samples, len(finished)))
    forward_codes = rng.sample(lots, min(args.samples, len(lots)))
    old_n = max(3, args.samples // 3)
    wide = str(stats["wide_raw_lot"])

    with console.status(f"{db} {units:,}: warming up"):
        for code in backward_codes[:5]:
            timed(engine, lambda s, c=code: trace(s, SYSTEM, c, Direction.BACKWARD, max_depth=MAX_DEPTH,
                                                  max_nodes=WHOLE_PAGE))
        for code in forward_codes[:3]:
            whole_trace(engine, code)
    with console.status(f"{db} {units:,}: {len(backward_codes)} backward traces"):
        backward = [timed(engine, lambda s, c=code: trace(s, SYSTEM, c, Direction.BACKWARD, max_depth=MAX_DEPTH,
                                                          max_nodes=WHOLE_PAGE))[0] for code in backward_codes]
        backward_old = [timed(engine, lambda s, c=code: trace_by_walk(
            s, SYSTEM, c, Direction.BACKWARD, max_depth=MAX_DEPTH, max_nodes=OLD_CAP))[0]
            for code in backward_codes[:old_n]]
    with console.status(f"{db} {units:,}: {len(forward_codes)} forward traces"):
        before = service_at(args.against) if args.against else None
        first, whole, first_before, whole_before = [], [], [], []
        for code in forward_codes:  # each trace beside the same trace by the code --against names
            for run, firsts, wholes in ((trace, first, whole), (before, first_before, whole_before)):
                if run is not None:
                    firsts.append(timed(engine, lambda s, c=code, f=run: f(s, SYSTEM, c, Direction.FORWARD,
                                                                           max_depth=MAX_DEPTH, max_nodes=FIRST_PAGE)))
                    wholes.append(whole_trace(engine, code, run))
        forward_old = [timed(engine, lambda s, c=code: trace_by_walk(
            s, SYSTEM, c, Direction.FORWARD, max_depth=MAX_DEPTH, max_nodes=OLD_CAP)) for code in forward_codes[:old_n]]
    with console.status(f"{db} {units:,}: recall scope of {wide}"):
        recalls = [timed(engine, lambda s: recall_scope(s, SYSTEM, [wide], max_depth=MAX_DEPTH)) for _ in range(5)]
        recalls_old = [timed(engine, lambda s: recall_scope_by_walk(s, SYSTEM, [wide], max_depth=MAX_DEPTH))
                       for _ in range(2)]

    scope, scope_old = recalls[0][1], recalls_old[0][1]
    recall_ms = [ms for ms, _ in recalls]
    recall_old_ms = [ms for ms, _ in recalls_old]
    complete = all(n == g.total_nodes for (_ms, n, _p), (_m, g) in zip(whole, first, strict=True))
    b, bo = summary(backward), summary(backward_old)
    fp, fw, fo = summary([ms for ms, _ in first]), summary([ms for ms, _n, _p in whole]), \
        summary([ms for ms, _ in forward_old])
    return {
        "db": db, "version": version, "units_requested": units, "reused": reused,
        "rows": {k: v for k, v in stats.items() if isinstance(v, int) and k not in ("units_requested", "seed")},
        "generation_s": stats["seconds"], "reach_build_s": stats.get("reach_seconds"), "reach_rows": reach_rows,
        "backward_ms": {**b, "samples": len(backward)},
        "backward_walk_ms": {**bo, "samples": len(backward_old)},
        "forward_first_page_ms": {**fp, "samples": len(first), "page": FIRST_PAGE},
        "forward_whole_ms": {**fw, "samples": len(whole), "page": WHOLE_PAGE,
                             "pages_avg": round(statistics.fmean(p for _ms, _n, p in whole), 2),
                             "nodes_avg": round(statistics.fmean(n for _ms, n, _p in whole), 1),
                             "nodes_max": max(n for _ms, n, _p in whole), "complete": complete},
        "forward_walk_ms": {**fo, "samples": len(forward_old), "cap": OLD_CAP,
                            "truncated": sum(g.truncated for _ms, g in forward_old)},
        "recall": {"seed": wide, "runs_ms": [round(ms, 1) for ms in recall_ms], "min_ms": round(min(recall_ms), 1),
                   "median_ms": round(statistics.median(recall_ms), 1),
                   "finished_units": scope.totals.finished_units, "units_in_scope": scope.totals.units_in_scope,
                   "in_stock_units": scope.totals.in_stock_units, "shipped_units": scope.totals.shipped_units,
                   "customers": scope.totals.customers,
                   "same_as_walk": scope.totals.model_dump() == scope_old.totals.model_dump()
                   and scope.finished_by_item == scope_old.finished_by_item
                   and scope.finished_units == scope_old.finished_units},
        "recall_walk": {"runs_ms": [round(ms, 1) for ms in recall_old_ms],
                        "median_ms": round(statistics.median(recall_old_ms), 1)},
        "forward_against": None if not args.against else {
            "rev": args.against, "first_page_ms": summary([ms for ms, _ in first_before]),
            "whole_ms": summary([ms for ms, _n, _p in whole_before]),
            "same_totals": all(g.total_nodes == b.total_nodes for (_m, g), (_n, b) in zip(first, first_before,
                                                                                       strict=True))},
        "ratios": {"backward_p95": ratio(bo["p95"], b["p95"]), "forward_whole_p50": ratio(fo["p50"], fw["p50"]),
                   "forward_first_page_p50": ratio(fo["p50"], fp["p50"]),
                   "recall": ratio(statistics.median(recall_old_ms), statistics.median(recall_ms))},
        "targets": TARGETS,
        "machine": {"cpus": os.cpu_count(), "loadavg_at_end": [round(x, 2) for x in os.getloadavg()],
                    "python": platform.python_version()},
    }


def timed(engine: Engine, run: Callable[[Session], Any]) -> tuple[float, Any]:
    with Session(engine) as session:
        started = time.perf_counter()
        answer = run(session)
        elapsed = (time.perf_counter() - started) * 1000
        session.rollback()
    return elapsed, answer


def service_at(rev: str) -> Callable[..., Any]:
    """`trace` as backend/trace/service.py had it at git revision `rev`."""
    source = subprocess.run(["git", "show", f"{rev}:backend/trace/service.py"], capture_output=True, text=True,
                            check=True, cwd=Path(__file__).resolve().parents[1]).stdout
    module = types.ModuleType(f"trace_service_at_{rev}")
    exec(compile(source, f"{rev}:backend/trace/service.py", "exec"), module.__dict__)
    return module.trace  # type: ignore[no-any-return]


def whole_trace(engine: Engine, code: str, run: Callable[..., Any] = trace) -> tuple[float, int, int]:
    """Every page of a forward trace: milliseconds, nodes, pages."""
    with Session(engine) as session:
        started = time.perf_counter()
        graph = run(session, SYSTEM, code, Direction.FORWARD, max_depth=MAX_DEPTH, max_nodes=WHOLE_PAGE)
        nodes, pages = len(graph.nodes), 1
        while graph.next_cursor is not None:
            graph = run(session, SYSTEM, code, Direction.FORWARD, max_depth=MAX_DEPTH, max_nodes=WHOLE_PAGE,
                          cursor=graph.next_cursor)
            nodes, pages = nodes + len(graph.nodes), pages + 1
        elapsed = (time.perf_counter() - started) * 1000
        session.rollback()
    return elapsed, nodes, pages


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def pct(p: float) -> float:
        return round(ordered[max(0, min(len(ordered) - 1, int(p * len(ordered) + 0.999999) - 1))], 2)

    return {"p50": pct(0.50), "p95": pct(0.95), "p99": pct(0.99), "max": round(ordered[-1], 2)}


def ratio(old: float, new: float) -> float:
    return float(f"{old / new:.3g}") if new else 0.0


# -- growth -------------------------------------------------------------------------------------------------
FIGURES: dict[str, Callable[[dict[str, Any]], float]] = {
    "backward p95 ms": lambda r: r["backward_ms"]["p95"],
    "backward p95 ms (walk)": lambda r: r["backward_walk_ms"]["p95"],
    "forward first page p95 ms": lambda r: r["forward_first_page_ms"]["p95"],
    "forward whole p95 ms": lambda r: r["forward_whole_ms"]["p95"],
    "forward nodes avg": lambda r: r["forward_whole_ms"]["nodes_avg"],
    "forward p95 ms (walk, capped)": lambda r: r["forward_walk_ms"]["p95"],
    "recall median ms": lambda r: r["recall"]["median_ms"],
    "recall median ms (walk)": lambda r: r["recall_walk"]["median_ms"],
    "recall units in scope": lambda r: r["recall"]["units_in_scope"],
    "recall µs per unit in scope": lambda r: 1000 * r["recall"]["median_ms"] / r["recall"]["units_in_scope"],
    "reach rows": lambda r: r["reach_rows"],
}


def growth_of(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Per database: each figure at each size, and its exponent b (figure ∝ units^b) from the smallest size to the
    largest."""
    out: dict[str, Any] = {}
    for db in sorted({r["db"] for r in results}):
        runs = sorted((r for r in results if r["db"] == db), key=lambda r: r["rows"]["unit"])
        sizes = [r["rows"]["unit"] for r in runs]
        figures = {}
        for name, read in FIGURES.items():
            values = [round(read(r), 2) for r in runs]
            slope = None
            if len(runs) > 1 and values[0] > 0 and values[-1] > 0:
                slope = round(math.log(values[-1] / values[0]) / math.log(sizes[-1] / sizes[0]), 2)
            figures[name] = {"values": values, "slope": slope}
        out[db] = {"units": sizes, "figures": figures}
    return out


# -- reporting ----------------------------------------------------------------------------------------------
def report(r: dict[str, Any]) -> None:
    mark: Callable[[float, float], str] = lambda value, target: (  # noqa: E731
        f"[green]{value:,.1f} ✓[/]" if value < target else f"[red]{value:,.1f} ✗[/]")
    rows = r["rows"]
    t = Table(title=f"{r['db']} {r['version']}: {rows['unit']:,} units, {rows['event']:,} events, "
                    f"{rows['genealogy_edge']:,} edges, {r['reach_rows']:,} reach pairs", title_justify="left")
    t.add_column("measure")
    t.add_column("reachability", justify="right")
    t.add_column("walk", justify="right")
    t.add_column("walk / reach", justify="right")
    t.add_column("target / note")
    gen = f"{r['generation_s']:,.1f} s" + (f", reach {r['reach_build_s']:,.1f} s" if r["reach_build_s"] else "")
    t.add_row("generation", gen, "", "", "reused" if r["reused"] else "")
    b, bo = r["backward_ms"], r["backward_walk_ms"]
    t.add_row("backward trace p50 / p95", f"{b['p50']:.1f} / " + mark(b["p95"], TARGETS["backward_p95_ms"]),
              f"{bo['p50']:.1f} / {bo['p95']:.1f}", f"×{r['ratios']['backward_p95']}",
              f"< {TARGETS['backward_p95_ms']:g} ms; {b['samples']} finished serials")
    fp, fw, fo = r["forward_first_page_ms"], r["forward_whole_ms"], r["forward_walk_ms"]
    t.add_row(f"forward first page ({fp['page']}) p50 / p95",
              f"{fp['p50']:.1f} / " + mark(fp["p95"], TARGETS["first_page_p95_ms"]), "", "",
              f"< {TARGETS['first_page_p95_ms']:g} ms; {fp['samples']} component lots")
    t.add_row("forward whole trace p50 / p95", f"{fw['p50']:.1f} / " + mark(fw["p95"], TARGETS["whole_trace_ms"]),
              f"{fo['p50']:.1f} / {fo['p95']:.1f}", f"×{r['ratios']['forward_whole_p50']} (p50)",
              f"< {TARGETS['whole_trace_ms']:g} ms; {fw['nodes_avg']:,.0f} nodes avg (max {fw['nodes_max']:,}), "
              f"{fw['pages_avg']} pages of {fw['page']}; complete: {fw['complete']}; walk capped at {fo['cap']}, "
              f"{fo['truncated']} of {fo['samples']} truncated")
    if r.get("forward_against"):
        fa = r["forward_against"]
        t.add_row(f"  forward at {fa['rev']}: first page / whole p50 / p95",
                  f"{fa['first_page_ms']['p50']:.1f} / {fa['first_page_ms']['p95']:.1f}; "
                  f"{fa['whole_ms']['p50']:.1f} / {fa['whole_ms']['p95']:.1f}", "", "",
                  f"the same traces, each beside today's; same totals: {fa['same_totals']}")
    rc, ro = r["recall"], r["recall_walk"]
    t.add_row("recall scope min / median", f"{rc['min_ms']:,.1f} / " + mark(rc["median_ms"], TARGETS["recall_ms"]),
              f"{ro['median_ms']:,.1f}", f"×{r['ratios']['recall']}",
              f"< {TARGETS['recall_ms']:g} ms; {rc['seed']}; same answer as the walk: {rc['same_as_walk']}")
    t.add_row("  reaches", f"{rc['finished_units']:,} finished", "", "",
              f"{rc['units_in_scope']:,} units in scope, {rc['in_stock_units']:,} in stock, "
              f"{rc['shipped_units']:,} shipped to {rc['customers']} customers")
    console.print(t)


def report_growth(growth: dict[str, Any]) -> None:
    for db, g in growth.items():
        t = Table(title=f"{db}: growth across sizes (b in figure ∝ units^b: 0 flat, 1 in step with the database)",
                  title_justify="left")
        t.add_column("figure")
        for units in g["units"]:
            t.add_column(f"{units:,} units", justify="right")
        t.add_column("b", justify="right")
        for name, f in g["figures"].items():
            t.add_row(name, *(f"{v:,.1f}" for v in f["values"]), "" if f["slope"] is None else f"{f['slope']:+.2f}")
        console.print(t)


if __name__ == "__main__":
    main()

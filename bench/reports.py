"""Report engine benchmark: p50/p95 of each shipped report (first page of 100 rows, with its total) on the trace
bench's plant, and an XLSX export of many rows with the peak memory it took.

    nice -n 10 .venv/bin/python bench/reports.py --units 100000 --db sqlite [--db postgres]

Builds the plant with `backend.seed.scale` (as bench/trace.py), adds one incoming or in-process inspection per
unit with random verdicts and defects (the scale plant has none), then times the services in this process. The
export runs in a fresh process (`--export-db`), so its peak RSS is the export's own: once timed, once under
tracemalloc for the peak of Python allocations (tracemalloc slows it several times over, so it is not timed).
Figures are printed and written to bench/results/, never asserted.
"""

from __future__ import annotations

# ruff: noqa: E402
import sys
from pathlib import Path

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
import tracemalloc
from datetime import timedelta
from uuid import uuid4

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from backend.auth.principal import SYSTEM
from backend.db import make_engine
from backend.migrate import upgrade
from backend.quality.models import Inspection, InspectionPlan
from backend.reports.export import write_xlsx
from backend.reports.report_service import ReportService
from backend.reports.run_service import run_report, stream_rows
from backend.reports.schemas import ReportDefinition, RunOptions
from backend.seed.scale import generate
from shared_models.enums import InspectionStage, UnitKind
from shared_models.trace import Unit

RESULTS = Path(__file__).resolve().parent / "results"
CODES = ("D-MFI", "D-DIM", "D-SCR", "D-SOL", "D-MIS", "D-COL")


def add_inspections(engine: Engine, seed: int = 7) -> int:
    """One inspection per unit (containers aside, at most 100,000): IQC for received lots, IPQC for made units;
    ~8 % fail with 1-3 defect codes."""
    rng = random.Random(seed)
    with Session(engine) as s:
        plan = InspectionPlan(code="BENCH", name="bench", stage=InspectionStage.IPQC)
        s.add(plan)
        s.flush()
        rows = []
        units = select(Unit.id, Unit.site_id, Unit.supplier_id, Unit.created_at).where(
            Unit.kind != UnitKind.CONTAINER).limit(100_000)
        for unit_id, site_id, supplier_id, created in s.exec(units):
            fail = rng.random() < 0.08
            sample = rng.choice((13, 20, 32, 50, 80))
            defects = [{"code": c, "count": rng.randint(1, 4)} for c in rng.sample(CODES, rng.randint(1, 3))] \
                if fail else []
            rows.append({"id": str(uuid4()), "plan_id": plan.id, "unit_id": unit_id, "site_id": site_id,
                         "stage": "iqc" if supplier_id else "ipqc", "lot_size": sample, "sample_size": sample,
                         "accept": 0, "reject": 1, "defective_units": sum(d["count"] for d in defects) if fail else 0,
                         "answers": {}, "defects": defects, "verdict": "fail" if fail else "pass",
                         "occurred_at": created + timedelta(hours=2), "device_id": "bench", "note": ""})
        s.execute(Inspection.__table__.insert(), rows)
        s.commit()
        return len(rows)


def time_reports(engine: Engine, repeats: int) -> dict[str, dict[str, float]]:
    out = {}
    with Session(engine) as s:
        reports = ReportService(s, SYSTEM).list_reports()
        for r in reports:
            took = []
            for _ in range(repeats):
                started = time.perf_counter()
                result = run_report(s, SYSTEM, r.definition, RunOptions(limit=100))
                took.append((time.perf_counter() - started) * 1000)
            took.sort()
            out[r.code] = {"p50_ms": round(statistics.median(took), 1),
                           "p95_ms": round(took[max(0, int(len(took) * 0.95) - 1)], 1),
                           "total_rows": result.total_rows}
    return out


def peak_rss_mib() -> float:
    """This process's own peak resident memory (VmHWM starts afresh at exec; ru_maxrss would carry the parent's
    across fork + exec on Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def export_xlsx(url: str, schema: str | None, rows: int) -> dict[str, float]:
    """In this (fresh) process: the first `rows` rows of units by unit/item/status/day written as XLSX."""
    engine = make_engine(url, schema=schema)
    definition = ReportDefinition.model_validate({"dataset": "units", "dimensions": [
        {"field": "unit"}, {"field": "item"}, {"field": "status"}, {"field": "created_at", "grain": "day"}],
        "measures": ["units"]})
    path = Path(tempfile.mkstemp(suffix=".xlsx")[1])

    def once() -> tuple[int, float]:
        with Session(engine) as s:
            columns, stream = stream_rows(s, SYSTEM, definition, RunOptions())
            started = time.perf_counter()
            written = write_xlsx(path, "units", columns, (row for _, row in zip(range(rows), stream, strict=False)))
            return written, time.perf_counter() - started

    written, seconds = once()
    rss = peak_rss_mib()
    size = path.stat().st_size
    tracemalloc.start()
    once()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    path.unlink()
    engine.dispose()
    return {"rows": written, "seconds": round(seconds, 1), "max_rss_mib": round(rss, 1),
            "python_peak_mib": round(peak / 2**20, 1), "file_mib": round(size / 2**20, 1)}


def export_in_child(url: str, schema: str | None, rows: int) -> dict[str, float]:
    args = [sys.executable, __file__, "--export-db", url, "--export-rows", str(rows)]
    done = subprocess.run([*args, *(["--schema", schema] if schema else [])], check=True, capture_output=True,
                          text=True)
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--db", action="append", choices=["sqlite", "postgres"])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--export-rows", type=int, default=100_000)
    parser.add_argument("--export-db", help=argparse.SUPPRESS)
    parser.add_argument("--schema", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export_db:
        print(json.dumps(export_xlsx(args.export_db, args.schema, args.export_rows)))
        return
    RESULTS.mkdir(exist_ok=True)
    for db in args.db or ["sqlite"]:
        if db == "sqlite":
            folder = Path(tempfile.mkdtemp(prefix="lotline-bench-reports-"))
            url, schema = f"sqlite:///{folder / 'bench.db'}", None
            engine = make_engine(url)
        else:
            url = os.environ.get("LOTLINE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
            schema = f"bench_reports_{os.getpid()}"
            admin = make_engine(url)
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
                conn.execute(text(f"CREATE SCHEMA {schema}"))
            engine = make_engine(url, schema=schema)
        try:
            upgrade(engine, "head")
            stats = generate(engine, units=args.units)
            inspections = add_inspections(engine)
            figures = {"db": db, "units": args.units, "events": stats.get("event"), "inspections": inspections,
                       "reports": time_reports(engine, args.repeats),
                       "xlsx_export": export_in_child(url, schema, args.export_rows)}
            print(json.dumps(figures, indent=2))
            (RESULTS / f"reports-{db}-{args.units}.json").write_text(json.dumps(figures, indent=2))
        finally:
            engine.dispose()
            if db == "sqlite":
                shutil.rmtree(folder, ignore_errors=True)
            if schema:
                with admin.begin() as conn:
                    conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
                    conn.execute(text(f"DROP PUBLICATION IF EXISTS powersync_{schema}"))
                admin.dispose()


if __name__ == "__main__":
    main()

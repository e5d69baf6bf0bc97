"""Label rendering benchmark: 1,000 labels to one PDF (target < 5 s) and 10,000 labels to ZPL (target < 1 s), each
label a different serial, so every GS1 element string is built, validated and read back once per label.

Figures per run: the layout step (values bound, GS1 data validated: the same work a print request does) and each
back end on the laid-out labels, then the sum. Run: .venv/bin/python bench/labels.py [--rounds 3]. Prints a table
and writes bench/results/labels.json. Figures only: nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from backend.labels.binding import normalise  # noqa: E402
from backend.labels.layout import LabelPlan, Layout  # noqa: E402
from backend.labels.pdf import render_pdf  # noqa: E402
from backend.labels.zpl import render_zpl  # noqa: E402
from shared_models.labels import check_template  # noqa: E402

SHIPPED = ROOT / "assets" / "labels"
PDF_LABELS, ZPL_LABELS = 1_000, 10_000


def template(name: str) -> Any:
    return check_template(json.loads((SHIPPED / f"{name}.json").read_text(encoding="utf-8")))


def data(doc: Any, n: int) -> list[dict[str, Any]]:
    base = normalise(doc.sample)
    return [base | {"unit.serial": f"SN{i:07d}", "unit.code": f"MTR-01/SN{i:07d}",
                    "label.printed_on": date(2026, 12, 14)} for i in range(n)]


def timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall seconds, CPU seconds of this process, result): on a shared machine the CPU time is the steadier."""
    start, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - start, time.process_time() - cpu, out


def run(name: str, n: int, backend: str, dpi: int) -> dict[str, float]:
    doc = template(name)
    plan = LabelPlan(doc, dpi)
    rows = data(doc, n)
    layout_s, layout_cpu_s, layouts = timed(lambda: [plan.place(r) for r in rows])
    render: Callable[[list[Layout]], bytes] = (lambda ls: render_pdf(ls, sheet="a4")) if backend == "pdf" \
        else (lambda ls: render_zpl(ls))
    render_s, render_cpu_s, payload = timed(lambda: render(layouts))
    return {"layout_s": layout_s, "render_s": render_s, "total_s": layout_s + render_s,
            "total_cpu_s": layout_cpu_s + render_cpu_s, "bytes": len(payload)}


CASES = [
    ("pdf_1000_product_datamatrix", "product-datamatrix", PDF_LABELS, "pdf", 300, 5.0),
    ("pdf_1000_digital_link_qr", "digital-link-qr", PDF_LABELS, "pdf", 300, 5.0),
    ("zpl_10000_product_datamatrix", "product-datamatrix", ZPL_LABELS, "zpl", 203, 1.0),
    ("zpl_10000_logistic_sscc", "gs1-logistic-sscc", ZPL_LABELS, "zpl", 203, 1.0),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    run("product-datamatrix", 50, "pdf", 300)  # warm: fonts, caches, imports
    results: dict[str, Any] = {}
    for key, name, n, backend, dpi, target in CASES:
        rounds = [run(name, n, backend, dpi) for _ in range(args.rounds)]
        median = {k: statistics.median(r[k] for r in rounds) for k in rounds[0]}
        results[key] = {"template": name, "labels": n, "dpi": dpi, "target_s": target,
                        **{k: round(v, 3) for k, v in median.items()},
                        "render_meets_target": median["render_s"] < target,
                        "total_meets_target": median["total_s"] < target}
        r = results[key]
        print(f"{key:32} layout+GS1 {r['layout_s']:6.3f} s  render {r['render_s']:6.3f} s  "
              f"total {r['total_s']:6.3f} s (CPU {r['total_cpu_s']:6.3f} s)  (target < {target:g} s)  "
              f"{r['bytes']:,} bytes")
    out = {"meta": {"python": platform.python_version(), "machine": platform.machine(), "rounds": args.rounds,
                    "load_average_1m": round(os.getloadavg()[0], 2), "cpus": os.cpu_count(),
                    "statistic": "median of rounds",
                    "note": "layout_s binds values and builds and validates every distinct GS1 element string once "
                            "(backend/labels/binding.py); render_s is the back end alone; total_cpu_s is this "
                            "process's CPU time for both"},
           "results": results}
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "labels.json").write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

"""GS1 parsing benchmark: messages parsed per second by the old parser, the new one reading syntax only ("plain")
and the new one with every check of the GS1 Barcode Syntax Dictionary (linters + AI associations), in one run.

The old parser is the package shared_models/gs1/ as committed at OLD_COMMIT, loaded from git (`git show
<commit>:<path>` of each of its files into a temporary package `gs1_old`), so both run on this machine, in this
process, over the same scans.

Run: .venv/bin/python bench/gs1.py [--rounds 7] [--seconds 0.5]. Prints a table and writes bench/results/gs1.json.
Figures only: nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from shared_models.gs1 import parse_any  # noqa: E402

OLD_COMMIT = "a1641a1"  # the last commit before issue 17's dictionary-driven table
TODAY = dt.date(2026, 6, 1)
GS = "\x1d"
#: What a handheld reads all day: GS1 DataMatrix / GS1-128 raw data with AIM ids, typed HRI, Digital Links.
SCANS = [
    "]d2" + "0109506000134352" + "17261231" + "10ABC123" + GS + "21S12345",
    "(01)09506000134352(17)261231(10)ABC123",
    "]C1" + "00106141412345678908" + "0209506000134352" + "3724",
    "https://id.gs1.org/01/09506000134352/10/ABC123/21/12345?17=261231&3103=000195",
    "]d2" + "0109506000134352" + "3103000195" + "15261231" + "10LOT-42",
    "(414)9521234000006(254)BIN7",
    "]Q3" + "0109506000134352" + "11250102" + "10L7" + GS + "240PART-9",
    "]C1" + "00106141412345678908",
]


def load_old(commit: str, tmp: Path) -> Callable[..., object]:
    """parse_any of shared_models/gs1/ at ``commit``, as the package ``gs1_old``."""
    names = subprocess.run(["git", "ls-tree", "--name-only", f"{commit}:shared_models/gs1/"], cwd=ROOT, check=True,
                           capture_output=True, text=True).stdout.split()
    package = tmp / "gs1_old"
    package.mkdir()
    for name in names:
        if name.endswith(".py"):
            text = subprocess.run(["git", "show", f"{commit}:shared_models/gs1/{name}"], cwd=ROOT, check=True,
                                  capture_output=True, text=True).stdout
            (package / name).write_text(text, encoding="utf-8")
    sys.path.insert(0, str(tmp))
    return importlib.import_module("gs1_old").parse_any  # type: ignore[no-any-return]


def rate(parse: Callable[..., object], seconds: float, **kwargs: object) -> float:
    """Messages per second over the scan corpus for about ``seconds``."""
    count, start = 0, time.perf_counter()
    while True:
        for text in SCANS:
            parse(text, today=TODAY, **kwargs)
        count += len(SCANS)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return count / elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--seconds", type=float, default=0.5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        old = load_old(OLD_COMMIT, Path(tmp))
        runs: dict[str, Callable[[], float]] = {
            "old": lambda: rate(old, args.seconds),
            "new_plain": lambda: rate(parse_any, args.seconds, lint=False, associations=False),
            "new_all_checks": lambda: rate(parse_any, args.seconds),
        }
        for parse in (old, parse_any):  # warm up and prove every scan parses in both
            for text in SCANS:
                parse(text, today=TODAY)
        samples: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(args.rounds):  # interleaved, so a noisy neighbour hits every variant alike
            for name, run in runs.items():
                samples[name].append(run())
    median = {name: round(statistics.median(values)) for name, values in samples.items()}
    result = {
        "meta": {"python": platform.python_version(), "old_commit": OLD_COMMIT, "scans": len(SCANS),
                 "rounds": args.rounds, "seconds_per_sample": args.seconds, "statistic": "median of rounds"},
        "messages_per_second": median,
        "microseconds_per_message": {name: round(1e6 / value, 1) for name, value in median.items()},
        "ratio_all_checks_to_old": round(median["new_all_checks"] / median["old"], 3),
        "ratio_plain_to_old": round(median["new_plain"] / median["old"], 3),
        "samples": {name: [round(v) for v in values] for name, values in samples.items()},
    }
    print(f"{'parser':<16}{'msg/s':>10}{'µs/msg':>10}")
    for name, value in median.items():
        print(f"{name:<16}{value:>10}{1e6 / value:>10.1f}")
    print(f"all checks / old: {result['ratio_all_checks_to_old']}")
    out = ROOT / "bench" / "results" / "gs1.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

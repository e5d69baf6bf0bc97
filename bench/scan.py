"""Scanner benchmark: frames/s of ScanPipeline vs the bare zxing call, and hit rates per symbology and distortion.

Run: .venv/bin/python bench/scan.py [--per-cell 3] [--rounds 5]. Prints a table and writes bench/results/scan.json.
Figures only: nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import cv2
import numpy as np
import zxingcpp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mobile.scanner import FORMATS, ScanPipeline, zbar_available  # noqa: E402
from mobile.scanner.distort import DISTORTIONS, make_scene  # noqa: E402
from mobile.scanner.labels import LABEL_FORMATS, Label, random_label  # noqa: E402

SEED = 20260515
RATIO_TARGET = 0.9
BARE_FORMATS = zxingcpp.BarcodeFormats(tuple(zxingcpp.BarcodeFormat[f] for f in FORMATS))
PLAIN = zxingcpp.TextMode.Plain


@dataclass
class Case:
    fmt: str
    distortion: str
    label: Label
    bgr: np.ndarray
    gray: np.ndarray
    jpeg: bytes


def build_cases(per_cell: int, seed: int) -> list[Case]:
    rng = random.Random(seed)
    cases = []
    for distortion in DISTORTIONS:
        for fmt in LABEL_FORMATS:
            for _ in range(per_cell):
                label = random_label(fmt, rng)
                bgr = make_scene(label, distortion, rng)
                _ok, jpeg = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, 90])
                cases.append(Case(fmt, distortion, label, bgr, cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY), jpeg.tobytes()))
    return cases


def bare_read(gray: np.ndarray) -> list[zxingcpp.Barcode]:
    """The bare single-attempt call: same formats and flags as the pipeline's first attempt."""
    return zxingcpp.read_barcodes(gray, formats=BARE_FORMATS, try_rotate=False, try_invert=False, text_mode=PLAIN)


def default_read(gray: np.ndarray) -> list[zxingcpp.Barcode]:
    """zxing's own all-in-one retry (try_rotate, try_invert, downscale) with the same formats."""
    return zxingcpp.read_barcodes(gray, formats=BARE_FORMATS, text_mode=PLAIN)


def fps(fn, frames: list, rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        for frame in frames:
            fn(frame)
        out.append(len(frames) / (time.perf_counter() - start))
    return out


def throughput(cases: list[Case], rounds: int) -> dict:
    """Fast path: frames the first attempt decodes, so both sides do the same zxing work."""
    hit = [c for c in cases if bare_read(c.gray)]
    pipe = ScanPipeline(debounce_ms=0)  # no debounce effects: every frame is fully processed
    grays, bgrs, jpegs = [c.gray for c in hit], [c.bgr for c in hit], [c.jpeg for c in hit]
    blank = [np.full((720, 1280), v, dtype=np.uint8) for v in (40, 128, 220)] * 4
    runs: dict[str, list[float]] = defaultdict(list)
    for _ in range(rounds):  # interleaved so machine noise hits every variant alike
        runs["bare_gray"] += fps(bare_read, grays, 1)
        runs["pipeline_gray"] += fps(pipe.feed, grays, 1)
        runs["pipeline_bgr"] += fps(pipe.feed, bgrs, 1)
        runs["pipeline_jpeg"] += fps(pipe.feed, jpegs, 1)
    runs["bare_blank"] = fps(bare_read, blank, rounds)
    runs["pipeline_blank"] = fps(pipe.feed, blank, rounds)
    med = {k: statistics.median(v) for k, v in runs.items()}
    return {
        "frames": len(hit),
        "fps": {k: round(v, 1) for k, v in med.items()},
        "ratio_gray": round(med["pipeline_gray"] / med["bare_gray"], 3),
        "ratio_bgr": round(med["pipeline_bgr"] / med["bare_gray"], 3),
        "ratio_jpeg": round(med["pipeline_jpeg"] / med["bare_gray"], 3),
        "ratio_target": RATIO_TARGET,
    }


def hit_rates(cases: list[Case]) -> dict:
    pipe = ScanPipeline(debounce_ms=0)
    tally: dict[str, dict[str, Counter]] = {"format": defaultdict(Counter), "distortion": defaultdict(Counter)}
    attempts: Counter = Counter()
    wrong = Counter()
    for c in cases:
        want = c.label.expected_text  # zxing's plain text; the zbar fallback normalises to the same form
        results = pipe.read(c.bgr)
        ok = {
            "pipeline": any(r.text == want for r in results),
            "bare": any(b.text == want for b in bare_read(c.gray)),
            "zxing_default": any(b.text == want for b in default_read(c.gray)),
        }
        if ok["pipeline"]:
            attempts[results[0].attempt] += 1
        elif results:
            wrong["pipeline"] += 1
        for who, hit in ok.items():
            for axis, key in (("format", c.fmt), ("distortion", c.distortion)):
                tally[axis][key][who] += hit
                tally[axis][key]["n"] += who == "pipeline"
    total = Counter()
    for counter in tally["format"].values():
        total.update(counter)
    return {
        "by_format": {k: dict(v) for k, v in tally["format"].items()},
        "by_distortion": {k: dict(v) for k, v in tally["distortion"].items()},
        "total": dict(total),
        "pipeline_attempts": dict(attempts),
        "pipeline_wrong_reads": wrong["pipeline"],
    }


def pct(counter: dict, who: str) -> str:
    return f"{100 * counter[who] / counter['n']:5.1f}%"


def print_report(tp: dict, hr: dict) -> None:
    f = tp["fps"]
    print(f"(a) frames/s at 1280x720 on {tp['frames']} frames the first attempt decodes (median of rounds)")
    print(f"    bare zxingcpp.read_barcodes (gray, same formats/flags): {f['bare_gray']:7.1f}")
    print(f"    ScanPipeline.feed, gray ndarray:  {f['pipeline_gray']:7.1f}   ratio {tp['ratio_gray']:.3f}"
          f"   (target >= {RATIO_TARGET})")  # fmt: skip
    print(f"    ScanPipeline.feed, BGR ndarray:   {f['pipeline_bgr']:7.1f}   ratio {tp['ratio_bgr']:.3f}")
    print(f"    ScanPipeline.feed, JPEG bytes:    {f['pipeline_jpeg']:7.1f}   ratio {tp['ratio_jpeg']:.3f}")
    print(f"    blank frame: bare {f['bare_blank']:.1f} fps, pipeline (all retries) {f['pipeline_blank']:.1f} fps")
    print(f"(b) hit rate, {hr['total']['n']} frames (seed {SEED}); zbar fallback: {zbar_available()}")
    header = f"    {'':14} {'pipeline':>9} {'bare':>7} {'zx-dflt':>8}   n"
    for axis in ("by_format", "by_distortion"):
        print(header)
        for key, counter in hr[axis].items():
            print(f"    {key:14} {pct(counter, 'pipeline'):>9} {pct(counter, 'bare'):>7} "
                  f"{pct(counter, 'zxing_default'):>8} {counter['n']:3}")  # fmt: skip
    t = hr["total"]
    print(f"    {'ALL':14} {pct(t, 'pipeline'):>9} {pct(t, 'bare'):>7} {pct(t, 'zxing_default'):>8} {t['n']:3}")
    print(f"    pipeline hits by attempt: {hr['pipeline_attempts']}; wrong reads: {hr['pipeline_wrong_reads']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-cell", type=int, default=3, help="labels per (symbology, distortion)")
    parser.add_argument("--rounds", type=int, default=5, help="timing rounds per variant")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "scan.json")
    args = parser.parse_args()
    cases = build_cases(args.per_cell, SEED)
    tp = throughput(cases, args.rounds)
    hr = hit_rates(cases)
    print_report(tp, hr)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "seed": SEED,
        "per_cell": args.per_cell,
        "zxing_cpp": version("zxing-cpp"),
        "opencv": cv2.__version__,
        "python": platform.python_version(),
        "zbar_fallback": zbar_available(),
    }
    args.out.write_text(json.dumps({"meta": meta, "throughput": tp, "hit_rate": hr}, indent=2) + "\n")
    print(f"wrote {args.out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

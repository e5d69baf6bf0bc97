"""Scanner benchmark: frames/s of continuous mode and tap-to-scan vs the bare zxing call, and hit rates.

(a) frames/s at 1280x720 for the bare zxing call, continuous mode (ScanPipeline.read(continuous=True): the live
    stream's reader) and tap-to-scan (ScanPipeline.read: every retry at once), each as a ratio to the bare call
    measured in the same run, on blank frames, on frames with a code the first attempt reads, and for information
    on cluttered frames without a code and on every frame with a code.
(b) hit rates on the distorted label set (mobile/scanner/distort.py) per symbology and distortion: tap-to-scan, one
    bare attempt, zxing's own retries, and continuous mode on the label's first frame and within 3 and 10 frames of
    it held in view, each label shown right after cluttered frames without a code (the budget as a working camera
    leaves it).

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
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import zxingcpp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mobile.scanner import FORMATS, RetryBudget, ScanPipeline, zbar_available  # noqa: E402
from mobile.scanner.distort import DISTORTIONS, cluttered_background, make_scene  # noqa: E402
from mobile.scanner.labels import LABEL_FORMATS, Label, random_label  # noqa: E402
from mobile.scanner.live import PATCH_COST, RETRY_COST  # noqa: E402
from mobile.scanner.patches import code_patches, edge_samples  # noqa: E402

SEED = 20260515
RATIO_TARGET = 0.9
HELD = (1, 3, 10)  # continuous mode's hit rate within this many frames of the label held in view
LEAD_IN = 5  # cluttered frames without a code before each label, in the continuous hit-rate run
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


def bare_read_any(frame: np.ndarray | bytes) -> list[zxingcpp.Barcode]:
    """The bare call on what a camera hands over: zxing converts a BGR array itself; JPEG bytes need decoding."""
    if isinstance(frame, bytes):
        frame = cv2.imdecode(np.frombuffer(frame, dtype=np.uint8), cv2.IMREAD_GRAYSCALE)
    return bare_read(frame)


def default_read(gray: np.ndarray) -> list[zxingcpp.Barcode]:
    """zxing's own all-in-one retry (try_rotate, try_invert, downscale) with the same formats."""
    return zxingcpp.read_barcodes(gray, formats=BARE_FORMATS, text_mode=PLAIN)


def timed(fn: Callable[[Any], Any], frame: Any, spent: dict[tuple[str, str], float], key: str) -> None:
    """Runs fn(frame) and adds its wall time and this process's CPU time (all threads) to `spent`."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn(frame)
    spent["cpu", key] += time.process_time() - cpu
    spent["wall", key] += time.perf_counter() - wall


def empty_frames(seed: int) -> dict[str, list[np.ndarray]]:
    """Frames without a code: uniform blanks, a shaded wall with sensor noise, and cluttered scenes."""
    rng = np.random.default_rng(seed)
    gy, gx = np.mgrid[0:720, 0:1280].astype(np.float32)
    walls = [(110 + 50 * gx / 1280 + 30 * gy / 720 + rng.normal(0, 3, gx.shape)).clip(0, 255).astype(np.uint8)
             for _ in range(6)]
    clutter = [cv2.cvtColor(cluttered_background(random.Random(seed + i)), cv2.COLOR_BGR2GRAY) for i in range(24)]
    return {"blank": [np.full((720, 1280), v, dtype=np.uint8) for v in (0, 40, 90, 128, 180, 220)] * 4,
            "wall": walls * 4, "clutter": clutter}


def live_pipeline() -> ScanPipeline:
    return ScanPipeline(debounce_ms=0)  # no debounce effects: every frame is fully processed


def throughput(cases: list[Case], rounds: int) -> dict:
    """fps per reader and frame set. The readers take turns frame by frame, so load from other processes on a shared
    machine hits each alike; fps counts this process's CPU time (wall-clock figures are kept beside them). Continuous
    mode keeps its state (the budget) from frame to frame, one stream per frame set."""
    plain_hit = [c for c in cases if bare_read(c.gray)]
    sets = {"code": [c.gray for c in plain_hit], **empty_frames(SEED), "any_code": [c.gray for c in cases]}
    tap = live_pipeline()
    lives = {name: live_pipeline() for name in sets}
    formats = {"code_bgr": [c.bgr for c in plain_hit], "code_jpeg": [c.jpeg for c in plain_hit]}
    runs: dict[tuple[str, str], list[float]] = defaultdict(list)
    for _ in range(rounds):
        spent: dict[tuple[str, str], float] = defaultdict(float)
        for name, frames in sets.items():
            for frame in frames:
                timed(bare_read, frame, spent, f"bare_{name}")
                timed(lambda f, p=lives[name]: p.read(f, continuous=True), frame, spent, f"continuous_{name}")
                if name != "any_code":  # every retry on every miss: minutes at this size; (b) measures its hits
                    timed(tap.read, frame, spent, f"tap_{name}")
        for name, frames in formats.items():  # what the camera hands over, to both: converting it included
            for frame in frames:
                timed(bare_read_any, frame, spent, f"bare_{name}")
                timed(lambda f: lives["code"].read(f, continuous=True), frame, spent, f"continuous_{name}")
        for (clock, key), seconds in spent.items():
            runs[clock, key].append(len(sets.get(key.split("_", 1)[1], sets["code"])) / seconds)
    med = {(clock, key): statistics.median(v) for (clock, key), v in runs.items()}
    fps = {clock: {key: round(v, 1) for (c, key), v in med.items() if c == clock} for clock in ("cpu", "wall")}
    ratio = {clock: {key: round(med[clock, key] / med[clock, "bare_" + key.split("_", 1)[1]], 3)
                     for (c, key) in med if c == clock and not key.startswith("bare_")} for clock in ("cpu", "wall")}
    seen = {name: len(frames) * rounds for name, frames in sets.items()}
    seen["code"] += sum(len(f) for f in formats.values()) * rounds
    work = {name: round(p.live.budget.spent / seen[name], 4) for name, p in lives.items()}
    return {
        "frames": {name: len(frames) for name, frames in sets.items()},
        "fps": fps["cpu"],
        "ratio": ratio["cpu"],
        "wall_clock": {"fps": fps["wall"], "ratio": ratio["wall"]},
        "continuous_work": work,  # budget spent per frame (patch finding and retries), in plain passes
        "ratio_target": RATIO_TARGET,
    }


def retry_costs(cases: list[Case], rounds: int) -> dict:
    """Continuous mode's cost constants measured: the patch search and each retry on the patches of frames the plain
    pass misses, in plain passes over as many pixels of the whole frame, each step timed (CPU) in the order a live
    stream runs them, right after the frame's plain pass, as their cost in a stream includes what that leaves behind."""
    decoder = live_pipeline().decoder
    missed = [c.gray for c in cases if not bare_read(c.gray)] + empty_frames(SEED)["clutter"]
    spent: dict[tuple[str, str], float] = defaultdict(float)
    plain_px: Counter = Counter()  # the plain pass's seconds per pixel × the pixels each retry read
    for _ in range(rounds):
        for gray in missed:
            before = spent["cpu", "plain"]
            timed(decoder.read_plain, gray, spent, "plain")
            plain = spent["cpu", "plain"] - before
            timed(lambda g: code_patches(edge_samples(g), g.shape), gray, spent, "patches")
            for patch in code_patches(edge_samples(gray), gray.shape):
                crop = patch.crop(gray)
                for name in RETRY_COST:
                    timed(lambda g, n=name: decoder.attempt(n, g), crop, spent, name)
                    plain_px[name] += plain * patch.pixels / gray.size
    return {"retry_cost": {name: round(spent["cpu", name] / plain_px[name], 2) for name in RETRY_COST
                           if plain_px[name]},
            "patch_cost": round(spent["cpu", "patches"] / spent["cpu", "plain"], 3), "frames": len(missed)}


def continuous_hits(cases: list[Case], lead: str = "clutter") -> list[int | None]:
    """For each case, the frame (1-based) on which continuous mode first read the label, None if not within HELD[-1];
    each label comes into view after LEAD_IN frames of `lead` ("clutter": a different scene each, as a moving camera
    sees; "blank": the camera at rest)."""
    pipe = live_pipeline()
    lead_in = empty_frames(SEED + 1)[lead]
    out: list[int | None] = []
    for i, c in enumerate(cases):
        for k in range(LEAD_IN):
            pipe.read(lead_in[(i + k) % len(lead_in)], continuous=True)
        want = c.label.expected_text
        out.append(next((n for n in range(1, HELD[-1] + 1)
                         if any(r.text == want for r in pipe.read(c.bgr, continuous=True))), None))
    return out


def hit_rates(cases: list[Case]) -> dict:
    pipe = ScanPipeline(debounce_ms=0)
    tally: dict[str, dict[str, Counter]] = {"format": defaultdict(Counter), "distortion": defaultdict(Counter)}
    attempts: Counter = Counter()
    wrong = Counter()
    live = continuous_hits(cases)
    rested = continuous_hits(cases, lead="blank")
    for c, frame_no, after_rest in zip(cases, live, rested, strict=True):
        want = c.label.expected_text  # zxing's plain text; the zbar fallback normalises to the same form
        results = pipe.read(c.bgr)
        ok = {
            "tap": any(r.text == want for r in results),
            "bare": any(b.text == want for b in bare_read(c.gray)),
            "zxing_default": any(b.text == want for b in default_read(c.gray)),
            **{f"continuous_{n}": frame_no is not None and frame_no <= n for n in HELD},
            "continuous_rested_1": after_rest == 1,
        }
        if ok["tap"]:
            attempts[results[0].attempt] += 1
        elif results:
            wrong["tap"] += 1
        for who, hit in ok.items():
            for axis, key in (("format", c.fmt), ("distortion", c.distortion)):
                tally[axis][key][who] += hit
                tally[axis][key]["n"] += who == "tap"
    total = Counter()
    for counter in tally["format"].values():
        total.update(counter)
    return {
        "by_format": {k: dict(v) for k, v in tally["format"].items()},
        "by_distortion": {k: dict(v) for k, v in tally["distortion"].items()},
        "total": dict(total),
        "tap_attempts": dict(attempts),
        "tap_wrong_reads": wrong["tap"],
        "continuous_lead_in_frames": LEAD_IN,
    }


def pct(counter: dict, who: str) -> str:
    return f"{100 * counter.get(who, 0) / counter['n']:5.1f}%"


def print_report(tp: dict, costs: dict, hr: dict) -> None:
    f, r, n = tp["fps"], tp["ratio"], tp["frames"]
    print("(a) frames/s at 1280x720 (CPU time of this process, readers taking turns frame by frame; median of rounds);")
    print("    ratio = mode / the bare zxing call on the same frames in the same run")
    print(f"    {'frames':34} {'bare':>7} {'continuous':>11} {'ratio':>6} {'tap-to-scan':>12} {'ratio':>6}")
    labels = {"blank": "blank (uniform)", "code": "with a code the 1st attempt reads", "wall": "empty wall, noise",
              "clutter": "cluttered, no code", "any_code": "any distorted label"}
    for name, label in labels.items():
        tap = f"{f[f'tap_{name}']:12.1f} {r[f'tap_{name}']:6.3f}" if f"tap_{name}" in f else f"{'-':>12} {'-':>6}"
        print(f"    {label + f' ({n[name]})':34} {f[f'bare_{name}']:7.1f} {f[f'continuous_{name}']:11.1f} "
              f"{r[f'continuous_{name}']:6.3f} {tap}")
    print(f"    continuous on the code frames as BGR {f['continuous_code_bgr']:.1f} fps "
          f"({r['continuous_code_bgr']:.3f}), as JPEG bytes {f['continuous_code_jpeg']:.1f} fps "
          f"({r['continuous_code_jpeg']:.3f}, vs the bare call on the decoded gray frame); target >= {RATIO_TARGET}")
    w = tp["wall_clock"]["ratio"]
    print(f"    wall-clock ratios: continuous blank {w['continuous_blank']:.3f}, code {w['continuous_code']:.3f}, "
          f"clutter {w['continuous_clutter']:.3f}")
    work = ", ".join(f"{k} {v}" for k, v in tp["continuous_work"].items())
    print(f"    continuous retry work per frame, in plain passes (budget share {RetryBudget().share}): {work}")
    print(f"    cost of continuous mode's steps in plain passes over as many pixels, assumed -> measured on "
          f"{costs['frames']} frames: patch search {PATCH_COST} -> {costs['patch_cost']}; "
          + ", ".join(f"{k} {RETRY_COST[k]} -> {v}" for k, v in costs["retry_cost"].items()))
    print(f"(b) hit rate, {hr['total']['n']} frames (seed {SEED}); zbar fallback: {zbar_available()}; contN: "
          f"continuous, label held N frames after {LEAD_IN} cluttered frames; rest1: first frame after blank ones")
    cols = ("tap", "bare", "zxing_default", *(f"continuous_{k}" for k in HELD), "continuous_rested_1")
    heads = ("tap", "bare", "zx-dflt", *(f"cont{k}" for k in HELD), "rest1")
    header = f"    {'':14} " + " ".join(f"{h:>7}" for h in heads) + "   n"
    for axis in ("by_format", "by_distortion"):
        print(header)
        for key, counter in hr[axis].items():
            print(f"    {key:14} " + " ".join(f"{pct(counter, c):>7}" for c in cols) + f" {counter['n']:3}")
    t = hr["total"]
    print(f"    {'ALL':14} " + " ".join(f"{pct(t, c):>7}" for c in cols) + f" {t['n']:3}")
    print(f"    tap-to-scan hits by attempt: {hr['tap_attempts']}; wrong reads: {hr['tap_wrong_reads']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-cell", type=int, default=3, help="labels per (symbology, distortion)")
    parser.add_argument("--rounds", type=int, default=5, help="timing rounds per variant")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "scan.json")
    args = parser.parse_args()
    cases = build_cases(args.per_cell, SEED)
    tp = throughput(cases, args.rounds)
    costs = retry_costs(cases, args.rounds)
    hr = hit_rates(cases)
    print_report(tp, costs, hr)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "seed": SEED,
        "per_cell": args.per_cell,
        "zxing_cpp": version("zxing-cpp"),
        "opencv": cv2.__version__,
        "python": platform.python_version(),
        "zbar_fallback": zbar_available(),
        "retry_budget": {"share": RetryBudget().share, "burst": RetryBudget().burst},
        "retry_cost": RETRY_COST,
        "patch_cost": PATCH_COST,
    }
    out = {"meta": meta, "throughput": tp, "continuous_costs": costs, "hit_rate": hr}
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

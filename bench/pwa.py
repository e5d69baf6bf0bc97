"""PWA benchmark, decode part: zxing-cpp's WebAssembly build in Chromium (the PWA's WasmDecoder, in Pyodide) vs the
native zxing-cpp pipeline on the same 1280×720 JPEG frames in the same run, and the bundle's size.

Run: .venv/bin/python bench/pwa.py [--per-cell 2] [--rounds 5]. Needs /usr/bin/chromium and `npm ci` in
tests/browser. Prints figures and writes bench/results/pwa-decode.json; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cv2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mobile.platform.decoder import NativeDecoder  # noqa: E402
from mobile.pwa.builder import ensure_bundle  # noqa: E402
from mobile.scanner import ScanPipeline  # noqa: E402
from mobile.scanner.distort import DISTORTIONS, make_scene  # noqa: E402
from mobile.scanner.labels import LABEL_FORMATS, random_label  # noqa: E402
from tests.browser.conftest import launch  # noqa: E402
from tests.browser.pyodide_page import BackendProcess, PyodidePage  # noqa: E402

SEED = 20260515
SPEED_TARGET = 0.5  # wasm frames/s ÷ native frames/s


def frames(per_cell: int) -> tuple[dict[str, bytes], dict[str, str]]:
    rng = random.Random(SEED)
    out, expected = {}, {}
    for distortion in DISTORTIONS:
        for fmt in LABEL_FORMATS:
            for i in range(per_cell):
                label = random_label(fmt, rng)
                _ok, jpg = cv2.imencode(".jpg", make_scene(label, distortion, rng), [cv2.IMWRITE_JPEG_QUALITY, 90])
                name = f"{distortion}-{fmt}-{i}.jpg"
                out[name], expected[name] = jpg.tobytes(), label.expected_text
    return out, expected


def native(jpegs: dict[str, bytes], rounds: int) -> tuple[dict[str, list[str]], list[float]]:
    decoder = NativeDecoder(ScanPipeline(debounce_ms=0))
    reads: dict[str, list[str]] = {}
    seconds = []

    async def one_round(first: bool) -> None:
        for name, data in jpegs.items():
            results = await decoder.decode(data)
            if first:
                reads[name] = [r.text for r in results]

    for n in range(rounds):
        start = time.perf_counter()
        asyncio.run(one_round(n == 0))
        seconds.append(time.perf_counter() - start)
    return reads, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-cell", type=int, default=2, help="frames per symbology × distortion")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--bundle", type=Path, default=ROOT / "var" / "bench-app")
    args = parser.parse_args()

    bundle = ensure_bundle(args.bundle, say=lambda line: print(line, flush=True))
    print(bundle.describe())
    jpegs, expected = frames(args.per_cell)
    native_reads, native_s = native(jpegs, args.rounds)
    with tempfile.TemporaryDirectory() as tmp:
        server = BackendProcess(bundle.path, Path(tmp) / "data")
        browser = launch(Path(tmp))
        try:
            started = time.perf_counter()
            page = PyodidePage(browser, server.url)
            boot_s = time.perf_counter() - started
            wasm = page.decode(jpegs, rounds=args.rounds)
        finally:
            browser.close()
            server.kill()
    wasm_reads = {n: [r["text"] for r in found] for n, found in wasm["reads"].items()}
    hits = {side: sum(expected[n] in reads[n] for n in jpegs) for side, reads in
            (("wasm", wasm_reads), ("native", native_reads))}
    by_distortion = {d: {side: sum(expected[n] in reads[n] for n in jpegs if n.startswith(f"{d}-"))
                         for side, reads in (("wasm", wasm_reads), ("native", native_reads))} for d in DISTORTIONS}
    fps = {"wasm": len(jpegs) / statistics.median(wasm["seconds"]),
           "native": len(jpegs) / statistics.median(native_s)}
    result = {
        "frames": len(jpegs), "size": "1280x720 JPEG q90", "rounds": args.rounds,
        "fps": {k: round(v, 1) for k, v in fps.items()},
        "ms_per_frame": {k: round(1000 / v, 2) for k, v in fps.items()},
        "speed_ratio": round(fps["wasm"] / fps["native"], 3), "speed_target": SPEED_TARGET,
        "hit_rate": {k: round(v / len(jpegs), 3) for k, v in hits.items()},
        "hits_by_distortion": by_distortion,
        "pyodide_boot_s": round(boot_s, 1),
        "bundle": {"version": bundle.version, "files": bundle.files, "total_mb": round(bundle.total_bytes / 1e6, 1),
                   "first_load_gzip_mb": round(bundle.transfer_bytes / 1e6, 1)},
    }
    print(f"decode, {len(jpegs)} frames (all distortions, blank-ish misses included), median of {args.rounds}:")
    print(f"  wasm in Chromium {fps['wasm']:.1f} frames/s ({1000 / fps['wasm']:.1f} ms), native "
          f"{fps['native']:.1f} frames/s ({1000 / fps['native']:.1f} ms): {result['speed_ratio']}× "
          f"(target ≥ {SPEED_TARGET}×)")
    print(f"  hit rate wasm {result['hit_rate']['wasm']:.1%}, native {result['hit_rate']['native']:.1%}")
    for d, counts in by_distortion.items():
        print(f"    {d:<13} wasm {counts['wasm']:>3}  native {counts['native']:>3}")
    print(f"  bundle {bundle.files} files, {bundle.total_bytes / 1e6:.1f} MB, "
          f"first load {bundle.transfer_bytes / 1e6:.1f} MB gzip")
    out = ROOT / "bench" / "results" / "pwa-decode.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

"""PWA benchmark, against the backend serving the bundle at /app/ (its own process, a copy of the demo plant):
- decode: zxing-cpp's WebAssembly build in Chromium (the PWA's WasmDecoder, in Pyodide) vs the native zxing-cpp
  pipeline on the same 1280×720 JPEG frames in the same run, and the bundle's size;
- start: cold start online (a new browser profile: nothing cached) to the interactive log-in screen, and warm start
  offline (backend killed, browser offline, reload from the service worker's cache) to the home screen;
- replica: one queued write to the phone's SQLite on the IndexedDB-backed mount, and that write until it is in
  IndexedDB (`FS.syncfs`);
- upload: N receipts queued on the phone (IDBFS store) uploaded by the sync client through fetch.

Run: .venv/bin/python bench/pwa.py [--parts decode,start,replica,upload] [--per-cell 2] [--rounds 5] [--starts 5]
[--events 10000]. Needs /usr/bin/chromium and `npm ci` in tests/browser. Prints figures and writes
bench/results/pwa.json (and pwa-decode.json for the decode part); asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import cv2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mobile.platform.decoder import NativeDecoder  # noqa: E402
from mobile.pwa.builder import ensure_bundle  # noqa: E402
from mobile.scanner import ScanPipeline  # noqa: E402
from mobile.scanner.distort import DISTORTIONS, make_scene  # noqa: E402
from mobile.scanner.labels import LABEL_FORMATS, random_label  # noqa: E402
from tests.browser.conftest import PASSWORD, Browser, launch  # noqa: E402
from tests.browser.pyodide_page import BackendProcess, PyodidePage  # noqa: E402

SEED = 20260515
SPEED_TARGET = 0.5  # wasm frames/s ÷ native frames/s
UPLOAD_TARGET_S = 20.0  # 10,000 queued events from the browser
BOOT_MS = 240_000
PARTS = ("decode", "start", "replica", "upload")

# Runs in Pyodide: the picker's replica of the demo plant synced down to a LocalStore on the IDBFS mount (IDBFS
# copies whole files: the flush costs what the file weighs), then `n` single queued writes; per write the seconds
# until committed in memory, and until the copy to IndexedDB finished.
_REPLICA = """
import json, os, time, uuid, datetime as dt
import js
from sync.client import HttpConnector, LocalStore, SyncClient
from sync.client.adapters import IdbfsStorage
storage = IdbfsStorage("/bench-replica")
await storage.open()
store = LocalStore("/bench-replica/replica.db", storage=storage)
await SyncClient(store, HttpConnector(str(js.location.origin), "picker", {password!r})).sync_once()
await storage.flushed()
write, flushed = [], []
for n in range({n}):
    data = dict(kind="receive", occurred_at=dt.datetime.now(dt.UTC).isoformat(), supplier="SUP-NBP",
                item="RM-PC-01", lot_no=f"BR{{n:06d}}", qty=1, location="SZ-RCV")
    start = time.perf_counter()
    store.record_many([("event_command", str(uuid.uuid4()), data, "PUT")])
    write.append(time.perf_counter() - start)
    await storage.flushed()
    flushed.append(time.perf_counter() - start)
json.dumps(dict(write=write, flushed=flushed, file_bytes=os.path.getsize("/bench-replica/replica.db")))
"""

# Runs in Pyodide: the picker's first sync (the demo plant's replica down), then `events` receipts queued on the
# IDBFS store and uploaded in batches of 1,000 through fetch.
_UPLOAD = """
import dataclasses, json, time, uuid, datetime as dt
import js
from sync.client import HttpConnector, LocalStore, SyncClient
from sync.client.adapters import IdbfsStorage
storage = IdbfsStorage("/bench-upload")
await storage.open()
store = LocalStore("/bench-upload/queue.db", storage=storage)
client = SyncClient(store, HttpConnector(str(js.location.origin), "picker", {password!r}), batch_size=1000)
t0 = time.perf_counter()
await client.sync_once()
t1 = time.perf_counter()
now = dt.datetime.now(dt.UTC).isoformat()
store.record_many([("event_command", str(uuid.uuid4()),
                    dict(kind="receive", occurred_at=now, supplier="SUP-NBP", item="RM-PC-01",
                         lot_no=f"BU{{n:06d}}", qty=1 + n % 9, location="SZ-RCV"), "PUT") for n in range({events})])
await storage.flushed()
t2 = time.perf_counter()
report = await client.upload()
t3 = time.perf_counter()
await storage.flushed()
counts = {{k: v for k, v in dataclasses.asdict(report).items() if isinstance(v, int)}}
json.dumps(dict(first_sync_s=t1 - t0, record_s=t2 - t1, upload_s=t3 - t2, **counts))
"""


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


def decode_part(args: argparse.Namespace, bundle: Any, server: BackendProcess, tmp: Path) -> dict[str, Any]:
    jpegs, expected = frames(args.per_cell)
    native_reads, native_s = native(jpegs, args.rounds)
    browser = launch(tmp, profile="decode")
    try:
        started = time.perf_counter()
        page = PyodidePage(browser, server.url)
        boot_s = time.perf_counter() - started
        wasm = page.decode(jpegs, rounds=args.rounds)
    finally:
        browser.close()
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
    return result


def log_in(browser: Browser, app: str) -> float:
    """Opens the app; the seconds until the log-in screen is interactive. Then logs in as the picker."""
    started = time.perf_counter()
    browser.call("open", url=app, timeout=BOOT_MS)
    browser.call("wait", id="login-username", timeout=BOOT_MS)
    cold = time.perf_counter() - started
    browser.fill("login-username", "picker")
    browser.fill("login-password", PASSWORD)
    browser.click("login-submit")
    browser.call("wait", id="home-greeting", timeout=60_000)
    return cold


def start_part(args: argparse.Namespace, server: BackendProcess, tmp: Path) -> dict[str, Any]:
    app = f"{server.url}/app/"
    cold = []
    for n in range(args.starts):  # a new profile each time: nothing in the HTTP cache or the service worker
        browser = launch(tmp, profile=f"cold-{n}")
        try:
            cold.append(log_in(browser, app))
        finally:
            browser.close()
    print(f"start: cold online to log-in {statistics.median(cold):.1f} s median of {len(cold)} "
          f"({', '.join(f'{c:.1f}' for c in cold)})", flush=True)
    browser = launch(tmp, profile="warm")
    warm = []
    try:
        log_in(browser, app)
        browser.wait_text("sync-badge", "待同步 0", timeout_s=90)
        browser.call("waitFor", expr="navigator.serviceWorker.controller !== null", timeout=BOOT_MS)
        server.kill()
        browser.call("offline", on=True)
        for _ in range(args.starts):
            started = time.perf_counter()
            browser.call("reload", timeout=BOOT_MS)
            browser.call("wait", id="home-greeting", timeout=BOOT_MS)
            warm.append(time.perf_counter() - started)
    finally:
        browser.close()
        server.start()
    print(f"start: warm offline reload to home {statistics.median(warm):.1f} s median of {len(warm)} "
          f"({', '.join(f'{w:.1f}' for w in warm)})", flush=True)
    return {"runs": args.starts, "cold_online_to_login_s": round(statistics.median(cold), 1),
            "warm_offline_to_home_s": round(statistics.median(warm), 1),
            "cold_runs_s": [round(c, 1) for c in cold], "warm_runs_s": [round(w, 1) for w in warm]}


def replica_part(args: argparse.Namespace, server: BackendProcess, tmp: Path) -> dict[str, Any]:
    browser = launch(tmp, profile="replica")
    try:
        done = PyodidePage(browser, server.url).run(_REPLICA.format(n=args.writes, password=PASSWORD))
    finally:
        browser.close()
    ms = {k: [1000 * v for v in done[k]] for k in ("write", "flushed")}
    result = {"writes": args.writes, "replica_file_kb": round(done["file_bytes"] / 1024),
              "write_ms_median": round(statistics.median(ms["write"]), 2),
              "write_flushed_ms_median": round(statistics.median(ms["flushed"]), 2),
              "write_flushed_ms_max": round(max(ms["flushed"]), 2)}
    print(f"replica ({result['replica_file_kb']} KB file): one queued write {result['write_ms_median']} ms, "
          f"until in IndexedDB "
          f"{result['write_flushed_ms_median']} ms (median of {args.writes}; max {result['write_flushed_ms_max']} ms)",
          flush=True)
    return result


def upload_part(args: argparse.Namespace, server: BackendProcess, tmp: Path) -> dict[str, Any]:
    browser = launch(tmp, profile="upload")
    try:
        done = PyodidePage(browser, server.url).run(_UPLOAD.format(password=PASSWORD, events=args.events))
    finally:
        browser.close()
    result = {"events": args.events, **{k: round(v, 2) if isinstance(v, float) else v for k, v in done.items()},
              "target_s": UPLOAD_TARGET_S}
    print(f"upload: {args.events} queued receipts from the browser in {done['upload_s']:.1f} s "
          f"(target < {UPLOAD_TARGET_S:.0f} s; applied {done['applied']}, rejected {done['rejected']}); queued "
          f"locally in {done['record_s']:.1f} s; first sync {done['first_sync_s']:.1f} s", flush=True)
    return result


def demo_plant(data: Path) -> Path:
    done = subprocess.run([sys.executable, "-c", "from backend.cli.main import main; main()", "demo", "--no-serve",
                           "--data-dir", str(data)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise SystemExit(done.stdout + done.stderr)
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default=",".join(PARTS), help=f"comma-separated, of {', '.join(PARTS)}")
    parser.add_argument("--per-cell", type=int, default=2, help="frames per symbology × distortion")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--starts", type=int, default=5, help="cold and warm starts (the median is printed)")
    parser.add_argument("--writes", type=int, default=50, help="single replica writes")
    parser.add_argument("--events", type=int, default=10_000, help="queued events uploaded from the browser")
    parser.add_argument("--bundle", type=Path, default=ROOT / "var" / "bench-app")
    args = parser.parse_args()
    parts = [p for p in args.parts.split(",") if p]
    unknown = set(parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")

    bundle = ensure_bundle(args.bundle, say=lambda line: print(line, flush=True))
    print(bundle.describe())
    result: dict[str, Any] = {"bundle": {"version": bundle.version, "files": bundle.files,
                                         "total_mb": round(bundle.total_bytes / 1e6, 1),
                                         "first_load_gzip_mb": round(bundle.transfer_bytes / 1e6, 1)}}
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        server = BackendProcess(bundle.path, demo_plant(tmp / "plant"))
        try:
            if "decode" in parts:
                result["decode"] = decode_part(args, bundle, server, tmp)
            if "start" in parts:
                result["start"] = start_part(args, server, tmp)
            if "replica" in parts:
                result["replica"] = replica_part(args, server, tmp)
            if "upload" in parts:
                result["upload"] = upload_part(args, server, tmp)
        finally:
            server.kill()
            shutil.rmtree(tmp / "plant", ignore_errors=True)
    out = ROOT / "bench" / "results" / "pwa.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

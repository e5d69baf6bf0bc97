"""Python in Chromium, from the PWA bundle as the backend serves it: Pyodide and app.tar.gz loaded in a plain page of
the backend's origin (no Flet client), so the PWA's adapters run on the browser's real zxing-wasm and canvas.
Used by tests/browser/test_pwa_decoder.py and bench/pwa.py."""

from __future__ import annotations

import base64
import json
from typing import Any

from tests.browser.conftest import Browser
from tests.browser.test_pwa_shell import BackendProcess

# Runs in Pyodide: every frame through the PWA's WasmDecoder, `rounds` times; per frame what it read (first round)
# and the seconds each round took.
_DECODE = """
import json, time, datetime as dt
from mobile.platform.browser_decoder import WasmDecoder
decoder = WasmDecoder(today=dt.date.fromisoformat({today!r}))
await decoder.reader()
reads, seconds = {{}}, []
for n in range({rounds}):
    start = time.perf_counter()
    for name in {names!r}:
        with open("/frames/" + name, "rb") as f:
            results = await decoder.decode(f.read())
        if n == 0:
            reads[name] = [dict(text=r.text, format=r.format, symbology_id=r.symbology_id, attempt=r.attempt,
                                content_type=r.content_type, gs1=r.gs1.as_dict() if r.gs1 else None,
                                gs1_error_code=r.gs1_error_code) for r in results]
    seconds.append(time.perf_counter() - start)
json.dumps(dict(reads=reads, seconds=seconds))
"""


class PyodidePage:
    """One page with Pyodide booted from the bundle; `run` executes Python there and returns its JSON answer."""

    def __init__(self, browser: Browser, origin: str) -> None:
        self.browser = browser
        browser.call("pyodideBoot", url=f"{origin}/app/favicon.png")  # under /app/, as the worker is

    def write(self, path: str, data: bytes) -> str:
        self.browser.call("pyodideWrite", path=path, base64=base64.b64encode(data).decode())
        return path

    def run(self, code: str) -> Any:
        """`code`'s last line is an expression giving a JSON string."""
        return json.loads(self.browser.call("pyodideRun", code=code))

    def decode(self, frames: dict[str, bytes], *, today: str = "2026-01-15", rounds: int = 1) -> dict[str, Any]:
        """{"reads": {name: [result as a dict, …]}, "seconds": [per round]} from the PWA's WasmDecoder."""
        for name, data in frames.items():
            self.write(f"/frames/{name}", data)
        return dict(self.run(_DECODE.format(today=today, rounds=rounds, names=list(frames))))


__all__ = ["BackendProcess", "PyodidePage"]

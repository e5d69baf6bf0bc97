"""The PWA's decoder: zxing-cpp compiled to WebAssembly (npm zxing-wasm), loaded from our own origin.

Python in Pyodide imports the bundle's `zxing/reader.mjs` (mobile/pwa/templates/zxing-reader.mjs, which points the
wasm at our origin, never jsDelivr) and hands it the camera's JPEG/PNG bytes. Same formats as the native pipeline
(mobile.scanner.formats), plain text mode (FNC1 as ASCII 29, no brackets) and the same Symbol → ScanResult step with
the same GS1 interpretation. There is no OpenCV in the browser: zxing's own retries (tryRotate, tryInvert,
tryDownscale) stand in for its rotated and contrast-stretched attempts, and the canvas inverts the picture for the
"inverted" one (zxing's tryInvert finds no inverted linear code). bench/pwa.py measures what this costs. Importing
this module needs no Pyodide.

Continuous mode (a frame of the live camera) reads every frame with the plain attempt alone; the retries take turns,
at most one a frame and only while a `RetryBudget` allows, so a stream of empty frames costs about its plain passes.
Without pixels in Python there is nothing cheap to tell a blank frame from a code the plain attempt missed (the native
pipeline's patch search), so the budget alone bounds the retries here.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import Any

from mobile.i18n import Msg
from mobile.scanner.budget import RetryBudget
from mobile.scanner.formats import FORMATS, reported_format
from mobile.scanner.pipeline import camera_result
from mobile.scanner.result import ScanResult, Symbol
from mobile.viewmodels.replica import ScanRefused

READER_PATH = "zxing/reader.mjs"  # in the bundle, beside python-worker.js: resolved against the worker's URL
_BASE: dict[str, Any] = {"textMode": "Plain", "tryHarder": True, "tryDownscale": True, "tryDenoise": False,
                         "returnErrors": False, "eanAddOnSymbol": "Ignore", "maxNumberOfSymbols": 16}
#: zxing's options per attempt, in order; the first that finds a symbol wins. "plain" is the native pipeline's
#: cheap upright pass; "retry" adds zxing's own turning and inverting; "inverted" reads the picture after a canvas
#: filter (FILTERS) turned light bars on dark into dark on light, as the native "inverted" attempt does.
ATTEMPTS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("plain", {**_BASE, "tryRotate": False, "tryInvert": False}),
    ("retry", {**_BASE, "tryRotate": True, "tryInvert": True}),
    ("inverted", {**_BASE, "tryRotate": True, "tryInvert": False}),
)
FILTERS = {"inverted": "invert(1)"}  # a CSS filter per attempt that needs one
#: A retry's cost in plain attempts (zxing-cpp natively on 1280×720 JPEGs, decoding included; the canvas's filter
#: is dearer); an attempt not named here counts as the dearest.
RETRY_COST = {"retry": 2.0, "inverted": 2.5}
Filter = Callable[[bytes, str], Awaitable[Any]]  # (picture, CSS filter) → what readBarcodes takes (an ImageData)


class WasmDecoder:
    """A FrameDecoder on zxing-wasm's `readBarcodes(bytes, options)`.

    `reader`: the reader module (tests pass a stand-in; by default the bundle's is imported on first use, in
    Pyodide only). `to_js` turns the bytes and the options dict into what `reader` takes (identity for a stand-in,
    pyodide's converter for the real module); `filtered` draws the picture through a canvas filter (the browser's
    OffscreenCanvas by default). `today` pins the GS1 century rule (tests). The first of `attempts` is the cheap
    pass continuous mode makes on every frame; `budget` bounds its retries.
    """

    def __init__(self, reader: Any = None, *, to_js: Callable[[Any], Any] | None = None,
                 filtered: Filter | None = None, formats: Iterable[str] = FORMATS,
                 attempts: Iterable[tuple[str, dict[str, Any]]] = ATTEMPTS, today: dt.date | None = None,
                 budget: RetryBudget | None = None) -> None:
        self._reader = reader
        self._to_js = to_js or ((lambda value: value) if reader is not None else _pyodide_to_js)
        self._filtered = filtered or canvas_filtered
        self.formats = tuple(formats)
        unknown = [f for f in self.formats if f not in FORMATS]
        if unknown or not self.formats:
            raise ValueError(f"unsupported barcode formats {unknown or '(none)'}; choose from {FORMATS}")
        self.attempts = tuple((name, {**options, "formats": list(self.formats)}) for name, options in attempts)
        self.today = today
        self.budget = budget or RetryBudget()
        self._turn = 0  # the retry whose turn it is in continuous mode

    async def reader(self) -> Any:
        """The reader module, imported once. Raises ScanRefused (camera.failed) when it cannot be loaded."""
        if self._reader is None:
            try:
                self._reader = await import_reader()
            except Exception as exc:  # a JsException (404, offline without the cache, no wasm) or ImportError
                raise ScanRefused(Msg.of("camera.failed", detail=f"the barcode decoder did not load: {exc}")) from exc
        return self._reader

    async def decode(self, image: bytes, *, continuous: bool = False) -> list[ScanResult]:
        if not image:
            raise ScanRefused(Msg.of("scan.not_an_image", detail="the picture is empty"))
        reader = await self.reader()
        start = time.perf_counter()
        data = self._to_js(bytes(image))
        for name, options in self._live_attempts() if continuous else self.attempts:
            picture = await self._filtered(image, FILTERS[name]) if name in FILTERS else data
            found = [r for r in await reader.readBarcodes(picture, self._to_js(options))]
            failed = [str(r.error) for r in found if not r.isValid and not r.format]
            if failed:  # zxing answers a picture it cannot open with one invalid, format-less result
                raise ScanRefused(Msg.of("scan.not_an_image", detail=failed[0]))
            symbols = [self._symbol(r, name) for r in found if r.isValid]
            if symbols:
                if continuous and name != self.attempts[0][0]:
                    self._turn -= 1  # the retry that read it goes again next frame: the label is likely still there
                ms = (time.perf_counter() - start) * 1000
                return [camera_result(s, ms=ms, today=self.today) for s in symbols]
        return []

    def _live_attempts(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """The cheap pass; after a miss, the retry whose turn it is, if the budget is open (charged when it runs)."""
        self.budget.earn()
        yield self.attempts[0]
        retries = self.attempts[1:]
        if retries and self.budget.open:
            name, options = retries[self._turn % len(retries)]
            self._turn += 1
            self.budget.spend(RETRY_COST.get(name, max(RETRY_COST.values())))
            yield name, options

    def _symbol(self, r: Any, attempt: str) -> Symbol:
        text = str(r.text)
        p = r.position
        corners = tuple((int(pt.x), int(pt.y)) for pt in (p.topLeft, p.topRight, p.bottomRight, p.bottomLeft))
        return Symbol(text, reported_format(str(r.format), text, self.formats), str(r.symbologyIdentifier) or None,
                      str(r.contentType), attempt, corners)  # type: ignore[arg-type]  # four corners by construction


async def import_reader(path: str = READER_PATH) -> Any:
    """`import()` of the bundle's reader module, from Pyodide (worker or page), resolved against its own URL."""
    import js  # type: ignore[import-not-found]  # Pyodide only
    from pyodide.code import run_js  # type: ignore[import-not-found]

    url = str(js.URL.new(path, js.location.href).href)
    module = await run_js("(url) => import(url)")(url)
    await module.prepare()  # fetches and compiles the wasm now, not on the first frame
    return module


async def canvas_filtered(image: bytes, css_filter: str) -> Any:
    """The picture drawn through `css_filter` on an OffscreenCanvas, as an ImageData (Pyodide only)."""
    import js  # type: ignore[import-not-found]

    bitmap = await js.createImageBitmap(js.Blob.new(_pyodide_to_js([_pyodide_to_js(image)])))
    try:
        canvas = js.OffscreenCanvas.new(bitmap.width, bitmap.height)
        context = canvas.getContext("2d", _pyodide_to_js({"willReadFrequently": True}))
        context.filter = css_filter
        context.drawImage(bitmap, 0, 0)
        return context.getImageData(0, 0, bitmap.width, bitmap.height)
    finally:
        bitmap.close()


def _pyodide_to_js(value: Any) -> Any:
    import js  # type: ignore[import-not-found]
    from pyodide.ffi import to_js  # type: ignore[import-not-found]

    return to_js(value, dict_converter=js.Object.fromEntries)


__all__ = ["ATTEMPTS", "FILTERS", "READER_PATH", "RETRY_COST", "WasmDecoder", "canvas_filtered", "import_reader"]

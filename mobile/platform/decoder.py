"""The decoder seam: a camera picture (JPEG/PNG bytes) in, every code in it out, each GS1-interpreted.

Server mode: `NativeDecoder`, zxing-cpp behind OpenCV preprocessing (mobile.scanner's pipeline), imported on first
use so that importing the app does not load numpy, cv2 or zxingcpp (the browser has none of them). The PWA plugs in
a decoder of its own (zxing-cpp compiled to WebAssembly) with the same contract.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from mobile.i18n import Msg
from mobile.viewmodels.replica import ScanRefused

if TYPE_CHECKING:
    from mobile.scanner.result import ScanResult


class FrameDecoder(Protocol):
    async def decode(self, image: bytes, *, continuous: bool = False) -> list[ScanResult]:
        """Every code in the picture, GS1-interpreted, not debounced; [] when there is none. Raises ScanRefused
        for bytes that are not an image. `continuous`: one frame of the live camera (a cheap first pass, retries
        spread over frames, so a code only a retry reads may come a few frames later); else a photo the worker
        took, read with every retry at once."""
        ...


class NativeDecoder:
    """zxing-cpp (with zbar and OpenCV retries) in this process; `pipeline` lets tests pin the date rules."""

    def __init__(self, pipeline: Any = None) -> None:
        self._pipeline = pipeline

    @property
    def pipeline(self) -> Any:
        if self._pipeline is None:
            from mobile.scanner.pipeline import ScanPipeline

            self._pipeline = ScanPipeline(debounce_ms=0)  # debouncing is the caller's (ScanInput)
        return self._pipeline

    async def decode(self, image: bytes, *, continuous: bool = False) -> list[ScanResult]:
        from mobile.scanner.result import ScanError

        try:
            # Runs on the event loop (Pyodide has no threads; a frame takes a few ms natively).
            return list(self.pipeline.read(image, continuous=continuous))
        except ScanError as exc:
            raise ScanRefused(Msg.of("scan.not_an_image", detail=str(exc))) from exc

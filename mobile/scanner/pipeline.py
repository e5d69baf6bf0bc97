"""Camera frame or typed text -> ScanResult: preprocess, decode, GS1 parse, debounce."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .debounce import DEFAULT_WINDOW_MS, Debouncer
from .interpret import interpret, split_aim
from .preprocess import DEFAULT_MAX_SIDE, prepare
from .result import ScanError, ScanResult, Symbol

if TYPE_CHECKING:  # zxing-cpp and numpy load with the first Decoder: importing this module works in the browser
    from .budget import RetryBudget
    from .decode import Decoder, Decoding
    from .live import LiveDecoder


class ScanPipeline:
    """The handheld's scanner: one instance per scan screen.

    Frames are JPEG/PNG bytes (flet-camera's ``take_picture()``), numpy gray/BGR arrays or PIL images.
    ``debounce_ms=0`` turns debouncing off. ``today`` pins the GS1 century rule (tests); ``clock`` is the
    debouncer's seconds clock. ``last_decoding`` keeps the attempts of the latest frame, hit or miss.
    ``retry_budget`` bounds what continuous mode (``feed``) spends on retries (see LiveDecoder).
    """

    def __init__(
        self,
        decoder: Decoder | None = None,
        *,
        max_side: int | None = DEFAULT_MAX_SIDE,
        debounce_ms: float = DEFAULT_WINDOW_MS,
        clock: Callable[[], float] = time.monotonic,
        today: dt.date | None = None,
        retry_budget: RetryBudget | None = None,
    ) -> None:
        self._decoder = decoder
        self._live: LiveDecoder | None = None
        self._retry_budget = retry_budget
        self.max_side = max_side
        self.debouncer = Debouncer(debounce_ms, clock=clock)
        self.today = today
        self.last_decoding: Decoding | None = None

    @property
    def decoder(self) -> Decoder:
        """zxing-cpp, made on first use: a pipeline that only reads typed text never loads it (the browser)."""
        if self._decoder is None:
            from .decode import Decoder

            self._decoder = Decoder()
        return self._decoder

    @property
    def live(self) -> LiveDecoder:
        """Continuous mode's reader over the same decoder, made on first use; it keeps state between frames."""
        if self._live is None:
            from .live import LiveDecoder

            self._live = LiveDecoder(self.decoder, self._retry_budget)
        return self._live

    def read(self, frame: Any, *, continuous: bool = False) -> list[ScanResult]:
        """Every code in the frame, not debounced; [] when there is none. Raises ScanError for a non-image.

        ``continuous``: a frame of a live stream (LiveDecoder: a blank frame costs one plain pass, retries are
        spread over frames); else a photo, read with every retry at once."""
        start = time.perf_counter()
        prepared = prepare(frame, self.max_side)
        decoding = (self.live if continuous else self.decoder).decode(prepared.gray)
        self.last_decoding = decoding
        if not decoding.symbols:
            return []
        ms = (time.perf_counter() - start) * 1000
        return [self._from_symbol(s, ms, prepared.scale) for s in decoding.symbols]

    def scan(self, frame: Any) -> ScanResult | None:
        """The first code in the frame, unless it repeats the last reported one within the debounce window."""
        return self._debounced(frame, continuous=False)

    def feed(self, frame: Any) -> ScanResult | None:
        """Continuous mode: a result only when a new code appears.

        A code that stays in view is reported once; it counts as new again after it has been out of sight
        for the debounce window, or at once after a different code was reported. Frames are read as a live
        stream (``read(continuous=True)``): a code only a retry reads may take a few frames.
        """
        return self._debounced(frame, continuous=True)

    def scan_text(self, text: str, source: str = "wedge") -> ScanResult:
        """A code typed by a wedge scanner or a person; never debounced. An AIM prefix (]d2...) is honoured.

        Raises ScanError for an unknown source or text that is empty once CR/LF are stripped.
        """
        if source not in ("wedge", "manual"):
            raise ScanError(f"scan_text() takes source 'wedge' or 'manual', not {source!r}; frames go to scan()")
        cleaned = text.strip("\r\n")
        if source == "manual":
            cleaned = cleaned.strip()
        if not cleaned:
            raise ScanError("nothing was scanned or typed (empty text)")
        aim, body = split_aim(cleaned)
        reading = interpret(body, symbology_id=aim, today=self.today)
        return ScanResult(
            text=body,
            source=source,  # type: ignore[arg-type]  # checked above
            symbology_id=aim,
            content_type="GS1" if reading.gs1 is not None or reading.error else "Text",
            gs1=reading.gs1,
            gs1_error=reading.error,
            gs1_error_code=reading.error_code,
        )

    def _debounced(self, frame: Any, *, continuous: bool) -> ScanResult | None:
        results = self.read(frame, continuous=continuous)
        if not results:
            return None
        first = results[0]
        return first if self.debouncer.accept(first.text, source="camera", extend=continuous) else None

    def _from_symbol(self, sym: Symbol, ms: float, scale: float) -> ScanResult:
        return camera_result(sym, ms=ms, scale=scale, today=self.today)


def camera_result(sym: Symbol, *, ms: float, scale: float = 1.0, today: dt.date | None = None) -> ScanResult:
    """A decoded symbol as the handheld's ScanResult, GS1-interpreted; corners back in the caller's frame (the
    decoded image was `scale` × the frame). Shared by zxing-cpp here and its WebAssembly build in the browser."""
    reading = interpret(sym.text, symbology_id=sym.symbology_id, fmt=sym.format, today=today)
    corners = sym.corners
    if corners is not None and scale != 1.0:
        corners = tuple((round(x / scale), round(y / scale)) for x, y in corners)
    return ScanResult(
        text=sym.text,
        source="camera",
        format=sym.format,
        symbology_id=sym.symbology_id,
        content_type=sym.content_type,
        gs1=reading.gs1,
        gs1_error=reading.error,
        gs1_error_code=reading.error_code,
        attempt=sym.attempt,
        decode_ms=ms,
        corners=corners,
    )

"""zxing-cpp decoding: one cheap attempt, then a bounded ladder of retries, each recorded; pyzbar last if present."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import zxingcpp

from . import zbar
from .formats import FORMATS, reported_format
from .preprocess import enhance_contrast, invert
from .result import Symbol

#: Retries in order after the cheap "plain" attempt.
ATTEMPTS: tuple[str, ...] = ("plain", "rotated", "inverted", "contrast")
#: Continuous mode's cheap forms of two retries, each the plain pass on a changed image (about one plain pass, where
#: the retry costs ~3): "turned" reads a quarter turn of it, "negative" its negative. Name → the retry it stands for.
QUICK_ATTEMPTS: dict[str, str] = {"turned": "rotated", "negative": "inverted"}
# Without try_rotate zxing misses row-scanned symbols beyond ~30° and DataMatrix beyond ~30°; QR and Micro QR
# are found at any angle by the plain pass, so the rotated retry leaves them out.
_TURN_SENSITIVE = frozenset({"EAN13", "EAN8", "UPCA", "UPCE", "Code128", "PDF417", "DataMatrix"})
_PLAIN = zxingcpp.TextMode.Plain  # bytes as sent: FNC1 separators come back as ASCII 29, no brackets


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    name: str
    ms: float
    found: int
    pixels: int = 0  # how much of the image the attempt read: the whole frame, or a patch of it in continuous mode


@dataclass(frozen=True, slots=True)
class Decoding:
    """Symbols found (empty on a miss) and every attempt made, in order."""

    symbols: tuple[Symbol, ...]
    attempts: tuple[AttemptRecord, ...]

    @property
    def attempt(self) -> str | None:
        """The attempt that found the symbols, None on a miss."""
        return self.attempts[-1].name if self.symbols else None


def _formats(names: Iterable[str]) -> zxingcpp.BarcodeFormats:
    return zxingcpp.BarcodeFormats(tuple(zxingcpp.BarcodeFormat[n] for n in names))


class Decoder:
    """Reads barcodes from a grayscale uint8 image.

    ``attempts``: which of ATTEMPTS to run, in the order given. ``zbar_fallback``: None uses pyzbar after
    zxing misses when its library is installed, True requires it (RuntimeError if absent), False never.
    """

    def __init__(
        self, formats: Iterable[str] = FORMATS, attempts: Iterable[str] = ATTEMPTS, *, zbar_fallback: bool | None = None
    ) -> None:
        self.formats = tuple(formats)
        unknown = [f for f in self.formats if f not in FORMATS]
        if unknown or not self.formats:
            raise ValueError(f"unsupported barcode formats {unknown or '(none)'}; choose from {FORMATS}")
        self.attempts = tuple(attempts)
        bad = [a for a in self.attempts if a not in ATTEMPTS]
        if bad:
            raise ValueError(f"unknown decode attempts {bad}; choose from {ATTEMPTS}")
        self._all = _formats(self.formats)
        turnable = [f for f in self.formats if f in _TURN_SENSITIVE]
        self._turnable = _formats(turnable) if turnable else None
        use_zbar = zbar.available() if zbar_fallback is None else zbar_fallback
        if use_zbar and not zbar.available():
            raise RuntimeError(zbar.UNAVAILABLE_REASON)
        reader = zbar.ZbarReader(self.formats) if use_zbar else None
        self._zbar = reader if reader is not None and reader.useful else None

    @property
    def uses_zbar(self) -> bool:
        return self._zbar is not None

    def read_plain(self, gray: np.ndarray) -> list[zxingcpp.Barcode]:
        """The fast path: upright, dark-on-light, at the given resolution (zxing may still try downscaled)."""
        return zxingcpp.read_barcodes(gray, formats=self._all, try_rotate=False, try_invert=False, text_mode=_PLAIN)

    def decode(self, gray: np.ndarray) -> Decoding:
        """Try each attempt until one finds a symbol; a blank frame costs every attempt and returns no symbols."""
        records: list[AttemptRecord] = []
        for name in self.attempts:
            start = time.perf_counter()
            found = self.attempt(name, gray)
            if found is None:  # attempt does not apply to these formats
                continue
            records.append(AttemptRecord(name, (time.perf_counter() - start) * 1000, len(found), gray.size))
            if found:
                return Decoding(tuple(found), tuple(records))
        if self._zbar is not None:
            start = time.perf_counter()
            found = self._zbar.read(gray)
            records.append(AttemptRecord("zbar", (time.perf_counter() - start) * 1000, len(found), gray.size))
            return Decoding(tuple(found), tuple(records))
        return Decoding((), tuple(records))

    def attempt(self, name: str, gray: np.ndarray) -> list[Symbol] | None:
        """One attempt of ATTEMPTS or QUICK_ATTEMPTS on `gray`; None when it does not apply to these formats."""
        if name == "plain":
            return self._symbols(self.read_plain(gray), name)
        if name == "negative":
            return self._symbols(self.read_plain(invert(gray)), name)
        if name == "turned":
            if self._turnable is None:
                return None
            turned = np.ascontiguousarray(np.rot90(gray))  # a quarter turn anticlockwise
            hits = zxingcpp.read_barcodes(
                turned, formats=self._turnable, try_rotate=False, try_invert=False, text_mode=_PLAIN
            )
            return self._symbols(hits, name, turned_width=gray.shape[1])
        if name == "rotated":
            if self._turnable is None:
                return None
            hits = zxingcpp.read_barcodes(
                gray, formats=self._turnable, try_rotate=True, try_invert=False, text_mode=_PLAIN
            )
            return self._symbols(hits, name)
        if name == "inverted":
            hits = zxingcpp.read_barcodes(
                invert(gray), formats=self._all, try_rotate=True, try_invert=False, text_mode=_PLAIN
            )
            return self._symbols(hits, name)
        # "contrast": the widest net, on a locally stretched image
        hits = zxingcpp.read_barcodes(
            enhance_contrast(gray), formats=self._all, try_rotate=True, try_invert=True, text_mode=_PLAIN
        )
        return self._symbols(hits, name)

    def _symbols(self, hits: list[zxingcpp.Barcode], attempt: str, *, turned_width: int = 0) -> list[Symbol]:
        return [self._symbol(b, attempt, turned_width) for b in hits]

    def _symbol(self, b: zxingcpp.Barcode, attempt: str, turned_width: int) -> Symbol:
        fmt = reported_format(b.format.name, b.text, self.formats)
        p = b.position
        corners = tuple((pt.x, pt.y) for pt in (p.top_left, p.top_right, p.bottom_right, p.bottom_left))
        if turned_width:  # read from np.rot90(image): its (x, y) is the image's (width - 1 - y, x)
            corners = tuple((turned_width - 1 - y, x) for x, y in corners)
        return Symbol(b.text, fmt, b.symbology_identifier or None, b.content_type.name, attempt, corners)

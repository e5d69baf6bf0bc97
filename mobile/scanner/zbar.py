"""Optional pyzbar fallback: used only when pyzbar and its shared library (Debian ``libzbar0``) are installed."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .interpret import upce_to_upca
from .result import Symbol

try:
    from pyzbar import pyzbar as _pyzbar
except (ImportError, OSError) as exc:  # pyzbar raises ImportError when libzbar.so is missing
    _pyzbar = None
    UNAVAILABLE_REASON: str | None = f"pyzbar fallback off: {exc}"
else:
    UNAVAILABLE_REASON = None

# zbar type -> (our format name, AIM id). zbar does not say whether FNC1 was present, so Code 128 and QR get
# no AIM id and the GS1 parser decides from the data (GS separators, leading AI) alone.
_TYPES: dict[str, tuple[str, str | None]] = {
    "EAN13": ("EAN13", "]E0"),
    "EAN8": ("EAN8", "]E4"),
    "UPCA": ("UPCA", "]E0"),
    "UPCE": ("UPCE", "]E0"),
    "CODE128": ("Code128", None),
    "QRCODE": ("QRCode", None),
    "PDF417": ("PDF417", None),
}
_BY_FORMAT = {fmt: zbar_type for zbar_type, (fmt, _aim) in _TYPES.items()}


def available() -> bool:
    return _pyzbar is not None


class ZbarReader:
    """Reads the subset of ``formats`` zbar supports (no DataMatrix, no Micro QR)."""

    def __init__(self, formats: Iterable[str]) -> None:
        if _pyzbar is None:
            raise RuntimeError(UNAVAILABLE_REASON)
        names = [_BY_FORMAT[f] for f in formats if f in _BY_FORMAT]
        self._symbols = [_pyzbar.ZBarSymbol[n] for n in names]
        self._upca = "UPCA" in formats

    @property
    def useful(self) -> bool:
        return bool(self._symbols)

    def read(self, gray: np.ndarray) -> list[Symbol]:
        found = []
        for d in _pyzbar.decode(gray, symbols=self._symbols):
            fmt, aim = _TYPES[d.type]
            text = d.data.decode("utf-8", errors="replace")
            if fmt == "EAN13" and self._upca and text.startswith("0"):
                fmt = "UPCA"  # identical bars: an EAN-13 with a leading 0 is a UPC-A
            elif fmt == "UPCA" and len(text) == 12:
                text = "0" + text  # zxing's form: GTIN-13
            elif fmt == "UPCE" and len(text) == 8:
                text = "0" + upce_to_upca(text)  # zxing's form: the GTIN-13 of the expansion
            x, y, w, h = (int(v) for v in d.rect)  # zbar's polygon has no fixed corner order; its rect does
            corners = ((x, y), (x + w, y), (x + w, y + h), (x, y + h))
            found.append(Symbol(text, fmt, aim, "Text", "zbar", corners))
        return found

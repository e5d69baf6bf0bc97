"""Barcode symbols as module matrices, from zxing-cpp's writer (libzint inside): one library for every symbology.

zxing-cpp 3.1 encodes GS1-128 and GS1 DataMatrix with FNC1 from bracketed AI data ("[01]…[21]…": a square
bracket is not in any GS1 character set, so no value can be mistaken for an AI), Code 128 with optimal code-set
switching, EAN-13 and QR with the mask chosen as ISO/IEC 18004 says. segno (pure Python) was measured at ~12 ms a
Digital Link QR here against ~0.4 ms for zxing-cpp, which decides a 1,000-label PDF, so QR comes from zxing-cpp too.
The back ends scale each module to whole printer dots.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import zxingcpp

from backend.labels.errors import LabelDataInvalid
from shared_models.labels import LINEAR, Symbology

_FORMATS = {
    Symbology.GS1_128: (zxingcpp.BarcodeFormat.Code128, {"gs1": True}),
    Symbology.CODE128: (zxingcpp.BarcodeFormat.Code128, {}),
    Symbology.EAN13: (zxingcpp.BarcodeFormat.EAN13, {}),
    Symbology.GS1_DATAMATRIX: (zxingcpp.BarcodeFormat.DataMatrix, {"gs1": True, "force_square": True}),
    Symbology.QR: (zxingcpp.BarcodeFormat.QRCode, {"ec_level": "M"}),
    Symbology.DIGITAL_LINK_QR: (zxingcpp.BarcodeFormat.QRCode, {"ec_level": "M"}),
}


@lru_cache(maxsize=2048)
def modules(symbology: Symbology, data: str, element: str = "barcode") -> np.ndarray:
    """Dark modules as True: rows x columns for 2D symbols, one row for linear ones. `data` is what the encoder
    takes: bracketed AIs for GS1 symbologies, the text (or Digital Link URI) otherwise. Raises LabelDataInvalid
    when the encoder refuses the data (too long for any symbol size)."""
    fmt, options = _FORMATS[symbology]
    try:
        symbol = zxingcpp.create_barcode(data, fmt, **options)
    except ValueError as exc:
        raise LabelDataInvalid(f"{element}: the {symbology.value} encoder refused the data: {exc}",
                               element=element) from exc
    image = np.asarray(symbol.to_image(scale=1, add_quiet_zones=False))
    dark = image < 128
    if symbology in LINEAR:
        dark = dark[:1]
    dark.setflags(write=False)
    return dark


def bracketed(pairs: list[tuple[str, str]]) -> str:
    """The encoder's GS1 input: "[01]09506000134352[21]S1"."""
    return "".join(f"[{ai}]{value}" for ai, value in pairs)

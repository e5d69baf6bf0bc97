"""The symbologies the handheld reads, one definition for zxing-cpp natively and its WebAssembly build."""

from __future__ import annotations

from collections.abc import Collection

#: The symbologies Lotline prints and receives (GS1-128 is Code 128 with FNC1). zxing-cpp's enum names, which
#: zxing-wasm's `formats` option takes as they are.
FORMATS: tuple[str, ...] = (
    "EAN13", "EAN8", "UPCA", "UPCE", "Code128", "QRCode", "MicroQRCode", "DataMatrix", "PDF417",
)  # fmt: skip


def reported_format(fmt: str, text: str, enabled: Collection[str] = FORMATS) -> str:
    """The format to report for a symbol zxing named `fmt`: UPC-A and EAN-13 have identical bars and zxing names
    the symbol EAN-13 when both are enabled, so a leading 0 makes it UPC-A."""
    if fmt == "EAN13" and "UPCA" in enabled and text.startswith("0"):
        return "UPCA"
    return fmt

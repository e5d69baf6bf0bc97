"""Test labels as grayscale images: QR / Micro QR via segno, the rest (and GS1 FNC1 symbols) via zxing-cpp's writer."""

from __future__ import annotations

import datetime as dt
import random
import string
from dataclasses import dataclass

import numpy as np
import segno
import zxingcpp

from shared_models.gs1 import GS1Error, compute_check_digit, parse

from .interpret import upce_to_upca

# Writable symbologies and the content kind each gets in random_label().
LABEL_FORMATS: tuple[str, ...] = (
    "EAN13", "EAN8", "UPCA", "UPCE", "Code128", "QRCode", "MicroQRCode", "DataMatrix", "PDF417",
)  # fmt: skip
_QUIET_MODULES = {"QRCode": 4, "MicroQRCode": 2}


@dataclass(frozen=True, slots=True)
class Label:
    """A label image (uint8, dark on white, quiet zone included) and the text a decoder must return for it."""

    image: np.ndarray
    format: str
    content: str
    expected_text: str
    gs1: bool = False
    module_px: int = 1  # pixels per module in ``image``


def _with_check(digits: str, length: int) -> str:
    if len(digits) == length - 1:
        return digits + str(compute_check_digit(digits))
    if len(digits) != length:
        raise ValueError(f"expected {length - 1} or {length} digits, got {digits!r}")
    return digits


def _upce_with_check(content: str) -> str:
    """UPC-E's check digit is the one of its UPC-A expansion."""
    if len(content) == 7:
        return content + str(compute_check_digit(upce_to_upca(content)[:11]))
    if len(content) != 8:
        raise ValueError(f"expected 7 or 8 UPC-E digits, got {content!r}")
    return content


def _expected(fmt: str, content: str, gs1: bool) -> str:
    if gs1:
        try:
            return parse(content).to_raw()  # zxing's plain text: raw AIs with GS only where needed
        except GS1Error:
            return content  # deliberately malformed content: no canonical form
    if fmt in ("EAN13", "UPCA"):
        return content.rjust(13, "0")
    if fmt == "UPCE":
        return "0" + upce_to_upca(content)
    return content


def _pad_and_scale(modules: np.ndarray, quiet: int, scale: int) -> np.ndarray:
    img = np.where(modules, 0, 255).astype(np.uint8)
    img = np.pad(img, quiet, constant_values=255)
    return np.repeat(np.repeat(img, scale, axis=0), scale, axis=1)


def qr_label(text: str, *, micro: bool = False, scale: int = 4) -> Label:
    """Plain (non-GS1) QR or Micro QR made with segno."""
    code = segno.make_micro(text) if micro else segno.make_qr(text)
    fmt = "MicroQRCode" if micro else "QRCode"
    image = _pad_and_scale(np.array(code.matrix, dtype=bool), _QUIET_MODULES[fmt], scale)
    return Label(image, fmt, text, text, module_px=scale)


def barcode_label(fmt: str, content: str, *, gs1: bool = False, scale: int = 3, square: bool = True) -> Label:
    """Any writable format via zxing-cpp; ``gs1=True`` takes bracketed HRI and encodes FNC1 mode.

    DataMatrix is square unless ``square=False``, which lets the writer pick a rectangular (DMRE) size.
    EAN/UPC content may omit the check digit. The writer does not validate GS1 check digits, so a bad
    GTIN can be encoded on purpose for tests.
    """
    if fmt == "EAN13":
        content = _with_check(content, 13)
    elif fmt == "EAN8":
        content = _with_check(content, 8)
    elif fmt == "UPCE":
        content = _upce_with_check(content)
    elif fmt == "UPCA":
        content = _with_check(content, 12)
    options: dict[str, bool] = {"gs1": True} if gs1 else {}
    if fmt == "DataMatrix" and square:
        options["forceSquare"] = True
    barcode = zxingcpp.create_barcode(content, zxingcpp.BarcodeFormat[fmt], **options)
    image = np.array(barcode.to_image(scale=scale, add_quiet_zones=True), dtype=np.uint8)
    return Label(image, fmt, content, _expected(fmt, content, gs1), gs1, module_px=scale)


def gs1_hri(rng: random.Random, *, kind: str) -> str:
    """Random valid GS1 data of a given kind: serial, lot, item or container."""
    gtin = _with_check("0" + "".join(rng.choices(string.digits, k=12)), 14)
    expiry = (dt.date(2027, 1, 1) + dt.timedelta(days=rng.randrange(900))).strftime("%y%m%d")
    lot = "".join(rng.choices(string.ascii_uppercase + string.digits, k=rng.randint(4, 10)))
    if kind == "container":
        return f"(00){_with_check('0' + ''.join(rng.choices(string.digits, k=16)), 18)}"
    if kind == "serial":
        serial = "".join(rng.choices(string.digits, k=8))
        return f"(01){gtin}(17){expiry}(10){lot}(21){serial}"
    if kind == "lot":
        return f"(01){gtin}(17){expiry}(10){lot}"
    return f"(01){gtin}"


def random_label(fmt: str, rng: random.Random, *, module_px: int = 4) -> Label:
    """A label of ``fmt`` with random realistic content (GS1 for Code 128, DataMatrix and half the QRs)."""
    digits = "".join(rng.choices(string.digits, k=12))
    if fmt == "EAN13":
        return barcode_label(fmt, str(rng.randint(1, 9)) + digits[:11], scale=module_px)
    if fmt == "EAN8":
        return barcode_label(fmt, str(rng.randint(1, 9)) + digits[:6], scale=module_px)
    if fmt == "UPCA":
        return barcode_label(fmt, digits[:11], scale=module_px)
    if fmt == "UPCE":
        # digits 3-9 only: UPC-E forbids small digits where the zero suppression would be ambiguous
        return barcode_label(fmt, "0" + "".join(rng.choices("3456789", k=6)), scale=module_px)
    if fmt == "Code128":
        return barcode_label(fmt, gs1_hri(rng, kind=rng.choice(["lot", "container"])), gs1=True, scale=module_px)
    if fmt == "DataMatrix":
        hri = gs1_hri(rng, kind=rng.choice(["serial", "lot"]))
        return barcode_label(fmt, hri, gs1=True, scale=module_px, square=rng.random() < 0.7)
    if fmt == "QRCode":
        if rng.random() < 0.5:
            return barcode_label(fmt, gs1_hri(rng, kind="serial"), gs1=True, scale=module_px)
        msg = parse(gs1_hri(rng, kind="lot"))
        return qr_label(f"https://id.lotline.example/01/{msg.gtin}/10/{msg.lot}", scale=module_px)
    if fmt == "MicroQRCode":
        return qr_label("LOC-" + "".join(rng.choices(string.ascii_uppercase + string.digits, k=6)), micro=True,
                        scale=module_px)  # fmt: skip
    if fmt == "PDF417":
        words = rng.choices(["LOT", "SHIP", "PO", "QTY", "BIN", "ZONE", "OK"], k=4)
        return barcode_label(fmt, " ".join(words) + " " + digits, scale=module_px)
    raise ValueError(f"no test label for format {fmt!r}; choose from {LABEL_FORMATS}")

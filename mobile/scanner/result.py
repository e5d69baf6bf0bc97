"""What one scan yields: ``ScanResult``, its plain-language ``summary()``, and ``ScanError``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from shared_models.gs1 import GS1Message

Source = Literal["camera", "wedge", "manual"]
SOURCES: tuple[str, ...] = ("camera", "wedge", "manual")
Point = tuple[int, int]


class ScanError(ValueError):
    """Input the scanner cannot use at all (not an image, an unsupported array, empty typed text).

    A frame that simply shows no barcode is not an error: the pipeline returns None for it.
    """

    code = "scan_error"


@dataclass(frozen=True, slots=True)
class Symbol:
    """One barcode as the decoder read it, before GS1 interpretation; corners in the decoded image."""

    text: str
    format: str
    symbology_id: str | None
    content_type: str
    attempt: str
    corners: tuple[Point, Point, Point, Point] | None = None


@dataclass(frozen=True, slots=True)
class ScanResult:
    """One decoded or typed code, with its GS1 reading.

    ``text`` is the data as transmitted (GS1 separators as ASCII 29, no AIM prefix). Exactly one of
    ``gs1`` (parsed) / ``gs1_error`` (GS1 data that is malformed; the message names the AI) is set for
    GS1 content; both are None for plain codes. ``attempt`` names the decoder attempt that succeeded
    ("plain", "rotated", "inverted", "contrast", "zbar"; continuous mode also "turned", "negative"; the browser's
    "retry"); None for typed input. ``corners`` are the
    symbol's corners in the caller's frame (top-left, top-right, bottom-right, bottom-left).
    """

    text: str
    source: Source
    format: str | None = None
    symbology_id: str | None = None
    content_type: str = "Text"
    gs1: GS1Message | None = None
    gs1_error: str | None = None
    gs1_error_code: str | None = None
    attempt: str | None = None
    decode_ms: float = 0.0
    corners: tuple[Point, Point, Point, Point] | None = None

    @property
    def is_gs1(self) -> bool:
        """True for GS1 data, valid or malformed."""
        return self.gs1 is not None or self.gs1_error is not None

    @property
    def valid(self) -> bool:
        """False when the code carries GS1 data that failed validation."""
        return self.gs1_error is None

    @property
    def display_text(self) -> str:
        """Bracketed HRI for GS1 data, else the text with separators shown as <GS>."""
        if self.gs1 is not None:
            return self.gs1.hri()
        return self.text.replace("\x1d", "<GS>")

    def summary(self) -> dict[str, Any]:
        """What the code identifies, in shop-floor terms.

        kinds: container (AI 00), serial (01+21), lot (01+10), item (01, also EAN/UPC), location (414),
        gs1 (other AIs), invalid (malformed GS1, with ``error``), code (plain text).
        """
        if self.gs1_error is not None:
            return {"kind": "invalid", "text": self.display_text, "error": self.gs1_error}
        if self.gs1 is None:
            return {"kind": "code", "text": self.text}
        return summarize(self.gs1)


def summarize(msg: GS1Message) -> dict[str, Any]:
    """The ``summary()`` of a parsed GS1 message; ``ais`` always lists every element."""
    ais = msg.as_dict()
    expiry: dt.date | None = msg.expiry
    if "00" in msg:
        out: dict[str, Any] = {"kind": "container", "sscc": msg.sscc, "content": msg.content, "count": msg.quantity}
    elif "01" in msg and "21" in msg:
        out = {"kind": "serial", "gtin": msg.gtin, "serial": msg.serial, "lot": msg.lot, "expiry": expiry}
    elif "01" in msg and "10" in msg:
        out = {"kind": "lot", "gtin": msg.gtin, "lot": msg.lot, "expiry": expiry}
    elif "01" in msg:
        out = {"kind": "item", "gtin": msg.gtin, "expiry": expiry}
    elif "414" in msg:
        out = {"kind": "location", "gln": msg.gln, "extension": msg.get("254")}
    else:
        out = {"kind": "gs1"}
    out["ais"] = ais
    return out

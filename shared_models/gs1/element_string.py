"""Parse and encode GS1 element strings: bracketed HRI, raw with GS separators, AIM symbology ids."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from .ai import AIDef, lookup, match_ai
from .element import Element
from .errors import GS1Error, NotGS1Error
from .message import GS1Message

GS = "\x1d"
# Raw separators: ASCII 29 plus these literal placeholders. "<GS>" is also legal CSET 82 text, so a value
# containing it cannot survive a raw round trip; it is always read as a separator.
_PLACEHOLDERS = ("<GS>", "{GS}", "\\x1d")
_EDGE_SPACE = " \t\r\n"

#: AIM symbology identifiers that announce GS1 data (FNC1 in first position).
GS1_SYMBOLOGY_IDS = {
    "]C1": "GS1-128",
    "]d2": "GS1 DataMatrix",
    "]d5": "GS1 DataMatrix",  # with ECI
    "]d8": "GS1 DataMatrix",  # rectangular (DMRE), as zxing-cpp reports it
    "]Q3": "GS1 QR Code",
    "]Q4": "GS1 QR Code",  # with ECI
    "]e0": "GS1 DataBar",
    "]J1": "GS1 DotCode",
}
_AIM_ID = re.compile(r"\][A-Za-z][0-9A-Za-z]")
_HRI_TOKEN = re.compile(r"(?<!\\)\(([0-9]*)\)")
#: Any separator, real or placeholder: one regex search instead of a test at every character.
SEPARATOR = re.compile("|".join(re.escape(s) for s in (GS, *_PLACEHOLDERS)))


def split_symbology(text: str) -> tuple[str | None, int]:
    """(AIM id or None, offset of the data after it). Leading spaces/CR/LF are skipped."""
    start = len(text) - len(text.lstrip(_EDGE_SPACE))
    m = _AIM_ID.match(text, start)
    return (m.group(0), m.end()) if m else (None, start)


def sep_len(text: str, i: int) -> int:
    """Length of the GS separator (real or placeholder) at ``text[i]``, else 0."""
    if text.startswith(GS, i):
        return 1
    return next((len(p) for p in _PLACEHOLDERS if text.startswith(p, i)), 0)


def _find_sep(text: str, start: int, end: int) -> tuple[int, int]:
    m = SEPARATOR.search(text, start, end)
    return (m.start(), m.end() - m.start()) if m else (end, 0)


def _element(defn: AIDef, value: str, today: dt.date | None, position: int, lint: bool) -> Element:
    return Element(defn.ai, value, today=today, lint=lint, position=position)


def _parse_raw(text: str, pos: int, end: int, today: dt.date | None, lint: bool) -> list[Element]:
    elements: list[Element] = []
    while pos < end:
        if sep_len(text, pos):
            raise GS1Error("empty field: two GS separators in a row", code="bad_format", position=pos)
        defn = match_ai(text, pos)
        if defn is None:
            seen = re.match(r"[0-9]{0,4}", text[pos:end]).group(0) or text[pos : pos + 4]
            raise GS1Error(
                f"unknown Application Identifier: no AI starts with {seen!r}", code="unknown_ai", ai=seen, position=pos
            )
        start = pos + len(defn.ai)
        if defn.predefined_length:
            stop = min(start + (defn.fixed_length or 0), end)
            cut, _ = _find_sep(text, start, stop)
            value = text[start:cut]
            pos = cut
            if len(value) < (defn.fixed_length or 0):
                raise GS1Error(
                    f"{defn.label}: value has {len(value)} characters, needs exactly {defn.fixed_length} "
                    "(data truncated?)",
                    code="too_short",
                    ai=defn.ai,
                    position=pos,
                )
            pos += sep_len(text, pos)  # a redundant GS after a predefined-length field is tolerated
        else:
            cut, n = _find_sep(text, start, end)
            value = text[start:cut]
            pos = cut + n
            if defn.fixed_length is not None and len(value) > defn.fixed_length:
                raise GS1Error(
                    f"{defn.label}: fixed-length value of {defn.fixed_length} characters must be followed "
                    "by a GS separator",
                    code="missing_gs",
                    ai=defn.ai,
                    position=start + defn.fixed_length,
                )
            if len(value) > defn.max_length:
                raise GS1Error(
                    f"{defn.label}: value has {len(value)} characters, allows at most {defn.max_length} "
                    "(missing GS separator?)",
                    code="too_long",
                    ai=defn.ai,
                    position=start,
                )
        elements.append(_element(defn, value, today, start - len(defn.ai), lint))
    return elements


def _parse_hri(text: str, pos: int, end: int, today: dt.date | None, lint: bool) -> list[Element]:
    tokens = list(_HRI_TOKEN.finditer(text, pos, end))
    if not tokens or text[pos : tokens[0].start()].strip(_EDGE_SPACE):
        raise GS1Error("bracketed data must start with '(AI)'", code="bad_format", position=pos)
    elements: list[Element] = []
    for k, tok in enumerate(tokens):
        ai = tok.group(1)
        if not 2 <= len(ai) <= 4:
            raise GS1Error(
                f"'({ai})' is not an Application Identifier (2 to 4 digits)",
                code="bad_format",
                ai=ai or None,
                position=tok.start(),
            )
        try:
            defn = lookup(ai)
        except GS1Error as exc:
            exc.position = tok.start()
            raise
        stop = tokens[k + 1].start() if k + 1 < len(tokens) else end
        value = text[tok.end() : stop].strip(_EDGE_SPACE + GS).replace("\\(", "(")
        elements.append(_element(defn, value, today, tok.start(), lint))
    return elements


def parse(
    text: str,
    today: dt.date | None = None,
    *,
    lint: bool = True,
    associations: bool = True,
    requisites: bool = True,
) -> GS1Message:
    """Parse any scanner form of a GS1 element string into a validated ``GS1Message``.

    ``today`` anchors the century rule for YYMMDD dates (default: ``date.today()``). By default every check the
    GS1 Barcode Syntax Dictionary names runs: each value's linters (``lint``) and the message's AI associations
    (``associations``; ``requisites=False`` keeps exclusions but accepts an AI whose partner is on another
    symbol of the same item). ``lint=False, associations=False`` reads the syntax alone.
    """
    if not isinstance(text, str):
        raise GS1Error(f"expected text, got {type(text).__name__}", code="bad_format")
    aim, pos = split_symbology(text)
    symbology = None
    if aim is not None:
        symbology = GS1_SYMBOLOGY_IDS.get(aim)
        if symbology is None:
            raise NotGS1Error(f"symbology identifier {aim} does not announce GS1 data", position=0)
    end = len(text.rstrip(_EDGE_SPACE))
    pos += sep_len(text, pos)  # leading FNC1 transmitted as GS
    if pos >= end:
        raise NotGS1Error("no data" if aim is None else f"no data after symbology identifier {aim}", position=pos)
    if text.startswith("(", pos):
        elements = _parse_hri(text, pos, end, today, lint)
    elif text[pos].isascii() and text[pos].isdigit():
        elements = _parse_raw(text, pos, end, today, lint)
    elif re.match(r"https?://", text[pos:end], re.IGNORECASE):
        raise GS1Error("this is a URI; use parse_digital_link() or parse_any()", code="bad_format", position=pos)
    else:
        raise NotGS1Error(f"not a GS1 element string: starts with {text[pos : pos + 8]!r}", position=pos)
    return GS1Message(tuple(elements), symbology=symbology, symbology_id=aim, associations=associations,
                      requisites=requisites)


def encode_hri(elements: Iterable[Element | tuple[str, str]]) -> str:
    """Bracketed HRI text, e.g. '(01)09506000134352(10)ABC123'. Validates like ``GS1Message``."""
    return (elements if isinstance(elements, GS1Message) else GS1Message(tuple(elements))).hri()


def encode_raw(elements: Iterable[Element | tuple[str, str]], gs: str = GS) -> str:
    """Raw element string with ``gs`` only where Gen Specs require a separator."""
    return (elements if isinstance(elements, GS1Message) else GS1Message(tuple(elements))).to_raw(gs)

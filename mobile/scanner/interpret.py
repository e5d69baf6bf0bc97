"""Read decoded or typed text as GS1: a parsed message, a GS1 error to show the worker, or plain text."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from mobile.i18n import Localized, Msg
from shared_models.gs1 import Element, GS1Error, GS1Message, NotGS1Error, gtin14, is_valid_check_digit, parse_any

#: EAN/UPC symbols carry a GTIN and nothing else; GS1 reads them as AI (01).
RETAIL_FORMATS = frozenset({"EAN13", "EAN8", "UPCA", "UPCE"})
# Untagged typed digits of these lengths with a valid check digit are a GTIN-8/12/13 (a wedge scanner sends
# EAN/UPC without AIM id by default). Without this rule '4006381333931' would read as AI (400) + 10 digits.
_BARE_GTIN_LENGTHS = (8, 12, 13)
_AIM_ID = re.compile(r"\][A-Za-z][0-9A-Za-z;:]")
# Rectangular (DMRE) DataMatrix with ECI comes as ]d; (modifier 5 + 6), which is not a plain AIM character:
# the parser gets the square-symbol id with ECI instead. (]d8, DMRE without ECI, the parser knows.)
_PARSER_AIM = {"]d;": "]d5"}


@dataclass(frozen=True, slots=True)
class Interpretation:
    gs1: GS1Message | None = None
    error: str | None = None  # a mobile.i18n.Localized: English as a str, the worker's language through a Translator
    error_code: str | None = None


def gs1_message(exc: GS1Error) -> Msg:
    """The worker's message for a GS1 error: key gs1.<code>, filled with the AI, the 1-based place in the value
    and the error's own values (a coupon field becomes its translated name)."""
    params: dict[str, object] = {"ai": exc.ai or "?", **exc.params}
    if exc.offset is not None:
        params["place"] = exc.offset + 1
    if "field" in exc.params:
        params["field"] = Msg.of(f"gs1.coupon_field.{exc.params['field']}")
    return Msg(f"gs1.{exc.code}", params)


def _failed(exc: GS1Error) -> Interpretation:
    return Interpretation(error=Localized(str(exc), gs1_message(exc)), error_code=exc.code)


def split_aim(text: str) -> tuple[str | None, str]:
    """(AIM symbology id or None, the data after it)."""
    m = _AIM_ID.match(text)
    return (m.group(0), text[m.end() :]) if m else (None, text)


def upce_to_upca(upce: str) -> str:
    """Expand UPC-E (number system + 6 digits [+ check]) to the 12-digit UPC-A (11 digits when no check given)."""
    ns, d, check = upce[0], upce[1:7], upce[7:8]
    last = d[5]
    if last in "012":
        body = d[0:2] + last + "0000" + d[2:5]
    elif last == "3":
        body = d[0:3] + "00000" + d[3:5]
    elif last == "4":
        body = d[0:4] + "00000" + d[4]
    else:
        body = d[0:5] + "0000" + last
    return ns + body + check


def _is_bare_gtin(text: str) -> bool:
    return len(text) in _BARE_GTIN_LENGTHS and text.isascii() and text.isdigit() and is_valid_check_digit(text)


def _retail(digits: str, fmt: str | None, symbology_id: str | None) -> Interpretation:
    if len(digits) == 8 and (fmt == "UPCE" or symbology_id == "]E0"):  # EAN-8 is ]E4; 8 digits under ]E0 are UPC-E
        digits = upce_to_upca(digits)
    try:
        element = Element("01", gtin14(digits))
    except GS1Error as exc:
        return _failed(exc)
    return Interpretation(gs1=GS1Message((element,), symbology=fmt, symbology_id=symbology_id))


def interpret(
    text: str, *, symbology_id: str | None = None, fmt: str | None = None, today: dt.date | None = None
) -> Interpretation:
    """GS1-parse ``text`` (data without AIM prefix) as announced by ``symbology_id`` / ``fmt``.

    Non-GS1 text gives an empty Interpretation; malformed GS1 gives ``error`` (the GS1Error message, which names
    the AI, carrying its zh-CN/en message) and its stable ``error_code``. Every check of the GS1 Barcode Syntax
    Dictionary applies: value linters and the message's AI associations.
    """
    if fmt in RETAIL_FORMATS or (symbology_id or "").startswith("]E"):
        return _retail(text, fmt, symbology_id)
    if symbology_id is None and fmt is None and _is_bare_gtin(text):
        return _retail(text, None, None)
    try:
        # The AIM id tells the parser whether FNC1 announced GS1 (]C1, ]d2, ]Q3) or not (]C0, ]Q1).
        aim = _PARSER_AIM.get(symbology_id or "", symbology_id or "")
        return Interpretation(gs1=parse_any(aim + text, today=today))
    except NotGS1Error:
        return Interpretation()
    except GS1Error as exc:
        return _failed(exc)

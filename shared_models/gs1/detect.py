"""Detect GS1 data in scanned text and parse whichever form it is (Digital Link or element string)."""

# A URI is a Digital Link only if its path has a primary key (/01/..., /gtin/...); others are not_gs1.
# Unmarked raw text (no symbology id, no GS, no brackets) counts as GS1 only if it parses, or if it
# starts with a complete (00)/(01)/(02)/(03)/(41x) key - then the real error is raised, not not_gs1.
# A leading GS is FNC1 in first position (how keyboard wedges without AIM ids announce GS1-128 and GS1
# DataMatrix), so it marks the text as GS1 as surely as ]C1 does.

from __future__ import annotations

import datetime as dt
import re

from .ai import match_ai
from .digital_link import ALIASES, PRIMARY_KEYS, parse_digital_link
from .element_string import GS1_SYMBOLOGY_IDS, SEPARATOR, parse, sep_len, split_symbology
from .errors import GS1Error, NotGS1Error
from .message import GS1Message

_URI = re.compile(r"https?://", re.IGNORECASE)
_HRI_START = re.compile(r"\([0-9]{2,4}\)")
_DL_KEYS = "|".join(
    sorted({*PRIMARY_KEYS, *(a for a, ai in ALIASES.items() if ai in PRIMARY_KEYS)}, key=len, reverse=True)
)
_DL_PATH = re.compile(rf"https?://[^/?#\s]+(?:/[^?#\s]*)?/(?:{_DL_KEYS})/[^/?#\s]+", re.IGNORECASE)
_STRONG_KEY = re.compile(r"(?:0[0-3]|41[0-7])")


def _body(text: str) -> tuple[str | None, str]:
    aim, pos = split_symbology(text)
    return aim, text[pos:].strip(" \t\r\n")


def _has_separator(text: str) -> bool:
    return SEPARATOR.search(text) is not None


def looks_like_gs1(text: str) -> bool:
    """Cheap check (no validation): GS1 symbology id, Digital Link path, '(AI)' start, or a known AI start."""
    if not isinstance(text, str):
        return False
    aim, body = _body(text)
    if aim in GS1_SYMBOLOGY_IDS:
        return True
    if _URI.match(body):
        return _DL_PATH.match(body) is not None
    if aim is not None:  # a non-GS1 symbology carries GS1 data only as a Digital Link
        return False
    if sep_len(body, 0):
        body = body[sep_len(body, 0) :]
    if body.startswith("("):
        return _HRI_START.match(body) is not None
    return match_ai(body) is not None


def parse_any(
    text: str, today: dt.date | None = None, *, lint: bool = True, associations: bool = True, requisites: bool = True
) -> GS1Message:
    """Parse a Digital Link URI or any element-string form; raise ``not_gs1`` for non-GS1 text. The keywords
    are ``parse``'s: by default every dictionary check runs."""
    checks = {"lint": lint, "associations": associations, "requisites": requisites}
    if not isinstance(text, str):
        raise NotGS1Error(f"expected text, got {type(text).__name__}")
    aim, body = _body(text)
    if _URI.match(body):
        if _DL_PATH.match(body) is None:
            raise NotGS1Error(f"URI is not a GS1 Digital Link: {body[:60]!r}")
        return parse_digital_link(body, today=today, **checks).message
    fnc1_first = sep_len(body, 0) > 0
    if aim is not None or fnc1_first or _HRI_START.match(body) or (body[:1].isdigit() and _has_separator(body)):
        return parse(text, today=today, **checks)  # clearly meant as GS1: report the real problem
    if body.startswith("(") or not body[:1].isdigit():
        raise NotGS1Error(f"not GS1 data: {body[:20]!r}")
    try:
        return parse(body, today=today, **checks)
    except GS1Error as exc:
        key = match_ai(body)
        if key and _STRONG_KEY.fullmatch(key.ai) and len(body) >= len(key.ai) + (key.fixed_length or 0):
            raise
        raise NotGS1Error(f"not GS1 data ({exc.code}: {exc})") from exc

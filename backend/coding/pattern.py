"""Numbering patterns as data, rendered: literal parts, date parts, site/line/item fields, one sequence, and a
check character. Pure: the service hands in the date, the fields and the sequence number.

A pattern is a list of parts, each {"part": NAME} plus {"value": TEXT} for a literal:
  literal            the text itself (GS1 CSET 82: it may end up in AI (10) or (21))
  YYYY YY MM DD      calendar date of allocation
  JJJ                day of the year, 001-366 ("Julian" date as plants print it)
  WW                 ISO 8601 week, 01-53
  site line item     the site code, the line code given with the request, the item's part number
  seq                the sequence, zero-padded to the rule's width (exactly one per pattern)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from backend.coding.check_chars import ALNUM36, gs1_mod10, iso7064_mod37_36
from backend.coding.errors import PatternError

CSET82 = frozenset("!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")
DATE_PARTS: dict[str, Callable[[date], str]] = {
    "YYYY": lambda d: f"{d.year:04d}",
    "YY": lambda d: f"{d.year % 100:02d}",
    "MM": lambda d: f"{d.month:02d}",
    "DD": lambda d: f"{d.day:02d}",
    "JJJ": lambda d: f"{d.timetuple().tm_yday:03d}",
    "WW": lambda d: f"{d.isocalendar().week:02d}",
}
FIELD_PARTS = frozenset({"site", "line", "item"})
LITERAL, SEQ = "literal", "seq"
MAX_WIDTH = 18  # a sequence of up to 18 digits still fits a signed 64-bit counter


class ResetPeriod(StrEnum):
    NEVER = "never"
    YEARLY = "yearly"
    MONTHLY = "monthly"
    DAILY = "daily"


class CheckChar(StrEnum):
    NONE = "none"
    GS1_MOD10 = "gs1_mod10"
    ISO7064_MOD37_36 = "iso7064_mod37_36"


@dataclass(frozen=True, slots=True)
class Numbering:
    """What renders a number: the pattern and the sequence's settings of one rule."""

    parts: tuple[Mapping[str, Any], ...]
    width: int
    reset: ResetPeriod = ResetPeriod.NEVER
    check: CheckChar = CheckChar.NONE


def period_key(reset: ResetPeriod, on: date) -> str:
    """The counter a date draws from: "" (never reset), "2026", "2026-03" or "2026-03-14"."""
    return {ResetPeriod.NEVER: "", ResetPeriod.YEARLY: f"{on:%Y}", ResetPeriod.MONTHLY: f"{on:%Y-%m}",
            ResetPeriod.DAILY: f"{on:%Y-%m-%d}"}[reset]


def validate(n: Numbering) -> None:
    """Raises PatternError for a pattern that could repeat a number or never render: not exactly one sequence, an
    unknown part, a reset period whose date parts are missing from the number (a daily reset with no day in it
    makes the same numbers every day), a literal the check character cannot cover."""
    names = [p.get("part") for p in n.parts]
    unknown = [str(x) for x in names if x not in (LITERAL, SEQ, *DATE_PARTS, *FIELD_PARTS)]
    if unknown:
        raise PatternError(f"unknown pattern part(s) {', '.join(unknown)}; known: literal, seq, "
                           f"{', '.join(DATE_PARTS)}, {', '.join(sorted(FIELD_PARTS))}")
    if names.count(SEQ) != 1:
        raise PatternError(f"a pattern needs exactly one seq part, this one has {names.count(SEQ)}")
    if not 1 <= n.width <= MAX_WIDTH:
        raise PatternError(f"sequence width {n.width} must be 1-{MAX_WIDTH}")
    for part in n.parts:
        if part.get("part") == LITERAL:
            text = part.get("value")
            if not isinstance(text, str) or not text or any(c not in CSET82 for c in text):
                raise PatternError(f"literal {text!r} must be non-empty GS1 CSET 82 text (letters, digits, -./_ …)")
            _check_chars_allowed(n.check, text, "literal")
    has = set(names)
    year = bool(has & {"YYYY", "YY"})
    needs = {ResetPeriod.YEARLY: year, ResetPeriod.MONTHLY: year and "MM" in has,
             ResetPeriod.DAILY: year and ("JJJ" in has or {"MM", "DD"} <= has)}
    if n.reset in needs and not needs[n.reset]:
        parts = {ResetPeriod.YEARLY: "YYYY or YY", ResetPeriod.MONTHLY: "a year and MM",
                 ResetPeriod.DAILY: "a year and JJJ (or MM and DD)"}[n.reset]
        raise PatternError(f"a sequence reset {n.reset.value} repeats its numbers unless the pattern holds {parts}")


def _check_chars_allowed(check: CheckChar, text: str, what: str) -> None:
    if check is CheckChar.GS1_MOD10 and not (text.isascii() and text.isdigit()):
        raise PatternError(f"{what} {text!r}: a GS1 mod 10 check digit covers digits only")
    if check is CheckChar.ISO7064_MOD37_36 and any(c not in ALNUM36 for c in text):
        raise PatternError(f"{what} {text!r}: ISO/IEC 7064 MOD 37,36 covers 0-9 and A-Z only")


def render(n: Numbering, seq: int, on: date, fields: Mapping[str, str | None]) -> str:
    """The number for sequence value `seq` on date `on`; `fields` gives site, line and item. Raises PatternError
    for a field the pattern needs and the request lacks, or a field the check character cannot cover."""
    if seq < 0 or seq >= 10**n.width:
        raise PatternError(f"sequence value {seq} does not fit {n.width} digits")
    out: list[str] = []
    for part in n.parts:
        name = part["part"]
        if name == LITERAL:
            out.append(part["value"])
        elif name == SEQ:
            out.append(f"{seq:0{n.width}d}")
        elif name in DATE_PARTS:
            out.append(DATE_PARTS[name](on))
        else:
            value = fields.get(name)
            if not value:
                raise PatternError(f"the pattern has a {name} part: the request must name the {name}")
            if any(c not in CSET82 for c in value):
                raise PatternError(f"{name} {value!r} holds characters GS1 CSET 82 does not (it may end up in a "
                                   "GS1 code)")
            _check_chars_allowed(n.check, value, name)
            out.append(value)
    body = "".join(out)
    if n.check is CheckChar.GS1_MOD10:
        return body + gs1_mod10(body)
    if n.check is CheckChar.ISO7064_MOD37_36:
        return body + iso7064_mod37_36(body)
    return body


def template(parts: Sequence[Mapping[str, Any]], width: int, check: CheckChar) -> str:
    """How a person reads a pattern, e.g. "LOT-{YYYY}{JJJ}-{seq:5}{check:gs1_mod10}"."""
    text = "".join(p["value"] if p.get("part") == LITERAL else f"{{seq:{width}}}" if p.get("part") == SEQ
                   else f"{{{p.get('part')}}}" for p in parts)
    return text + ("" if check is CheckChar.NONE else f"{{check:{check.value}}}")


def sscc_numbering(extension: str, company_prefix: str) -> tuple[Numbering, str]:
    """An SSCC: extension digit + GS1 company prefix + serial reference (the sequence, 16 - prefix digits) + GS1
    check digit (Gen Specs 2.2.1). Returns the numbering and the 8-digit-or-longer start its numbers share."""
    if len(extension) != 1 or not extension.isdigit():
        raise PatternError(f"SSCC extension digit {extension!r} must be one digit 0-9")
    if not (company_prefix.isascii() and company_prefix.isdigit()) or not 6 <= len(company_prefix) <= 12:
        raise PatternError(f"GS1 company prefix {company_prefix!r} must be 6-12 digits")
    start = extension + company_prefix
    parts = ({"part": LITERAL, "value": start}, {"part": SEQ})
    return Numbering(parts, width=17 - len(start), check=CheckChar.GS1_MOD10), start

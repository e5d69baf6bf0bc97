"""GS1 Application Identifier table (Gen Specs section 3) with lookup and predefined-length rules."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

from . import _ai_table
from .errors import GS1Error

#: GS1 AI encodable character set 82 (Gen Specs Fig. 7.11-1).
CSET82 = frozenset("!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")
#: GS1 AI encodable character set 39 (Fig. 7.11-2).
CSET39 = frozenset("#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
#: GS1 AI encodable character set 64 (Fig. 7.11-3, file-safe base64; '=' only as trailing padding).
CSET64 = frozenset(string.ascii_letters + string.digits + "-_")
CHARSETS = {"N": frozenset(string.digits), "X": CSET82, "Y": CSET39, "Z": CSET64}
CHARSET_NAMES = {"N": "digits 0-9", "X": "GS1 CSET 82", "Y": "GS1 CSET 39", "Z": "GS1 CSET 64"}

#: Gen Specs Fig. 7.8.5-2: first two AI digits -> total length (AI + data) of predefined-length element
#: strings. Only these need no FNC1/GS separator after them; every other AI does (unless it is last).
PREDEFINED_LENGTHS = {
    "00": 20, "01": 16, "02": 16, "03": 16, "04": 18,
    "11": 8, "12": 8, "13": 8, "14": 8, "15": 8, "16": 8, "17": 8, "18": 8, "19": 8, "20": 4,
    "31": 10, "32": 10, "33": 10, "34": 10, "35": 10, "36": 10, "41": 16,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class AIDef:
    """Definition of one Application Identifier and the rules its value must follow."""

    ai: str
    title: str  # short human name used in messages, e.g. "expiry date"
    data_title: str  # GS1 data title, e.g. "USE BY OR EXPIRY"
    fixed_length: int | None  # value length when fixed, else None
    min_length: int
    max_length: int
    charset: str  # 'N' digits, 'X' CSET 82, 'Y' CSET 39, 'Z' CSET 64
    check_digit: bool = False
    is_date: bool = False
    decimal_places_from_ai: bool = False  # last AI digit n = implied decimal places (310n, 392n, ...)
    predefined_length: bool = False  # per Fig. 7.8.5-2: never followed by a GS separator
    format: str = ""  # Gen Specs notation, e.g. "N13+[X..17]"
    numeric_prefix: int = 0  # leading characters that must be digits although charset is X/Y/Z
    check_digit_length: int | None = None  # characters covered by the check digit (None = whole value)

    @property
    def decimal_places(self) -> int | None:
        """Implied decimal places for 310n-style AIs, else None."""
        return int(self.ai[-1]) if self.decimal_places_from_ai else None

    @property
    def label(self) -> str:
        """'AI (17) expiry date' - the prefix used in every error message."""
        return f"AI ({self.ai}) {self.title}"


_PART = re.compile(r"^(\[)?([NXYZ])(\.\.)?(\d+)(\])?$")


def _build(ai: str, fmt: str, flags: str, data_title: str, title: str, *, decimal: bool = False) -> AIDef:
    min_len = max_len = numeric_prefix = 0
    charset = "N"
    parts = fmt.split("+")
    for part in parts:
        m = _PART.match(part)
        if m is None:
            raise AssertionError(f"bad format {fmt!r} for AI {ai}")
        optional, cs, variable, n = m[1] is not None, m[2], m[3] is not None, int(m[4])
        min_len += 0 if optional else (1 if variable else n)
        max_len += n
        if cs != "N":
            charset = cs
        elif charset == "N" and not variable and not optional:
            numeric_prefix += n
    first = _PART.match(parts[0])
    check_len = int(first[4]) if "c" in flags and len(parts) > 1 and first else None
    predefined = ai[:2] in PREDEFINED_LENGTHS
    if predefined and PREDEFINED_LENGTHS[ai[:2]] != len(ai) + max_len:
        raise AssertionError(f"AI {ai}: table length disagrees with predefined length")
    return AIDef(
        ai=ai,
        title=title,
        data_title=data_title,
        fixed_length=max_len if min_len == max_len else None,
        min_length=min_len,
        max_length=max_len,
        charset=charset,
        check_digit="c" in flags,
        is_date="d" in flags,
        decimal_places_from_ai=decimal,
        predefined_length=predefined,
        format=fmt,
        numeric_prefix=numeric_prefix if charset != "N" else 0,
        check_digit_length=check_len,
    )


def _load() -> dict[str, AIDef]:
    table: dict[str, AIDef] = {}
    for line in _ai_table.ROWS.strip().splitlines():
        ai, fmt, flags, rest = line.split(None, 3)
        data_title, title = (s.strip() for s in rest.split("|"))
        table[ai] = _build(ai, fmt, flags, data_title, title)
    for prefix, data_title in _ai_table.MEASURES.items():
        for n in range(6):
            table[f"{prefix}{n}"] = _build(f"{prefix}{n}", "N6", "-", data_title, data_title.lower(), decimal=True)
    for prefix, (fmt, data_title, title, top) in _ai_table.AMOUNTS.items():
        for n in range(top + 1):
            table[f"{prefix}{n}"] = _build(f"{prefix}{n}", fmt, "-", data_title, title, decimal=True)
    for ais, fmt, flags, data_title, title in _ai_table.FAMILIES:
        for ai in ais:
            table[ai] = _build(ai, fmt, flags, data_title, title)
    return dict(sorted(table.items()))


_TABLE = _load()


def lookup(ai: str) -> AIDef:
    """Return the definition of ``ai`` or raise ``GS1Error(code="unknown_ai")``."""
    if isinstance(ai, str) and ai in _TABLE:
        return _TABLE[ai]
    raise GS1Error(f"unknown Application Identifier ({ai})", code="unknown_ai", ai=str(ai))


def is_known_ai(ai: str) -> bool:
    """True if ``ai`` is in the table."""
    return ai in _TABLE


def all_ais() -> tuple[AIDef, ...]:
    """Every known AI definition, in GS1 table order."""
    return tuple(_TABLE.values())


def match_ai(text: str, pos: int = 0) -> AIDef | None:
    """The AI at ``text[pos:]`` (AIs are prefix-free, so at most one of 2/3/4 digits matches)."""
    for length in (2, 3, 4):
        candidate = text[pos : pos + length]
        if len(candidate) == length and candidate in _TABLE:
            return _TABLE[candidate]
    return None


def is_predefined_length(ai: str) -> bool:
    """True if the AI's first two digits are in Gen Specs Fig. 7.8.5-2 (no GS separator needed)."""
    return ai[:2] in PREDEFINED_LENGTHS

"""GS1 Application Identifier table (from the Barcode Syntax Dictionary) with lookup and predefined-length rules."""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import NamedTuple

from . import _ai_table
from .errors import GS1Error
from .titles import title_of

#: GS1 AI encodable character set 82 (Gen Specs Fig. 7.11-1).
CSET82 = frozenset("!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")
#: GS1 AI encodable character set 39 (Fig. 7.11-2).
CSET39 = frozenset("#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
#: GS1 AI encodable character set 64 (Fig. 7.11-3, file-safe base64; '=' only as trailing padding).
CSET64 = frozenset(string.ascii_letters + string.digits + "-_")
DIGITS = frozenset(string.digits)
CHARSETS = {"N": DIGITS, "X": CSET82, "Y": CSET39, "Z": CSET64}
CHARSET_NAMES = {"N": "digits 0-9", "X": "GS1 CSET 82", "Y": "GS1 CSET 39", "Z": "GS1 CSET 64"}
DATE_LINTERS = frozenset({"yymmd0", "yymmdd", "yyyymmd0", "yyyymmdd"})
CHECK_LINTERS = frozenset({"csum", "csumalpha"})

#: Gen Specs Fig. 7.8.5-2: first two AI digits -> total length (AI + data) of predefined-length element
#: strings. Only these need no FNC1/GS separator after them; every other AI does (unless it is last).
#: The dictionary's "*" flag marks the same AIs (a test keeps the two in step).
PREDEFINED_LENGTHS = {
    "00": 20, "01": 16, "02": 16, "03": 16, "04": 18,
    "11": 8, "12": 8, "13": 8, "14": 8, "15": 8, "16": 8, "17": 8, "18": 8, "19": 8, "20": 4,
    "31": 10, "32": 10, "33": 10, "34": 10, "35": 10, "36": 10, "41": 16,
}  # fmt: skip

class Component(NamedTuple):
    """One part of an AI's data field (dictionary notation "N13,csum" or "[X..17]")."""

    cset: str  # "N", "X", "Y" or "Z"
    min_length: int
    max_length: int
    optional: bool
    linters: tuple[str, ...]


Pattern = tuple[str, int]  # (prefix, AI length): "310n" -> ("310", 4), "01" -> ("01", 2)


def compile_pattern(text: str) -> Pattern:
    """'31nn' -> ('31', 4): an AI matches when it has that length and starts with that prefix."""
    return text.rstrip("n"), len(text)


def matches(ai: str, pattern: Pattern) -> bool:
    """True when ``ai`` is the AI or falls in the family the pattern names."""
    return len(ai) == pattern[1] and ai.startswith(pattern[0])


@dataclass(frozen=True, slots=True)
class AIDef:
    """Definition of one Application Identifier and the rules its value and its message must follow."""

    ai: str
    title: str  # short human name used in messages, e.g. "expiry date"
    data_title: str  # GS1 data title, e.g. "USE BY or EXPIRY"
    components: tuple[Component, ...]
    fnc1: bool  # needs a separator after it unless it ends the message ("*" absent in the dictionary)
    dl_attribute: bool  # may be a GS1 Digital Link data attribute (query parameter)
    requires: tuple[tuple[tuple[Pattern, ...], ...], ...] = ()  # every rule needs one of its groups, all present
    requires_text: tuple[tuple[str, ...], ...] = ()  # the same, as the dictionary writes it ("01+21")
    excludes: tuple[Pattern, ...] = ()
    dl_qualifiers: tuple[tuple[str, ...], ...] | None = None  # None: not a Digital Link primary key
    fixed_length: int | None = None  # value length when fixed, else None
    min_length: int = 1
    max_length: int = 1
    charset: str = "N"  # the value's main set: 'N' digits, 'X' CSET 82, 'Y' CSET 39, 'Z' CSET 64
    numeric_prefix: int = 0  # leading characters that must be digits although charset is X/Y/Z
    check_digit: bool = False
    check_digit_length: int | None = None  # characters covered by the check digit (None = whole value)
    is_date: bool = False
    decimal_places_from_ai: bool = False  # last AI digit n = implied decimal places (310n, 392n, ...)
    format: str = ""  # Gen Specs notation, e.g. "N13+[X..17]"

    @property
    def predefined_length(self) -> bool:
        """Per Fig. 7.8.5-2 and the dictionary's "*": never followed by a GS separator."""
        return not self.fnc1

    @property
    def decimal_places(self) -> int | None:
        """Implied decimal places for 310n-style AIs, else None."""
        return int(self.ai[-1]) if self.decimal_places_from_ai else None

    @property
    def label(self) -> str:
        """'AI (17) expiry date' - the prefix used in every error message."""
        return f"AI ({self.ai}) {self.title}"

    @property
    def linters(self) -> tuple[str, ...]:
        """Every linter the dictionary names for this AI, component by component."""
        return tuple(name for comp in self.components for name in comp.linters)


def _format(components: tuple[Component, ...]) -> str:
    parts = []
    for c in components:
        text = f"{c.cset}{'..' if c.min_length != c.max_length else ''}{c.max_length}"
        parts.append(f"[{text}]" if c.optional else text)
    return "+".join(parts)


def _build(ai: str, row: tuple) -> AIDef:  # type: ignore[type-arg]
    _first, _last, fnc1, dl_attr, raw, requires, excludes, qualifiers, data_title = row
    components = tuple(Component(*comp) for comp in raw)
    min_len = sum(c.min_length for c in components if not c.optional)
    max_len = sum(c.max_length for c in components)
    charset = next((c.cset for c in reversed(components) if c.cset != "N"), "N")
    numeric_prefix = 0
    for c in components:
        if c.cset != "N" or c.optional or c.min_length != c.max_length:
            break
        numeric_prefix += c.max_length
    check_end, offset = None, 0
    for c in components:
        offset += c.max_length
        if CHECK_LINTERS.intersection(c.linters):
            check_end = offset
    is_decimal = len(ai) == 4 and ai[0] == "3" and "31" <= ai[:2] <= "39"
    return AIDef(
        ai=ai,
        title=title_of(ai, data_title),
        data_title=data_title,
        components=components,
        fnc1=fnc1,
        dl_attribute=dl_attr,
        requires=tuple(tuple(tuple(compile_pattern(p) for p in group) for group in rule) for rule in requires),
        requires_text=tuple(tuple("+".join(group) for group in rule) for rule in requires),
        excludes=tuple(compile_pattern(p) for p in excludes),
        dl_qualifiers=qualifiers,
        fixed_length=max_len if min_len == max_len else None,
        min_length=min_len,
        max_length=max_len,
        charset=charset,
        numeric_prefix=numeric_prefix if charset != "N" else 0,
        check_digit=check_end is not None,
        check_digit_length=check_end if check_end is not None and check_end < max_len else None,
        is_date=any(DATE_LINTERS.intersection(c.linters) for c in components),
        decimal_places_from_ai=is_decimal,
        format=_format(components),
    )


def _load() -> dict[str, AIDef]:
    table: dict[str, AIDef] = {}
    for row in _ai_table.ENTRIES:
        first, last = row[0], row[1]
        for n in range(int(first), int(last) + 1):
            ai = str(n).zfill(len(first))
            table[ai] = _build(ai, row)
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

"""One GS1 element (AI + value), fully validated against its AI definition when constructed."""

from __future__ import annotations

import datetime as dt
from dataclasses import InitVar, dataclass, field
from decimal import Decimal

from .ai import CHARSET_NAMES, CHARSETS, AIDef, lookup
from .check_digit import compute_gmn_check_pair, is_digits, verify_check_digit
from .dates import parse_date_value
from .errors import CheckDigitError, GS1Error

_CURRENCY_PREFIXES = ("391", "393")


def _check_length(defn: AIDef, value: str) -> None:
    n = len(value)
    if n < defn.min_length:
        need = f"exactly {defn.fixed_length}" if defn.fixed_length else f"at least {defn.min_length}"
        what = "value is empty" if n == 0 else f"value has {n} characters"
        raise GS1Error(f"{defn.label}: {what}, needs {need}", code="too_short", ai=defn.ai)
    if n > defn.max_length:
        need = f"exactly {defn.fixed_length}" if defn.fixed_length else f"at most {defn.max_length}"
        raise GS1Error(f"{defn.label}: value has {n} characters, allows {need}", code="too_long", ai=defn.ai)


def _check_charset(defn: AIDef, value: str) -> None:
    body = value
    if defn.charset == "Z":
        body = value.rstrip("=")
        if len(value) - len(body) > 2:
            raise GS1Error(f"{defn.label}: too much '=' padding", code="bad_charset", ai=defn.ai)
    allowed = CHARSETS[defn.charset]
    for i, ch in enumerate(body):
        numeric = i < defn.numeric_prefix
        if (numeric and not is_digits(ch)) or (not numeric and ch not in allowed):
            where = f"first {defn.numeric_prefix} characters must be digits" if numeric else CHARSET_NAMES[defn.charset]
            raise GS1Error(
                f"{defn.label}: character {ch!r} at offset {i} is not allowed ({where})", code="bad_charset", ai=defn.ai
            )


def _check_key(defn: AIDef, value: str) -> None:
    if defn.ai == "8013":
        if len(value) < 3:
            raise GS1Error(
                f"{defn.label}: needs at least 3 characters (2 are check characters)", code="too_short", ai="8013"
            )
        expected = compute_gmn_check_pair(value[:-2])
        if value[-2:] != expected:
            raise CheckDigitError(
                f"{defn.label}: check characters are {value[-2:]}, expected {expected}",
                ai="8013",
                found=value[-2:],
                expected=expected,
            )
        return
    span = defn.check_digit_length or len(value)
    verify_check_digit(value[:span], ai=defn.ai, name=defn.title)


def validate_value(
    defn: AIDef, value: str, today: dt.date | None = None
) -> tuple[dt.date | None, dt.datetime | None, bool]:
    """Validate ``value`` for ``defn``; return (date, datetime, day_was_00) for date AIs, else (None, None, False)."""
    if not isinstance(value, str):
        raise GS1Error(
            f"{defn.label}: value must be a string, got {type(value).__name__}", code="bad_format", ai=defn.ai
        )
    _check_length(defn, value)
    _check_charset(defn, value)
    if defn.check_digit:
        _check_key(defn, value)
    if defn.is_date:
        return parse_date_value(defn, value, today or dt.date.today())
    return None, None, False


@dataclass(frozen=True, slots=True)
class Element:
    """An AI and its value. Construction validates; ``today`` (init only) anchors the century rule."""

    ai: str
    value: str
    definition: AIDef | None = field(default=None, repr=False, compare=False)
    today: InitVar[dt.date | None] = None
    date: dt.date | None = field(default=None, init=False, compare=False)
    datetime: dt.datetime | None = field(default=None, init=False, compare=False, repr=False)
    day_unspecified: bool = field(default=False, init=False, compare=False, repr=False)

    def __post_init__(self, today: dt.date | None) -> None:
        defn = lookup(self.ai)
        if self.definition is not None and self.definition != defn:
            raise GS1Error(
                f"definition for AI ({self.definition.ai}) given for AI ({self.ai})", code="bad_format", ai=self.ai
            )
        object.__setattr__(self, "definition", defn)
        day, moment, day00 = validate_value(defn, self.value, today)
        object.__setattr__(self, "date", day)
        object.__setattr__(self, "datetime", moment)
        object.__setattr__(self, "day_unspecified", day00)

    @property
    def title(self) -> str:
        """Short human title of the AI, e.g. 'expiry date'."""
        return lookup(self.ai).title

    @property
    def decimal(self) -> Decimal | None:
        """For 310n/390n-style AIs: the value with n implied decimal places; otherwise None."""
        defn = lookup(self.ai)
        if not defn.decimal_places_from_ai:
            return None
        digits = self.value[3:] if self.ai[:3] in _CURRENCY_PREFIXES else self.value
        return Decimal(int(digits)).scaleb(-int(self.ai[-1]))

    @property
    def currency(self) -> str | None:
        """ISO 4217 numeric currency code for 391n/393n, else None."""
        return self.value[:3] if self.ai[:3] in _CURRENCY_PREFIXES else None

    def __str__(self) -> str:
        return f"({self.ai}){self.value}"

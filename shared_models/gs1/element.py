"""One GS1 element (AI + value), validated against its dictionary components and linters when constructed."""

from __future__ import annotations

import datetime as dt
from dataclasses import InitVar, dataclass, field
from decimal import Decimal

from .ai import CHARSETS, AIDef, Component, lookup
from .dates import DATE_READERS
from .errors import GS1Error
from .linters import CSET_LINTERS, LINTERS

_CURRENCY_PREFIXES = ("391", "393")
_TIME_READERS = frozenset({"hh", "mi", "ss", "hhmi"})


def _check_length(defn: AIDef, value: str) -> None:
    n = len(value)
    if n < defn.min_length:
        need = f"exactly {defn.fixed_length}" if defn.fixed_length else f"at least {defn.min_length}"
        what = "value is empty" if n == 0 else f"value has {n} characters"
        raise GS1Error(f"{defn.label}: {what}, needs {need}", code="too_short", ai=defn.ai,
                       params={"length": n, "min": defn.min_length, "max": defn.max_length})
    if n > defn.max_length:
        need = f"exactly {defn.fixed_length}" if defn.fixed_length else f"at most {defn.max_length}"
        raise GS1Error(f"{defn.label}: value has {n} characters, allows {need}", code="too_long", ai=defn.ai,
                       params={"length": n, "min": defn.min_length, "max": defn.max_length})


def _component_too_short(defn: AIDef, index: int, comp: Component, pos: int, got: int) -> GS1Error:
    return GS1Error(
        f"{defn.label}: component {index + 1} ({comp.cset}{comp.max_length}) at offset {pos} has {got} "
        f"character(s), needs {comp.max_length}",
        code="too_short", ai=defn.ai, offset=pos,
        params={"offset": pos, "length": got, "min": comp.max_length, "max": comp.max_length},
    )


def validate_value(
    defn: AIDef, value: str, today: dt.date | None = None, *, lint: bool = True
) -> tuple[dt.date | None, dt.datetime | None, bool]:
    """Check ``value`` component by component (length, character set and, with ``lint``, every linter the
    dictionary names); return (date, datetime, day_was_00) for date AIs, else (None, None, False)."""
    if not isinstance(value, str):
        raise GS1Error(
            f"{defn.label}: value must be a string, got {type(value).__name__}", code="bad_format", ai=defn.ai
        )
    _check_length(defn, value)
    n, pos, ai = len(value), 0, defn.ai
    day: dt.date | None = None
    day00 = False
    clock: list[int] = []
    for index, comp in enumerate(defn.components):
        if pos >= n and comp.optional:
            break
        length = comp.max_length if comp.min_length == comp.max_length else n - pos
        if n - pos < length or length < comp.min_length:
            raise _component_too_short(defn, index, comp, pos, n - pos)
        part = value[pos : pos + length]
        if comp.cset == "Z" or not (part.isascii() and part.isdigit() if comp.cset == "N"
                                    else CHARSETS[comp.cset].issuperset(part)):
            CSET_LINTERS[comp.cset](part, ai, pos)  # says which character is wrong (Z: and checks its padding)
        if lint:
            for name in comp.linters:
                if name in DATE_READERS:
                    read, zero_day = DATE_READERS[name](part, ai, pos, today=today or dt.date.today())
                    if day is None:
                        day, day00 = read, zero_day
                    elif read < day:
                        raise GS1Error(f"{defn.label}: end date {read.isoformat()} is before start date "
                                       f"{day.isoformat()}", code="bad_date", ai=ai, offset=pos,
                                       params={"offset": pos, "detail": "end before start"})
                elif name in _TIME_READERS:
                    got = LINTERS[name](part, ai, pos)
                    clock.extend(got if isinstance(got, tuple) else (got,))
                else:
                    LINTERS[name](part, ai, pos)
        pos += length
    moment = dt.datetime.combine(day, dt.time(*clock)) if day is not None and clock else None
    return day, moment, day00


@dataclass(frozen=True, slots=True)
class Element:
    """An AI and its value. Construction validates; ``today`` (init only) anchors the century rule and
    ``lint=False`` (init only) checks the syntax alone (lengths and character sets, no linters)."""

    ai: str
    value: str
    definition: AIDef | None = field(default=None, repr=False, compare=False)
    today: InitVar[dt.date | None] = None
    lint: InitVar[bool] = True
    position: int | None = field(default=None, compare=False, repr=False)  # where the element starts in the scan
    date: dt.date | None = field(default=None, init=False, compare=False)
    datetime: dt.datetime | None = field(default=None, init=False, compare=False, repr=False)
    day_unspecified: bool = field(default=False, init=False, compare=False, repr=False)

    def __post_init__(self, today: dt.date | None, lint: bool) -> None:
        defn = lookup(self.ai)
        if self.definition is not None and self.definition != defn:
            raise GS1Error(
                f"definition for AI ({self.definition.ai}) given for AI ({self.ai})", code="bad_format", ai=self.ai
            )
        object.__setattr__(self, "definition", defn)
        try:
            day, moment, day00 = validate_value(defn, self.value, today, lint=lint)
        except GS1Error as exc:
            if exc.position is None:
                exc.position = self.position
            raise
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

"""GS1 date and time linters: YYMMDD with the Gen Specs 7.12 century rule, day 00 = month end, YYYYMMDD, HH, MI, SS.

The date linters return what they read (a ``date``, or ``(date, True)`` for a YYMM00 whose day was 00) so the
element that runs them keeps the value; the time linters return the number they read.
"""

from __future__ import annotations

import calendar
import datetime as dt

from .ai import lookup
from .errors import GS1Error


def resolve_year(yy: int, today: dt.date) -> int:
    """Gen Specs 7.12: pick the century so the year lies within -49..+50 years of ``today``."""
    current = today.year % 100
    century = today.year - current
    difference = yy - current
    if difference >= 51:  # 51..99 ahead -> previous century
        century -= 100
    elif difference <= -50:  # 50..99 behind -> next century
        century += 100
    return century + yy


def _fail(what: str, ai: str | None, at: int, offset: int = 0) -> GS1Error:
    prefix = f"{lookup(ai).label}: " if ai else ""
    return GS1Error(prefix + what, code="bad_date", ai=ai, offset=at + offset, params={"offset": at + offset,
                                                                                      "detail": what})


def _digits(data: str, length: int, what: str, ai: str | None, at: int) -> None:
    if len(data) != length:
        raise _fail(f"{what} must have {length} digits, got {len(data)}", ai, at)
    for i, ch in enumerate(data):
        if not ("0" <= ch <= "9"):
            raise _fail(f"character {ch!r} at offset {at + i} is not a digit", ai, at, i)


def _date(year: int, data: str, ai: str | None, at: int, *, day_zero: bool, yy_offset: int) -> tuple[dt.date, bool]:
    month, day = int(data[yy_offset : yy_offset + 2]), int(data[yy_offset + 2 : yy_offset + 4])
    if not 1 <= month <= 12:
        raise _fail(f"month {data[yy_offset:yy_offset + 2]} is not valid", ai, at, yy_offset)
    last = calendar.monthrange(year, month)[1]
    if day == 0:
        if not day_zero:
            raise _fail("day 00 is not allowed for this AI", ai, at, yy_offset + 2)
        return dt.date(year, month, last), True
    if day > last:
        raise _fail(f"day {data[yy_offset + 2:yy_offset + 4]} is not valid for {year:04d}-{month:02d} "
                    f"(month has {last} days)", ai, at, yy_offset + 2)
    return dt.date(year, month, day), False


def yymmd0(data: str, ai: str | None = None, at: int = 0, *, today: dt.date | None = None) -> tuple[dt.date, bool]:
    """YYMMDD, or YYMM00 for a month without a day (read as its last day): (date, day_was_00)."""
    _digits(data, 6, "a YYMMDD date", ai, at)
    year = resolve_year(int(data[:2]), today or dt.date.today())
    return _date(year, data, ai, at, day_zero=True, yy_offset=2)


def yymmdd(data: str, ai: str | None = None, at: int = 0, *, today: dt.date | None = None) -> tuple[dt.date, bool]:
    """YYMMDD with a real day."""
    _digits(data, 6, "a YYMMDD date", ai, at)
    year = resolve_year(int(data[:2]), today or dt.date.today())
    return _date(year, data, ai, at, day_zero=False, yy_offset=2)


def yyyymmd0(data: str, ai: str | None = None, at: int = 0, *, today: dt.date | None = None) -> tuple[dt.date, bool]:
    """YYYYMMDD, or YYYYMM00."""
    _digits(data, 8, "a YYYYMMDD date", ai, at)
    if int(data[:4]) == 0:
        raise _fail("year 0000 is not valid", ai, at)
    return _date(int(data[:4]), data, ai, at, day_zero=True, yy_offset=4)


def yyyymmdd(data: str, ai: str | None = None, at: int = 0, *, today: dt.date | None = None) -> tuple[dt.date, bool]:
    """YYYYMMDD with a real day."""
    _digits(data, 8, "a YYYYMMDD date", ai, at)
    if int(data[:4]) == 0:
        raise _fail("year 0000 is not valid", ai, at)
    return _date(int(data[:4]), data, ai, at, day_zero=False, yy_offset=4)


def _number(data: str, ai: str | None, at: int, name: str, top: int) -> int:
    _digits(data, 2, f"the {name}", ai, at)
    value = int(data)
    if value > top:
        raise _fail(f"{name} {data} is not valid", ai, at)
    return value


def hh(data: str, ai: str | None = None, at: int = 0) -> int:
    """Hour of the day, 00-23."""
    return _number(data, ai, at, "hour", 23)


def mi(data: str, ai: str | None = None, at: int = 0) -> int:
    """Minute, 00-59."""
    return _number(data, ai, at, "minute", 59)


def ss(data: str, ai: str | None = None, at: int = 0) -> int:
    """Second, 00-59."""
    return _number(data, ai, at, "second", 59)


def hhmi(data: str, ai: str | None = None, at: int = 0) -> tuple[int, int]:
    """Hour and minute, HHMI."""
    _digits(data, 4, "an HHMI time", ai, at)
    return hh(data[:2], ai, at), mi(data[2:], ai, at + 2)


DATE_READERS = {"yymmd0": yymmd0, "yymmdd": yymmdd, "yyyymmd0": yyyymmd0, "yyyymmdd": yyyymmdd}

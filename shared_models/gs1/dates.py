"""GS1 date/time values: YYMMDD with the Gen Specs 7.12 century rule and day 00 = month end."""

from __future__ import annotations

import calendar
import datetime as dt

from .ai import AIDef
from .errors import GS1Error

#: AIs whose day may be "00" when only year and month are known (format N6,yymmd0).
DAY_ZERO_AIS = frozenset({"11", "12", "13", "15", "16", "17"})


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


def _fail(defn: AIDef, what: str) -> GS1Error:
    return GS1Error(f"{defn.label}: {what}", code="bad_date", ai=defn.ai)


def parse_yymmdd(defn: AIDef, text: str, today: dt.date, *, day_zero: bool) -> tuple[dt.date, bool]:
    """Parse YYMMDD; return (date, day_was_00). Day 00 resolves to the last day of the month."""
    year = resolve_year(int(text[0:2]), today)
    month, day = int(text[2:4]), int(text[4:6])
    if not 1 <= month <= 12:
        raise _fail(defn, f"month {text[2:4]} is not valid")
    last = calendar.monthrange(year, month)[1]
    if day == 0:
        if not day_zero:
            raise _fail(defn, "day 00 is not allowed for this AI")
        return dt.date(year, month, last), True
    if day > last:
        raise _fail(defn, f"day {text[4:6]} is not valid for {year:04d}-{month:02d} (month has {last} days)")
    return dt.date(year, month, day), False


def _time(defn: AIDef, text: str) -> tuple[int, int, int]:
    parts = [int(text[i : i + 2]) for i in range(0, len(text), 2)] + [0, 0, 0]
    hour, minute, second = parts[0], parts[1], parts[2]
    for name, value, top in (("hour", hour, 23), ("minute", minute, 59), ("second", second, 59)):
        if value > top:
            raise _fail(defn, f"{name} {value:02d} is not valid")
    return hour, minute, second


def parse_date_value(defn: AIDef, value: str, today: dt.date) -> tuple[dt.date, dt.datetime | None, bool]:
    """Validate a date AI value; return (date, datetime for 7003/8008 else None, day_was_00)."""
    if defn.ai == "7007" and len(value) not in (6, 12):
        raise GS1Error(
            f"{defn.label}: must be YYMMDD or YYMMDDYYMMDD, got {len(value)} digits", code="bad_format", ai="7007"
        )
    if defn.ai == "8008" and len(value) not in (8, 10, 12):
        raise GS1Error(f"{defn.label}: must be YYMMDDHH[MM[SS]], got {len(value)} digits", code="bad_format", ai="8008")
    day, day00 = parse_yymmdd(defn, value[:6], today, day_zero=defn.ai in DAY_ZERO_AIS)
    if defn.ai == "7007" and len(value) == 12:
        end, _ = parse_yymmdd(defn, value[6:], today, day_zero=False)
        if end < day:
            raise _fail(defn, f"end date {end.isoformat()} is before start date {day.isoformat()}")
    moment = None
    if defn.ai in ("7003", "8008"):
        moment = dt.datetime.combine(day, dt.time(*_time(defn, value[6:])))
    return day, moment, day00

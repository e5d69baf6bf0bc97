"""Time buckets as SQL that reads alike on SQLite and PostgreSQL: a UTC day, a week starting Monday, a month.

Each bucket is text ('2026-10-05', the Monday '2026-10-05', '2026-10'), so it sorts, groups and exports the same
on both databases and needs no date type of the driver."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class _Bucket(FunctionElement[str]):
    type = String()
    inherit_cache = True


class DayBucket(_Bucket):
    inherit_cache = True
    name = "day_bucket"


class WeekBucket(_Bucket):
    inherit_cache = True
    name = "week_bucket"


class MonthBucket(_Bucket):
    inherit_cache = True
    name = "month_bucket"


BUCKETS: dict[str, type[_Bucket]] = {"day": DayBucket, "week": WeekBucket, "month": MonthBucket}


def _arg(element: _Bucket, compiler: Any, **kw: Any) -> str:
    return compiler.process(next(iter(element.clauses)), **kw)


@compiles(DayBucket, "sqlite")
def _day_sqlite(element: DayBucket, compiler: Any, **kw: Any) -> str:
    return f"strftime('%Y-%m-%d', {_arg(element, compiler, **kw)})"


@compiles(WeekBucket, "sqlite")
def _week_sqlite(element: WeekBucket, compiler: Any, **kw: Any) -> str:
    # 'weekday 0' moves forward to the next Sunday (or stays on one); six days back is that week's Monday.
    return f"date({_arg(element, compiler, **kw)}, 'weekday 0', '-6 days')"


@compiles(MonthBucket, "sqlite")
def _month_sqlite(element: MonthBucket, compiler: Any, **kw: Any) -> str:
    return f"strftime('%Y-%m', {_arg(element, compiler, **kw)})"


def _pg(unit: str, fmt: str) -> Any:
    def render(element: _Bucket, compiler: Any, **kw: Any) -> str:
        # timestamptz read in UTC whatever the session's time zone; date_trunc('week') starts on Monday (ISO).
        return f"to_char(date_trunc('{unit}', ({_arg(element, compiler, **kw)}) AT TIME ZONE 'UTC'), '{fmt}')"
    return render


compiles(DayBucket, "postgresql")(_pg("day", "YYYY-MM-DD"))
compiles(WeekBucket, "postgresql")(_pg("week", "YYYY-MM-DD"))
compiles(MonthBucket, "postgresql")(_pg("month", "YYYY-MM"))


def bucket(expr: Any, grain: str) -> Any:
    return BUCKETS[grain](expr)


__all__ = ["BUCKETS", "bucket"]

"""Column types, id/time helpers and a bulk insert that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from uuid import uuid4

from sqlalchemy import Connection, DateTime, Table, insert
from sqlalchemy import Enum as SAEnum
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


def new_id() -> str:
    """A text UUID, made where the record is born so offline records never collide."""
    return str(uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC; always hands back an aware datetime (SQLite drops the offset otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} given; Lotline stores UTC-aware times only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_type(enum_cls: type[StrEnum]) -> SAEnum:
    """Store an enum's value as plain text: readable in raw SQL and sync payloads, no PG enum types to migrate."""
    return SAEnum(enum_cls, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e],
                  validate_strings=True)


def insert_many(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERTs complete rows (a value for every column of `table`) with one executemany through the driver. Each
    value is converted as SQLAlchemy converts it (the column type's bind processor for this dialect), without
    its per-row parameter bookkeeping, which on an upload costs more than SQLite's insert itself
    (bench/sync.py --profile)."""
    if not rows:
        return
    sql, names, processors = _insert_plan(conn.dialect, table)
    if names is not None:  # a positional parameter style (SQLite's ?)
        params: list[Any] = [tuple(row[n] if p is None else p(row[n]) for n, p in zip(names, processors, strict=True))
                             for row in rows]
    else:  # a named one (psycopg's %(name)s)
        keys = [c.key for c in table.columns]
        params = [{k: row[k] if p is None else p(row[k]) for k, p in zip(keys, processors, strict=True)}
                  for row in rows]
    conn.exec_driver_sql(sql, params)


_InsertPlan = tuple[str, tuple[str, ...] | None, tuple[Callable[[Any], Any] | None, ...]]
_INSERT_PLANS: dict[tuple[str, str, str | None, str], _InsertPlan] = {}


def _insert_plan(dialect: Dialect, table: Table) -> _InsertPlan:
    """The INSERT of every column of `table` in the dialect's parameter style, the column order of a positional
    style, and each column's bind processor (in that order, or in the table's for a named style)."""
    key = (dialect.name, dialect.paramstyle, table.schema, table.name)
    plan = _INSERT_PLANS.get(key)
    if plan is None:
        compiled = insert(table).compile(dialect=dialect)
        names = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else None
        columns = [table.columns[n] for n in names] if names is not None else list(table.columns)
        processors = tuple(c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns)
        plan = _INSERT_PLANS[key] = (str(compiled), names, processors)
    return plan

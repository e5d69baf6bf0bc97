"""Column types, id/time helpers and a bulk insert that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from operator import itemgetter
from typing import Any
from uuid import uuid4

from sqlalchemy import JSON, Column, Connection, DateTime, Table, insert
from sqlalchemy import Enum as SAEnum
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field


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


def json_dict() -> Any:
    """A JSON object column that starts empty."""
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


def json_list() -> Any:
    """A JSON array column that starts empty."""
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


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
    sql, names, converted = _insert_plan(conn.dialect, table)
    take = itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],)
    positional = conn.dialect.positional
    params: list[Any] = []
    for row in rows:
        values = take(row)
        if converted:
            values = list(values)
            for i, convert in converted:
                values[i] = convert(values[i])
        params.append(tuple(values) if positional else dict(zip(names, values, strict=True)))
    conn.exec_driver_sql(sql, params)


# (dialect, parameter style, schema, table) → the INSERT of every column in the dialect's parameter style, the
# columns in the order its parameters take them, and (position, bind processor) for the columns that convert
_InsertPlan = tuple[str, tuple[str, ...], tuple[tuple[int, Callable[[Any], Any]], ...]]
_INSERT_PLANS: dict[tuple[str, str, str | None, str], _InsertPlan] = {}


def _insert_plan(dialect: Dialect, table: Table) -> _InsertPlan:
    key = (dialect.name, dialect.paramstyle, table.schema, table.name)
    plan = _INSERT_PLANS.get(key)
    if plan is None:
        compiled = insert(table).compile(dialect=dialect)
        names = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup \
            else tuple(c.key for c in table.columns)
        converted = tuple((i, p) for i, name in enumerate(names)
                          if (p := table.columns[name].type.dialect_impl(dialect).bind_processor(dialect)))
        plan = _INSERT_PLANS[key] = (str(compiled), names, converted)
    return plan

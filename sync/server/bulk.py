"""A bulk INSERT of complete rows that behaves the same on SQLite and PostgreSQL, at the driver's speed."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table, insert
from sqlalchemy.engine import Dialect


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

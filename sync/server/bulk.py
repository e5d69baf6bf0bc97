"""Rows inserted, updated and deleted in sets, the same on SQLite and PostgreSQL, at the driver's speed.

Values are converted as SQLAlchemy converts them (each column type's bind processor for the dialect), without its
per-row parameter bookkeeping, which on an upload costs more than SQLite's insert itself (bench/sync.py --profile).
SQLite: one executemany of a prepared statement (stepped in C, row by row). PostgreSQL: one statement for up to
PG_ROWS_PER_STATEMENT rows (INSERT … VALUES (…), (…); UPDATE … FROM (VALUES …); DELETE … USING (VALUES …)), so a
thousand rows cost one round trip and one executor start instead of a thousand pipelined statements, each with
psycopg's Python-side work per row.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import chain
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table, bindparam, delete, update
from sqlalchemy.engine import Dialect

# PostgreSQL: rows per statement, under the protocol's 65,535 parameters a statement and small enough that the
# server parses it in well under a millisecond. A whole upload chunk's rows of one table go in one or a few.
PG_ROWS_PER_STATEMENT = 1000
PG_MAX_PARAMETERS = 65_535


def insert_many(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERTs complete rows (a value for every column of `table`)."""
    if not rows:
        return
    names = tuple(c.key for c in table.columns)
    params = _params(conn.dialect, table, names, rows)
    quote = conn.dialect.identifier_preparer
    head = f"INSERT INTO {quote.format_table(table)} ({_columns(conn.dialect, table, names)})"
    if conn.dialect.name != "postgresql":
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        conn.exec_driver_sql(f"{head} VALUES ({', '.join([mark] * len(names))})", params)
        return
    with _raw_cursor(conn):
        for part in _parts(params, len(names)):
            conn.exec_driver_sql(f"{head} VALUES {_values(len(names), len(part), ())}", _flat(part))


def update_many(conn: Connection, table: Table, key: tuple[str, ...], columns: tuple[str, ...],
                rows: Sequence[Mapping[str, Any]]) -> None:
    """Sets `columns` of the rows found by their `key` columns to the values in `rows` (each a mapping with the key
    and the columns). A key given twice takes its last row."""
    rows = list({tuple(row[k] for k in key): row for row in rows}.values())
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(update(table).where(*(table.c[k] == bindparam(f"_{k}") for k in key))
                     .values({c: bindparam(f"_{c}") for c in columns}),
                     [{f"_{name}": row[name] for name in (*key, *columns)} for row in rows])
        return
    names = (*key, *columns)
    quote = conn.dialect.identifier_preparer
    target = quote.format_table(table)
    sets = ", ".join(f"{quote.quote(c)} = v.{quote.quote(c)}" for c in columns)
    match = " AND ".join(f"{target}.{quote.quote(k)} = v.{quote.quote(k)}" for k in key)
    casts = _casts(conn.dialect, table, names)
    with _raw_cursor(conn):
        for part in _parts(_params(conn.dialect, table, names, rows), len(names)):
            conn.exec_driver_sql(f"UPDATE {target} SET {sets} FROM (VALUES {_values(len(names), len(part), casts)}) "
                                 f"AS v ({_columns(conn.dialect, table, names)}) WHERE {match}", _flat(part))


def delete_many(conn: Connection, table: Table, key: tuple[str, ...], rows: Sequence[Mapping[str, Any]]) -> None:
    """Deletes the rows whose `key` columns hold the values in `rows`."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(delete(table).where(*(table.c[k] == bindparam(f"_{k}") for k in key)),
                     [{f"_{k}": row[k] for k in key} for row in rows])
        return
    quote = conn.dialect.identifier_preparer
    target = quote.format_table(table)
    match = " AND ".join(f"{target}.{quote.quote(k)} = v.{quote.quote(k)}" for k in key)
    casts = _casts(conn.dialect, table, key)
    with _raw_cursor(conn):
        for part in _parts(_params(conn.dialect, table, key, rows), len(key)):
            conn.exec_driver_sql(f"DELETE FROM {target} USING (VALUES {_values(len(key), len(part), casts)}) "
                                 f"AS v ({_columns(conn.dialect, table, key)}) WHERE {match}", _flat(part))


def _params(dialect: Dialect, table: Table, names: tuple[str, ...],
            rows: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
    """Each row's values of `names`, in that order, converted for the driver."""
    converted = _converters(dialect, table, names)
    take = itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],)
    if not converted:
        return [tuple(take(row)) for row in rows]
    params = []
    for row in rows:
        values = list(take(row))
        for i, convert in converted:
            values[i] = convert(values[i])
        params.append(tuple(values))
    return params


@functools.cache
def _converters(dialect: Dialect, table: Table, names: tuple[str, ...]) -> tuple[tuple[int, Callable[[Any], Any]], ...]:
    """(position, bind processor) for the columns among `names` whose values convert."""
    return tuple((i, p) for i, name in enumerate(names)
                 if (p := table.columns[name].type.dialect_impl(dialect).bind_processor(dialect)))


@functools.cache
def _columns(dialect: Dialect, table: Table, names: tuple[str, ...]) -> str:
    return ", ".join(dialect.identifier_preparer.format_column(table.columns[name]) for name in names)


@functools.cache
def _casts(dialect: Dialect, table: Table, names: tuple[str, ...]) -> tuple[str, ...]:
    """PostgreSQL: the type of each column, for parameters inside a VALUES list, which no column gives a type."""
    return tuple(table.columns[name].type.compile(dialect=dialect) for name in names)


def _parts(params: list[tuple[Any, ...]], width: int) -> Iterator[list[tuple[Any, ...]]]:
    per_statement = max(1, min(PG_ROWS_PER_STATEMENT, PG_MAX_PARAMETERS // width))
    for start in range(0, len(params), per_statement):
        yield params[start:start + per_statement]


def _flat(part: list[tuple[Any, ...]]) -> tuple[Any, ...]:
    return tuple(chain.from_iterable(part))


@functools.lru_cache(maxsize=256)
def _values(width: int, count: int, casts: tuple[str, ...]) -> str:
    """`count` rows of `width` numbered parameters ($1 …), each cast to its type in `casts` when given."""
    def mark(n: int, column: int) -> str:
        return f"${n}::{casts[column]}" if casts else f"${n}"

    return ", ".join(f"({', '.join(mark(r * width + c + 1, c) for c in range(width))})" for r in range(count))


@contextmanager
def _raw_cursor(conn: Connection) -> Iterator[None]:
    """PostgreSQL: statements in the block use psycopg's raw cursor ($1 … $n placeholders). psycopg re-parses the
    %s form in Python for every statement longer than 4 KiB, which on these statements costs more than the
    statement itself. They still go through SQLAlchemy, so its error mapping (IntegrityError …), invalidation and
    events hold as for any statement."""
    import psycopg  # the PostgreSQL driver: only here

    driver = conn.connection.dbapi_connection
    cursor_factory = driver.cursor_factory  # type: ignore[union-attr]
    driver.cursor_factory = psycopg.RawCursor  # type: ignore[union-attr]
    try:
        yield
    finally:
        driver.cursor_factory = cursor_factory  # type: ignore[union-attr]

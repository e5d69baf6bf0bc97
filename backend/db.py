"""Engine and session factory: SQLite in WAL mode with foreign keys on, or PostgreSQL via psycopg 3."""

from __future__ import annotations

import copy
import functools
import logging
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from pydantic_core import PydanticUndefined
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, SQLModel, create_engine

from sync.server.bulk import insert_many, update_many

P = ParamSpec("P")
R = TypeVar("R")
log = logging.getLogger(__name__)
# SQLite's own checkpoint, in the committing connection, once the WAL holds this many pages (64 MiB): the safety
# net under WalCheckpointer, and what a process without one (the CLI, tests) relies on.
WAL_AUTOCHECKPOINT_PAGES = 16_384
SQLITE_BUSY_TIMEOUT_MS = 10_000


def normalise_url(url: str) -> str:
    """Let people write postgresql:// and still get psycopg 3, never psycopg2."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
    cur.close()


def make_engine(url: str, *, echo: bool = False, schema: str | None = None) -> Engine:
    """`schema` (PostgreSQL only) puts every table in that schema: tests use one per process."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        path = make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        gate = _gates[engine] = WriterGate(timeout_s=SQLITE_BUSY_TIMEOUT_MS / 1000)
        for moment in ("checkin", "invalidate", "close"):  # back in the pool, or dropped on an error
            event.listen(engine.pool, moment, gate.leave)
        return engine
    connect_args = {"options": f"-csearch_path={schema}"} if schema else {}
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10,
                         connect_args=connect_args)


class WalCheckpointer:
    """Copies committed WAL pages back into a SQLite database file from a thread of its own, shortly after
    commits, so a request's COMMIT no longer pays for SQLite's automatic checkpoint (a quarter of an upload
    batch's time at the default 1,000 pages; bench/sync.py). PASSIVE: it never waits for readers or writers, and
    what it cannot copy now it copies on its next turn; SQLite releases the GIL while it works."""

    def __init__(self, engine: Engine, every_s: float = 0.5) -> None:
        self.engine = engine
        self.every_s = every_s
        self.runs = 0
        self.last: tuple[int, int, int] | None = None  # (busy, WAL frames, frames checkpointed), as SQLite says
        self._dirty = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def wanted(cls, engine: Engine) -> bool:
        return engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:")

    def start(self) -> None:
        event.listen(self.engine, "commit", self._committed)
        self._dirty.set()  # a WAL left by the last run (a crash, a CLI import) is copied back first
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="lotline-wal-checkpoint", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        if event.contains(self.engine, "commit", self._committed):
            event.remove(self.engine, "commit", self._committed)

    def checkpoint(self) -> tuple[int, int, int]:
        with self.engine.connect() as conn:
            busy, frames, copied = conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
        self.runs += 1
        self.last = (int(busy), int(frames), int(copied))
        return self.last

    def _committed(self, _conn: Connection) -> None:
        self._dirty.set()

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            if not self._dirty.is_set():
                continue
            self._dirty.clear()
            try:
                self.checkpoint()
            except Exception:  # a locked or vanished file: SQLite's own checkpoint still runs; try next turn
                log.warning("WAL checkpoint failed; retrying on the next commit", exc_info=True)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A unit of work that rolls back unless the code inside committed."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
    finally:
        session.rollback()
        session.close()


# -- one writer at a time ----------------------------------------------------------------------------------------
# Every command decides on what it reads (stock on hand, a unit's status, a book quantity) and then writes. Two
# commands that read before either writes would both pass the check and overdraw a lot, so a write transaction
# becomes the database's one writer *before its first read*: on SQLite it begins IMMEDIATE (the write lock, taken
# up front instead of upgraded from a read snapshot another writer has moved past); on PostgreSQL it takes a
# transaction-scoped advisory lock, after which every READ COMMITTED statement sees all that committed before.
# The PostgreSQL lock is one key for the whole database, as SQLite's lock is: one Python process applies commands
# one at a time anyway (the GIL), there are no serialisation failures to retry, and the hash chain of the event
# log needs a single tail per site. A finer key (per site) is the lever if several backend processes ever write.
WRITER_LOCK_KEY = 0x4C4F544C  # "LOTL"
_writers: weakref.WeakSet[Connection] = weakref.WeakSet()


class WriterGate:
    """The queue in front of SQLite's write lock, inside one process. Writers waiting on SQLite itself poll (its
    busy handler sleeps 1 ms, 2 ms … 100 ms between tries), so under contention the lock sits idle while the next
    writer sleeps: 16 clients at once got a p99 above a second (bench/concurrency.py). Waiting here instead, a
    writer is woken the moment the one before it hands its connection back to the pool, after its COMMIT or
    ROLLBACK. SQLite's lock still serialises writers of other processes (the CLI, a second server)."""

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self._lock = threading.Lock()
        self._holder: Any = None  # the DBAPI connection that passed

    def enter(self, dbapi_conn: Any) -> None:
        if not self._lock.acquire(timeout=self.timeout_s):
            raise OperationalError("BEGIN IMMEDIATE", None, sqlite3.OperationalError(
                f"database is locked: no turn to write within {self.timeout_s:g} s"))
        self._holder = dbapi_conn

    def leave(self, dbapi_conn: Any, *_: Any) -> None:
        """Called as a connection goes back to the pool; lets the next writer in if this one held the gate."""
        if self._holder is not None and self._holder is dbapi_conn:
            self._holder = None
            self._lock.release()


_gates: weakref.WeakKeyDictionary[Engine, WriterGate] = weakref.WeakKeyDictionary()


def _begin_immediate(conn: Connection) -> None:
    dbapi = conn.connection.dbapi_connection
    gate = _gates.get(conn.engine)
    if gate is not None:
        gate.enter(dbapi)
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        if gate is not None:
            gate.leave(dbapi)
        raise


def _become_writer(conn: Connection) -> None:
    """Begins `conn`'s transaction as the writer (it must not be in one yet)."""
    if conn.dialect.name == "sqlite":
        _begin_immediate(conn)
    else:
        conn.begin()
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITER_LOCK_KEY})
    _writers.add(conn)


def begin_write(session: Session) -> bool:
    """Makes the session's transaction the database's one writer before the caller reads what it decides on.
    Returns True when this call made it so (the caller's command owns the transaction), False when the session
    already was the writer (a Batch, or an outer command). Objects the session loaded before are expired, so the
    command reads them again under the lock. Waits for the writer before it; on SQLite it gives up after the busy
    timeout with OperationalError ("database is locked"), which the API answers 503."""
    conn = session.connection()
    if conn in _writers:
        return False
    if conn.dialect.name == "sqlite":
        dbapi = conn.connection.dbapi_connection
        if dbapi is None or not dbapi.in_transaction:
            _begin_immediate(conn)
        # else: it has written already, so it holds SQLite's write lock
    else:
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITER_LOCK_KEY})
    _writers.add(conn)
    if session.new or session.dirty or session.deleted:
        session.flush()
    session.expire_all()
    return True


class Batch:
    """One database transaction around many commands, made durable by one COMMIT.

    Inside it, each service's own commit() releases a SAVEPOINT and each refusal rolls back to it (SQLAlchemy's
    join_transaction_mode="create_savepoint"), so a command stays all-or-nothing while a batch of them costs one
    commit. Code that reacts to commits must `hold` the session (backend.hooks, the op log recorder) and act
    after `commit()`. The transaction is the database's one writer from its first statement (`begin_write`).
    Leaving without `commit()` rolls back.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.connection: Connection | None = None
        self.session: Session | None = None

    def __enter__(self) -> Batch:
        self.connection = self.engine.connect()
        try:
            _become_writer(self.connection)
        except BaseException:
            self.connection.close()
            raise
        self.session = Session(bind=self.connection, join_transaction_mode="create_savepoint",
                               expire_on_commit=False)
        return self

    def commit(self) -> None:
        assert self.session is not None and self.connection is not None
        self.session.flush()
        self.connection.commit()

    def __exit__(self, *_exc: object) -> None:
        assert self.session is not None and self.connection is not None
        try:
            self.session.close()
            if self.connection.in_transaction():
                self.connection.rollback()
        finally:
            self.connection.close()


# -- rows written in sets, outside the ORM's unit of work ----------------------------------------------------------
RowsWritten = Callable[..., None]  # (session, model, rows, *, inserted: bool)
_row_listeners: list[RowsWritten] = []


def on_rows_written(listener: RowsWritten) -> None:
    """`listener(session, model, rows, inserted=...)` hears of rows written by `insert_rows` / `update_rows` as
    they are written, in the session's transaction: what an ORM flush tells session event listeners (the op
    log). `inserted`: the rows are new in this transaction."""
    if listener not in _row_listeners:
        _row_listeners.append(listener)


def complete_row(model: type[SQLModel], values: Mapping[str, Any]) -> dict[str, Any]:
    """Every column of `model`: the values given, the model's defaults for the rest (as constructing it would).
    Raises TypeError naming a column with neither, or a value for a column the model does not have."""
    fixed, made, columns = _defaults(model)
    row = {**fixed, **values}
    for name, factory in made:
        if name not in values:
            row[name] = factory()
    if len(row) != len(columns) or not columns.issuperset(values):
        unknown = values.keys() - columns
        if unknown:
            raise TypeError(f"{model.__name__} has no column(s) {', '.join(sorted(unknown))}")
        missing = next(name for name in model.model_fields if name not in row)
        raise TypeError(f"{model.__name__}.{missing} needs a value")
    return row


_FIXED = (str, int, float, bool, type(None), Enum, date, tuple, frozenset)  # defaults no caller can change


@functools.cache
def _defaults(model: type[SQLModel]) -> tuple[dict[str, Any], tuple[tuple[str, Callable[[], Any]], ...],
                                              frozenset[str]]:
    """Read once per model: the columns' fixed defaults, the (column, factory) pairs that make a fresh value per
    row (a mutable default is copied per row, as pydantic does), and every column's name."""
    fixed: dict[str, Any] = {}
    made: list[tuple[str, Callable[[], Any]]] = []
    for name, field in model.model_fields.items():
        if field.default_factory is not None:
            made.append((name, field.default_factory))  # type: ignore[arg-type]
        elif field.default is PydanticUndefined:
            continue
        elif isinstance(field.default, _FIXED):
            fixed[name] = field.default
        else:
            made.append((name, functools.partial(copy.deepcopy, field.default)))
    return fixed, tuple(made), frozenset(model.model_fields)


def insert_rows(session: Session, model: type[SQLModel], rows: list[dict[str, Any]]) -> None:
    """Inserts complete rows (see `complete_row`) in one statement, in the session's transaction."""
    if rows:
        insert_many(session.connection(), model.__table__, rows)  # type: ignore[attr-defined]
        _tell(session, model, rows, inserted=True)


def update_rows(session: Session, model: type[SQLModel], rows: list[dict[str, Any]], columns: tuple[str, ...]) -> None:
    """Writes `columns` of complete rows, found by id, in one statement; objects the session holds for them are
    expired, so the ORM reads them afresh."""
    if not rows:
        return
    update_many(session.connection(), model.__table__, ("id",), columns, rows)  # type: ignore[attr-defined]
    for r in rows:
        held = session.identity_map.get(session.identity_key(model, r["id"]))
        if held is not None:
            session.expire(held)
    _tell(session, model, rows, inserted=False)


def _tell(session: Session, model: type[SQLModel], rows: list[dict[str, Any]], *, inserted: bool) -> None:
    for listener in _row_listeners:
        listener(session, model, rows, inserted=inserted)


def atomic(method: Callable[Concatenate[Any, P], R]) -> Callable[Concatenate[Any, P], R]:
    """For service methods that change something: the command runs as the database's one writer
    (`begin_write`), so what it checks still holds when it writes; a refused command rolls its session back, so
    nothing half-done stays pending for whoever uses the session next. The service commits itself when everything
    passed. A service may define `_begin_command()` to drop per-command state first."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: P.args, **kwargs: P.kwargs) -> R:
        begin = getattr(self, "_begin_command", None)
        if begin is not None:
            begin()
        try:
            begin_write(self.session)
            return method(self, *args, **kwargs)
        except BaseException:
            self.session.rollback()
            raise

    return wrapper

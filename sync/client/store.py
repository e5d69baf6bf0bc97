"""The handheld's local SQLite: downloaded ops per bucket, the rows they make, the upload queue, local overlays.

Tables:
- `oplog`   the live PUT of each row in each bucket. A superseded PUT, a REMOVE and a MOVE leave only their
            checksum, folded into `buckets.add_checksum`; a CLEAR resets the bucket to the CLEAR's checksum. So a
            bucket's checksum is always add_checksum + the sum of its `oplog` checksums (wrapping u32).
- `buckets` name, last_op_id (where the next download starts), add_checksum.
- `rows`    materialised server rows: the newest PUT across buckets and how many buckets hold the row; a row
            leaves only when no bucket holds it. Rebuilt from `oplog` for the keys in `dirty`.
- `crud`    the upload queue (op_id AUTOINCREMENT: an id is never reused, so the server's receipts dedupe).
- `overlay` local writes the server has not confirmed yet, shown over `rows` by `query`/`get`.
- `rejected` writes the server refused for good, kept until the user retries or discards them.
- `kv`      client_id (made once), last_synced_at, the write checkpoint to wait for.
"""

from __future__ import annotations

import json
import re
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sync.client.adapters import DiskStorage, Storage
from sync.client.records import PendingWrite, RejectedWrite

_SCHEMA = """
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS buckets (name TEXT PRIMARY KEY, last_op_id INTEGER NOT NULL DEFAULT 0,
    add_checksum INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS oplog (bucket TEXT NOT NULL REFERENCES buckets(name) ON DELETE CASCADE,
    op_id INTEGER NOT NULL, op TEXT NOT NULL, object_type TEXT NOT NULL, object_id TEXT NOT NULL, data TEXT,
    checksum INTEGER NOT NULL, PRIMARY KEY (bucket, op_id));
CREATE UNIQUE INDEX IF NOT EXISTS oplog_row ON oplog (bucket, object_type, object_id);
CREATE INDEX IF NOT EXISTS oplog_object ON oplog (object_type, object_id, op_id);
CREATE TABLE IF NOT EXISTS rows (object_type TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL,
    buckets INTEGER NOT NULL, PRIMARY KEY (object_type, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS dirty (object_type TEXT NOT NULL, id TEXT NOT NULL,
    PRIMARY KEY (object_type, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS crud (op_id INTEGER PRIMARY KEY AUTOINCREMENT, tx_id INTEGER NOT NULL, op TEXT NOT NULL,
    type TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS overlay (type TEXT NOT NULL, id TEXT NOT NULL, op TEXT NOT NULL, data TEXT,
    op_id INTEGER NOT NULL, acked INTEGER NOT NULL DEFAULT 0, confirm_at INTEGER,
    PRIMARY KEY (type, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rejected (op_id INTEGER PRIMARY KEY, tx_id INTEGER, type TEXT NOT NULL,
    id TEXT NOT NULL, op TEXT NOT NULL, data TEXT NOT NULL, code TEXT NOT NULL, reason TEXT NOT NULL,
    at TEXT NOT NULL);
"""

_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
CRUD_OPS = ("PUT", "PATCH", "DELETE")


def utc_now() -> str:
    return datetime.now(UTC).isoformat()


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)


class LocalStore:
    """One SQLite file and one connection, used from one event loop; every write one transaction, handed to
    `storage.flush()` once committed (a no-op on disk, a copy to IndexedDB in the browser)."""

    def __init__(self, path: str | Path, *, storage: Storage | None = None) -> None:
        self.path = str(path)
        self.storage = storage or DiskStorage()
        self._conn: sqlite3.Connection | None = None
        self._listeners: list[Callable[[], None]] = []
        with self.write() as db:  # statement by statement: executescript would commit on its own
            for statement in filter(None, (s.strip() for s in _SCHEMA.split(";"))):
                db.execute(statement)
            db.execute("INSERT OR IGNORE INTO kv VALUES ('client_id', ?)", (str(uuid.uuid4()),))

    # -- connections and transactions -------------------------------------------------------------------------
    @property
    def db(self) -> sqlite3.Connection:
        conn = self._conn
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
            conn.execute(f"PRAGMA journal_mode={self.storage.journal_mode}")
            # WAL + NORMAL survives a killed process (every committed transaction stays); FULL would also
            # survive power loss at one fsync per local write.
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._conn = conn
        return conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One IMMEDIATE transaction: committed when the block ends, rolled back if it raises."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        self.storage.flush()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # -- who wants to hear of local writes -----------------------------------------------------------------------
    def listen(self, wake: Callable[[], None]) -> Callable[[], None]:
        """Calls `wake()` after every local write is committed (the upload loop wakes on it); returns the call
        that stops it."""
        self._listeners.append(wake)
        return lambda: self._listeners.remove(wake)

    def notify_changed(self) -> None:
        for wake in list(self._listeners):
            wake()

    # -- kv ----------------------------------------------------------------------------------------------------
    def kv_get(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    @staticmethod
    def kv_set(db: sqlite3.Connection, key: str, value: str | None) -> None:
        if value is None:
            db.execute("DELETE FROM kv WHERE key = ?", (key,))
        else:
            db.execute("INSERT INTO kv VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                       (key, value))

    @property
    def client_id(self) -> str:
        value = self.kv_get("client_id")
        assert value is not None  # made in __init__
        return value

    # -- local writes ------------------------------------------------------------------------------------------
    def record(self, type_: str, id_: str, data: dict[str, Any] | None = None, op: str = "PUT") -> int:
        """Writes the row (as a local overlay) and its queue entry in one transaction; returns the op id."""
        return self.record_many([(type_, id_, data, op)])[0]

    def record_many(self, writes: list[tuple[str, str, dict[str, Any] | None, str]]) -> list[int]:
        """Several writes as one transaction (one tx_id): all queued, or none."""
        with self.write() as db:
            op_ids = [self._queue(db, type_, id_, data or {}, op) for type_, id_, data, op in writes]
            if op_ids:  # the transaction's id is its first op id, as PowerSync numbers them
                db.execute("UPDATE crud SET tx_id = ? WHERE op_id >= ?", (op_ids[0], op_ids[0]))
        self.notify_changed()
        return op_ids

    def _queue(self, db: sqlite3.Connection, type_: str, id_: str, data: dict[str, Any], op: str) -> int:
        op = op.upper()
        if op not in CRUD_OPS:
            raise ValueError(f"op must be one of {', '.join(CRUD_OPS)}, not {op!r}")
        if not type_ or not id_:
            raise ValueError("a write needs a table name and a row id")
        data_json = dumps(data)
        cur = db.execute("INSERT INTO crud (tx_id, op, type, id, data, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                         (0, op, type_, id_, data_json, utc_now()))
        op_id = int(cur.lastrowid or 0)
        shown: str | None = None
        if op == "PUT":
            shown = dumps({**data, "id": id_})
        elif op == "PATCH":
            base = self._visible(db, type_, id_) or {"id": id_}
            shown = dumps({**base, **data})
        db.execute("INSERT INTO overlay (type, id, op, data, op_id) VALUES (?, ?, ?, ?, ?) ON CONFLICT (type, id) "
                   "DO UPDATE SET op = excluded.op, data = excluded.data, op_id = excluded.op_id, acked = 0, "
                   "confirm_at = NULL", (type_, id_, "DELETE" if op == "DELETE" else "PUT", shown, op_id))
        return op_id

    # -- reads: the overlay over the server's rows --------------------------------------------------------------
    def get(self, type_: str, id_: str) -> dict[str, Any] | None:
        return self._visible(self.db, type_, id_)

    @staticmethod
    def _visible(db: sqlite3.Connection, type_: str, id_: str) -> dict[str, Any] | None:
        row = db.execute("SELECT op, data FROM overlay WHERE type = ? AND id = ?", (type_, id_)).fetchone()
        if row is not None:
            return json.loads(row[1]) if row[0] == "PUT" else None
        row = db.execute("SELECT data FROM rows WHERE object_type = ? AND id = ?", (type_, id_)).fetchone()
        return json.loads(row[0]) if row else None

    def query(self, type_: str, where: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Rows of one table as the user sees them (local writes over the server's rows), filtered on equal
        field values, ordered by id."""
        clauses, params = [], []
        for field, value in (where or {}).items():
            if not _FIELD.match(field):
                raise ValueError(f"not a field name: {field!r}")
            clauses.append(f"json_extract(data, '$.{field}') IS ?")
            params.append(int(value) if isinstance(value, bool) else value)
        filter_sql = "".join(f" AND {c}" for c in clauses)
        sql = (f"SELECT id, data FROM rows WHERE object_type = ?{filter_sql} AND NOT EXISTS "
               f"(SELECT 1 FROM overlay o WHERE o.type = rows.object_type AND o.id = rows.id) "
               f"UNION ALL SELECT id, data FROM overlay WHERE type = ? AND op = 'PUT'{filter_sql} ORDER BY id")
        found = self.db.execute(sql, (type_, *params, type_, *params)).fetchall()
        return [json.loads(data) for _, data in found]

    def server_rows(self, type_: str) -> dict[str, dict[str, Any]]:
        """The server's rows only, by id (what the last applied checkpoint holds)."""
        found = self.db.execute("SELECT id, data FROM rows WHERE object_type = ?", (type_,)).fetchall()
        return {id_: json.loads(data) for id_, data in found}

    def tables(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT DISTINCT object_type FROM rows ORDER BY 1")]

    # -- the queue and the inbox --------------------------------------------------------------------------------
    def pending_count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM crud").fetchone()[0])

    def next_batch(self, limit: int, *, after: int = 0) -> list[PendingWrite]:
        """The first `limit` queued writes (with an op id above `after`), oldest first."""
        found = self.db.execute("SELECT op_id, tx_id, op, type, id, data FROM crud WHERE op_id > ? ORDER BY op_id "
                                "LIMIT ?", (after, limit))
        return [PendingWrite(op_id, tx_id, op, type_, id_, json.loads(data))
                for op_id, tx_id, op, type_, id_, data in found]

    def rejected(self) -> list[RejectedWrite]:
        found = self.db.execute("SELECT op_id, type, id, op, data, code, reason, at FROM rejected ORDER BY op_id")
        return [RejectedWrite(op_id, type_, id_, op, json.loads(data), code, reason, at)
                for op_id, type_, id_, op, data, code, reason, at in found]

    def retry_rejected(self, op_id: int) -> int:
        """Queues a rejected write again under a new op id (the server remembers its verdict for the old one)."""
        with self.write() as db:
            row = db.execute("SELECT type, id, data, op FROM rejected WHERE op_id = ?", (op_id,)).fetchone()
            if row is None:
                raise KeyError(f"no rejected write with op id {op_id}")
            db.execute("DELETE FROM rejected WHERE op_id = ?", (op_id,))
            new_id = self._queue(db, row[0], row[1], json.loads(row[2]), row[3])
            db.execute("UPDATE crud SET tx_id = op_id WHERE op_id = ?", (new_id,))
        self.notify_changed()
        return new_id

    def discard_rejected(self, op_id: int) -> None:
        with self.write() as db:
            if db.execute("DELETE FROM rejected WHERE op_id = ?", (op_id,)).rowcount == 0:
                raise KeyError(f"no rejected write with op id {op_id}")

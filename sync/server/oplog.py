"""The op log: every committed change to a synced row becomes PUT/REMOVE ops in the same transaction.

Changes are gathered as the session flushes and written just before commit. Op ids are allocated by
updating one counter row as the very last step, so the lock is held only while committing: ops commit in
op-id order (a stream never skips an op that commits late), and a transaction holding the lock waits for
nothing else, so it cannot deadlock with row locks taken earlier.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from sqlalchemy import Connection, event, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sync.protocol import OpType, add_checksums, canonical_json, put_checksum, remove_checksum
from sync.server.bulk import delete_many, insert_many, update_many
from sync.server.policy import SyncPolicy
from sync.server.tables import BucketState, OpCounter, OpLogEntry, RowBucket

_PENDING = "lotline_sync_pending"
_HELD = "lotline_sync_held"
_IN_CHUNK = 500  # ids per IN (...) list: well under SQLite's and psycopg's parameter limits
_MEMBERSHIP = ("object_type", "object_id", "bucket")  # RowBucket's key


class OpLogRecorder:
    def __init__(self, policy: SyncPolicy) -> None:
        self.policy = policy
        self._listeners: tuple[Callable[[], None], ...] = ()  # replaced, never changed: commits read it unlocked
        self._installed = False

    def install(self) -> None:
        """Listen on every SQLAlchemy session; idempotent."""
        if self._installed:
            return
        event.listen(Session, "after_flush", self._after_flush)
        event.listen(Session, "before_commit", self._before_commit)
        event.listen(Session, "after_commit", self._after_commit)
        event.listen(Session, "after_rollback", self._after_rollback)
        self._installed = True

    def uninstall(self) -> None:
        if not self._installed:
            return
        event.remove(Session, "after_flush", self._after_flush)
        event.remove(Session, "before_commit", self._before_commit)
        event.remove(Session, "after_commit", self._after_commit)
        event.remove(Session, "after_rollback", self._after_rollback)
        self._installed = False

    def note_rows(self, session: Session, model: type, rows: list[dict[str, Any]], *, inserted: bool) -> None:
        """Rows written outside the ORM (complete rows, as they now are; `inserted`: new in this transaction):
        recorded like a flush of those rows."""
        kind = self.policy.model_type(model)
        if kind is None:
            return
        pending: dict[Any, _Change] = session.info.setdefault(_PENDING, {})
        for row in rows:
            _note(pending, (kind, row["id"]),
                  _Change(kind, _Row(row["id"], self.policy.row_values(model, row)), False, inserted))

    def on_commit(self, listener: Callable[[], None]) -> None:
        """Called after a commit that wrote ops (the stream hub wakes its clients), until `off_commit`."""
        if listener not in self._listeners:
            self._listeners = (*self._listeners, listener)

    def off_commit(self, listener: Callable[[], None]) -> None:
        self._listeners = tuple(f for f in self._listeners if f != listener)

    def hold(self, session: Session) -> None:
        """The session's commits are savepoints of a larger transaction from now on: the changes they commit are
        kept (what a savepoint rolls back is dropped) until `write_held`, so the whole transaction takes op ids
        once, at its end."""
        session.info[_HELD] = {}

    def write_held(self, session: Session, conn: Connection) -> int:
        """Writes the ops of every change held since `hold`; call it last before the real COMMIT, then
        `announce()` after it. Returns how many ops were written."""
        held: dict[Any, _Change] = session.info.pop(_HELD, {})
        return write_ops(conn, self.policy, *_latest(self.policy, held.values()))

    def announce(self) -> None:
        for listener in self._listeners:
            listener()

    # -- session events ------------------------------------------------------------------------------------------
    def _after_flush(self, session: Session, _ctx: Any) -> None:
        # Keyed by object, not id: an id set after a first flush (a row adopting the id a handheld made)
        # is read at commit time, so no op ever names the short-lived id.
        pending: dict[Any, _Change] = session.info.setdefault(_PENDING, {})
        for obj in [*session.new, *session.dirty]:
            kind = self.policy.object_type(obj)
            new = obj in session.new
            if kind and (new or session.is_modified(obj, include_collections=False)):
                _note(pending, id(obj), _Change(kind, obj, False, new))
        for obj in session.deleted:
            kind = self.policy.object_type(obj)
            if kind:
                _note(pending, id(obj), _Change(kind, obj, True, False))

    def _before_commit(self, session: Session) -> None:
        session.flush()  # the last flush happens after this hook otherwise
        pending: dict[Any, _Change] = session.info.pop(_PENDING, {})
        if not pending:
            return
        held = session.info.get(_HELD)
        if held is not None:
            for key, change in pending.items():
                _note(held, key, change)
            return
        if write_ops(session.connection(), self.policy, *_latest(self.policy, pending.values())):
            session.info["lotline_sync_wrote"] = True

    def _after_commit(self, session: Session) -> None:
        if session.info.pop("lotline_sync_wrote", False):
            self.announce()

    def _after_rollback(self, session: Session) -> None:
        session.info.pop(_PENDING, None)
        session.info.pop("lotline_sync_wrote", None)


class _Row:
    """A row written outside the ORM, as it was written."""

    __slots__ = ("data", "id")

    def __init__(self, row_id: str, data: dict[str, Any]) -> None:
        self.id, self.data = row_id, data


class _Change(NamedTuple):
    kind: str
    obj: Any  # an ORM object, or a _Row
    deleted: bool
    inserted: bool  # the row did not exist before this transaction


def _note(changes: dict[Any, _Change], key: Any, change: _Change) -> None:
    """The newest state goes last; a row inserted earlier in the transaction stays new."""
    previous = changes.pop(key, None)
    if previous is not None and previous.inserted and not change.deleted:
        change = change._replace(inserted=True)
    changes[key] = change


def _latest(policy: SyncPolicy, changes: Iterable[_Change]
            ) -> tuple[list[tuple[str, str, dict[str, Any] | None]], set[tuple[str, str]]]:
    """Each changed row once, as it is now (None = deleted), in the order of the changes' last notice, and the
    rows that are new in this transaction. Keyed by object, an id set after a first flush is read here."""
    latest: dict[tuple[str, str], dict[str, Any] | None] = {}
    inserted: set[tuple[str, str]] = set()
    deleted: set[tuple[str, str]] = set()
    for change in changes:
        key = (change.kind, change.obj.id)
        latest.pop(key, None)
        latest[key] = None if change.deleted else change.obj.data if isinstance(change.obj, _Row) \
            else policy.row_data(change.obj)
        if change.deleted:
            deleted.add(key)
        elif change.inserted:
            inserted.add(key)
    return [(kind, oid, data) for (kind, oid), data in latest.items()], inserted - deleted


def write_ops(conn: Connection, policy: SyncPolicy, rows: list[tuple[str, str, dict[str, Any] | None]],
              new: set[tuple[str, str]] | frozenset[tuple[str, str]] = frozenset()) -> int:
    """Turns row states (None = deleted) into ops; returns how many ops were written. Rows in `new` did not exist
    before this transaction, so they are in no bucket yet and are not looked up. Works in sets: a transaction
    that changed thousands of rows costs a few statements per table, not a few per row."""
    current = _memberships(conn, [(kind, oid) for kind, oid, _ in rows if (kind, oid) not in new])
    targets = _targets(conn, policy, rows)
    planned: list[dict[str, Any]] = []
    joined: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    left: list[dict[str, Any]] = []
    for (kind, oid, data), target in zip(rows, targets, strict=True):
        held = current.get((kind, oid), {})
        data_json = canonical_json(data) if data is not None else None
        put_sum = put_checksum(kind, oid, data_json) if data_json is not None else 0
        for bucket in sorted(target):
            if held.get(bucket) == put_sum:
                continue  # the bucket already has exactly this row
            planned.append({"bucket": bucket, "op": OpType.PUT.value, "object_type": kind, "object_id": oid,
                            "data": data_json, "checksum": put_sum})
            if bucket in held:
                changed.append({"object_type": kind, "object_id": oid, "bucket": bucket, "data_checksum": put_sum})
            else:
                joined.append({"object_type": kind, "object_id": oid, "bucket": bucket, "data_checksum": put_sum})
        for bucket in sorted(set(held) - target):
            planned.append({"bucket": bucket, "op": OpType.REMOVE.value, "object_type": kind, "object_id": oid,
                            "data": None, "checksum": remove_checksum(kind, oid)})
            left.append({"object_type": kind, "object_id": oid, "bucket": bucket})
    memberships = RowBucket.__table__  # type: ignore[attr-defined]
    delete_many(conn, memberships, _MEMBERSHIP, left)
    update_many(conn, memberships, _MEMBERSHIP, ("data_checksum",), changed)
    insert_many(conn, memberships, joined)
    if not planned:
        return 0
    append_ops(conn, planned)
    return len(planned)


def _memberships(conn: Connection, keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, int]]:
    """(type, id) → {bucket: checksum of the row as that bucket has it}, for the rows that are in any bucket."""
    ids_by_kind: dict[str, list[str]] = {}
    for kind, oid in keys:
        ids_by_kind.setdefault(kind, []).append(oid)
    found: dict[tuple[str, str], dict[str, int]] = {}
    for kind, ids in ids_by_kind.items():
        for start in range(0, len(ids), _IN_CHUNK):
            for r in conn.execute(select(RowBucket.object_id, RowBucket.bucket, RowBucket.data_checksum).where(
                    RowBucket.object_type == kind, RowBucket.object_id.in_(ids[start:start + _IN_CHUNK]))):
                found.setdefault((kind, r.object_id), {})[r.bucket] = r.data_checksum
    return found


def _targets(conn: Connection, policy: SyncPolicy,
             rows: list[tuple[str, str, dict[str, Any] | None]]) -> list[set[str]]:
    """The buckets each row belongs in now (none for a deleted row), asking the policy once per table."""
    targets: list[set[str]] = [set() for _ in rows]
    live_by_kind: dict[str, list[int]] = {}
    for i, (kind, _oid, data) in enumerate(rows):
        if data is not None:
            live_by_kind.setdefault(kind, []).append(i)
    for kind, positions in live_by_kind.items():
        found = policy.buckets_for(conn, kind, [rows[i][2] for i in positions])  # type: ignore[misc]
        for i, buckets in zip(positions, found, strict=True):
            targets[i] = buckets
    return targets


def append_ops(conn: Connection, planned: list[dict[str, Any]]) -> None:
    """Allocates op ids (taking the counter lock: keep this last in the transaction) and appends the ops."""
    last = conn.execute(update(OpCounter).where(OpCounter.id == 1)
                        .values(last_op_id=OpCounter.last_op_id + len(planned))
                        .returning(OpCounter.last_op_id)).scalar_one()
    first = last - len(planned) + 1
    for offset, op in enumerate(planned):
        op["op_id"] = first + offset
    insert_many(conn, OpLogEntry.__table__, planned)  # type: ignore[attr-defined]
    per_bucket: dict[str, tuple[int, int, int]] = {}
    for op in planned:
        checksum, count, _ = per_bucket.get(op["bucket"], (0, 0, 0))
        per_bucket[op["bucket"]] = (add_checksums(checksum, op["checksum"]), count + 1, op["op_id"])
    for bucket, (checksum, count, last_op) in per_bucket.items():
        bump_bucket(conn, bucket, checksum, count, last_op)


def bump_bucket(conn: Connection, bucket: str, checksum: int, count: int, last_op_id: int) -> None:
    """Adds to a bucket's running checksum and count (insert or update, on SQLite and PostgreSQL)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(BucketState).values(name=bucket, last_op_id=last_op_id, checksum=checksum, count=count)
    stmt = stmt.on_conflict_do_update(index_elements=[BucketState.name], set_={
        "last_op_id": stmt.excluded.last_op_id,
        "checksum": (BucketState.checksum + stmt.excluded.checksum) % 4294967296,
        "count": BucketState.count + stmt.excluded.count,
    })
    conn.execute(stmt)


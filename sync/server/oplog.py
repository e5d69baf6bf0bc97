"""The op log: every committed change to a synced row becomes PUT/REMOVE ops in the same transaction.

Changes are gathered as the session flushes and written just before commit. Op ids are allocated by
updating one counter row as the very last step, so the lock is held only while committing: ops commit in
op-id order (a stream never skips an op that commits late), and a transaction holding the lock waits for
nothing else, so it cannot deadlock with row locks taken earlier.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, delete, event, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sync.protocol import OpType, add_checksums, canonical_json, put_checksum, remove_checksum
from sync.server.policy import SyncPolicy
from sync.server.tables import BucketState, OpCounter, OpLogEntry, RowBucket

_PENDING = "lotline_sync_pending"


class OpLogRecorder:
    def __init__(self, policy: SyncPolicy) -> None:
        self.policy = policy
        self._listeners: list[Callable[[], None]] = []
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

    def on_commit(self, listener: Callable[[], None]) -> None:
        """Called after a commit that wrote ops (the stream hub wakes its clients)."""
        self._listeners.append(listener)

    # -- session events ------------------------------------------------------------------------------------------
    def _after_flush(self, session: Session, _ctx: Any) -> None:
        # Keyed by object, not id: an id set after a first flush (a row adopting the id a handheld made)
        # is read at commit time, so no op ever names the short-lived id.
        pending: dict[int, tuple[str, Any, bool]] = session.info.setdefault(_PENDING, {})
        for obj in [*session.new, *session.dirty]:
            kind = self.policy.object_type(obj)
            if kind and (obj in session.new or session.is_modified(obj, include_collections=False)):
                pending[id(obj)] = (kind, obj, False)
        for obj in session.deleted:
            kind = self.policy.object_type(obj)
            if kind:
                pending[id(obj)] = (kind, obj, True)

    def _before_commit(self, session: Session) -> None:
        session.flush()  # the last flush happens after this hook otherwise
        pending: dict[int, tuple[str, Any, bool]] = session.info.pop(_PENDING, {})
        if not pending:
            return
        latest: dict[tuple[str, str], dict[str, Any] | None] = {}
        for kind, obj, deleted in pending.values():
            latest[(kind, obj.id)] = None if deleted else self.policy.row_data(obj)
        rows = [(kind, oid, data) for (kind, oid), data in latest.items()]
        if write_ops(session.connection(), self.policy, rows):
            session.info["lotline_sync_wrote"] = True

    def _after_commit(self, session: Session) -> None:
        if session.info.pop("lotline_sync_wrote", False):
            for listener in self._listeners:
                listener()

    def _after_rollback(self, session: Session) -> None:
        session.info.pop(_PENDING, None)
        session.info.pop("lotline_sync_wrote", None)


def write_ops(conn: Connection, policy: SyncPolicy, rows: list[tuple[str, str, dict[str, Any] | None]]) -> int:
    """Turns row states (None = deleted) into ops; returns how many ops were written."""
    planned: list[dict[str, Any]] = []
    for kind, oid, data in rows:
        current = {r.bucket: r.data_checksum for r in conn.execute(
            select(RowBucket.bucket, RowBucket.data_checksum)
            .where(RowBucket.object_type == kind, RowBucket.object_id == oid))}
        target = policy.buckets_for(conn, kind, data) if data is not None else set()
        data_json = canonical_json(data) if data is not None else None
        put_sum = put_checksum(kind, oid, data_json) if data_json is not None else 0
        for bucket in sorted(target):
            if current.get(bucket) == put_sum:
                continue  # the bucket already has exactly this row
            planned.append({"bucket": bucket, "op": OpType.PUT.value, "object_type": kind, "object_id": oid,
                            "data": data_json, "checksum": put_sum})
        for bucket in sorted(set(current) - target):
            planned.append({"bucket": bucket, "op": OpType.REMOVE.value, "object_type": kind, "object_id": oid,
                            "data": None, "checksum": remove_checksum(kind, oid)})
        gone = set(current) - target
        if gone:
            conn.execute(delete(RowBucket).where(RowBucket.object_type == kind, RowBucket.object_id == oid,
                                                 RowBucket.bucket.in_(gone)))
        for bucket in target:
            if bucket not in current:
                conn.execute(insert(RowBucket).values(object_type=kind, object_id=oid, bucket=bucket,
                                                      data_checksum=put_sum))
            elif current[bucket] != put_sum:
                conn.execute(update(RowBucket).where(RowBucket.object_type == kind, RowBucket.object_id == oid,
                                                     RowBucket.bucket == bucket).values(data_checksum=put_sum))
    if not planned:
        return 0
    append_ops(conn, planned)
    return len(planned)


def append_ops(conn: Connection, planned: list[dict[str, Any]]) -> None:
    """Allocates op ids (taking the counter lock: keep this last in the transaction) and appends the ops."""
    last = conn.execute(update(OpCounter).where(OpCounter.id == 1)
                        .values(last_op_id=OpCounter.last_op_id + len(planned))
                        .returning(OpCounter.last_op_id)).scalar_one()
    first = last - len(planned) + 1
    for offset, op in enumerate(planned):
        op["op_id"] = first + offset
    conn.execute(insert(OpLogEntry), planned)
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

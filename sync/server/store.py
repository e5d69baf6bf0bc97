"""Reads the stream needs: one consistent checkpoint, op pages, write checkpoints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, select, text
from sqlalchemy.dialects import postgresql, sqlite

from sync.server.tables import OpCounter, OpLogEntry, WriteCheckpoint

_CHECKPOINT_SQL = text(
    "SELECT c.last_op_id, b.name, b.checksum, b.count, b.last_op_id "
    "FROM ps_counter c LEFT JOIN ps_bucket b ON b.name IN :names WHERE c.id = 1"
).bindparams(bindparam("names", expanding=True))


@dataclass(frozen=True, slots=True)
class BucketSnapshot:
    checksum: int
    count: int
    last_op_id: int


@dataclass(frozen=True, slots=True)
class Checkpoint:
    last_op_id: int
    buckets: dict[str, BucketSnapshot]


def read_checkpoint(conn: Connection, bucket_names: list[str]) -> Checkpoint:
    """Counter and bucket states in one statement, so they describe the same committed state."""
    last = 0
    found: dict[str, BucketSnapshot] = {}
    for row in conn.execute(_CHECKPOINT_SQL, {"names": bucket_names or [""]}):
        last = int(row[0])
        if row[1] is not None:
            found[row[1]] = BucketSnapshot(int(row[2]), int(row[3]), int(row[4]))
    empty = BucketSnapshot(0, 0, 0)
    return Checkpoint(last, {name: found.get(name, empty) for name in bucket_names})


def read_ops(conn: Connection, bucket: str, after: int, upto: int, limit: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(OpLogEntry.op_id, OpLogEntry.op, OpLogEntry.object_type, OpLogEntry.object_id, OpLogEntry.data,
               OpLogEntry.checksum)
        .where(OpLogEntry.bucket == bucket, OpLogEntry.op_id > after, OpLogEntry.op_id <= upto)
        .order_by(OpLogEntry.op_id).limit(limit))
    ops = []
    for op_id, op, object_type, object_id, data, checksum in rows:
        entry: dict[str, Any] = {"op_id": str(op_id), "op": op, "checksum": int(checksum)}
        if object_type is not None:
            entry["object_type"] = object_type
            entry["object_id"] = object_id
        if data is not None:
            entry["data"] = data
        ops.append(entry)
    return ops


def current_op_id(conn: Connection) -> int:
    return int(conn.execute(select(OpCounter.last_op_id).where(OpCounter.id == 1)).scalar_one())


def create_write_checkpoint(conn: Connection, user_id: str, client_id: str) -> int:
    """Everything this client uploaded so far is committed at or below the current op id."""
    value = current_op_id(conn)
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(WriteCheckpoint).values(user_id=user_id, client_id=client_id, checkpoint=value)
    conn.execute(stmt.on_conflict_do_update(index_elements=[WriteCheckpoint.user_id, WriteCheckpoint.client_id],
                                            set_={"checkpoint": stmt.excluded.checkpoint}))
    return value


def read_write_checkpoint(conn: Connection, user_id: str, client_id: str | None) -> int | None:
    if not client_id:
        return None
    value = conn.execute(select(WriteCheckpoint.checkpoint).where(
        WriteCheckpoint.user_id == user_id, WriteCheckpoint.client_id == client_id)).scalar_one_or_none()
    return int(value) if value is not None else None

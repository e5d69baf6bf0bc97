"""Op log compaction that keeps every bucket's checksum.

1. A PUT or REMOVE superseded by a later op on the same row becomes a MOVE: same op id, same checksum,
   no data. Clients at any position still add up to the same total.
2. The longest prefix of a bucket holding no live PUT is folded into one CLEAR at its last op id, carrying
   the prefix's summed checksum. A client behind that point resets the bucket and takes the CLEAR's
   checksum; a client past it never sees the CLEAR. Either way its total matches the server's.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, and_, delete, exists, func, select, update
from sqlalchemy.orm import aliased

from sync.protocol import OpType, add_checksums
from sync.server.tables import BucketState, OpCounter, OpLogEntry


@dataclass(frozen=True, slots=True)
class CompactReport:
    bucket: str
    moved: int
    folded: int


def compact_bucket(conn: Connection, bucket: str) -> CompactReport:
    later = aliased(OpLogEntry)
    superseded = exists().where(and_(later.bucket == OpLogEntry.bucket, later.object_type == OpLogEntry.object_type,
                                     later.object_id == OpLogEntry.object_id, later.op_id > OpLogEntry.op_id))
    moved = conn.execute(
        update(OpLogEntry)
        .where(OpLogEntry.bucket == bucket, OpLogEntry.op.in_([OpType.PUT.value, OpType.REMOVE.value]), superseded)
        .values(op=OpType.MOVE.value, object_type=None, object_id=None, data=None)
        .execution_options(synchronize_session=False)).rowcount
    first_live_put = conn.execute(select(func.min(OpLogEntry.op_id)).where(
        OpLogEntry.bucket == bucket, OpLogEntry.op == OpType.PUT.value)).scalar_one_or_none()
    prefix = select(OpLogEntry.op_id, OpLogEntry.checksum).where(OpLogEntry.bucket == bucket)
    if first_live_put is not None:
        prefix = prefix.where(OpLogEntry.op_id < first_live_put)
    rows = conn.execute(prefix.order_by(OpLogEntry.op_id)).all()
    folded = 0
    if len(rows) > 1:
        end = rows[-1][0]
        total = add_checksums(*(r[1] for r in rows))
        conn.execute(delete(OpLogEntry).where(OpLogEntry.bucket == bucket, OpLogEntry.op_id < end))
        conn.execute(update(OpLogEntry).where(OpLogEntry.bucket == bucket, OpLogEntry.op_id == end)
                     .values(op=OpType.CLEAR.value, object_type=None, object_id=None, data=None, checksum=total))
        folded = len(rows) - 1
        conn.execute(update(BucketState).where(BucketState.name == bucket)
                     .values(count=BucketState.count - folded))
    return CompactReport(bucket, moved or 0, folded)


def compact(conn: Connection, buckets: list[str] | None = None) -> list[CompactReport]:
    """Run inside one transaction; it takes the op counter's lock so no op is appended meanwhile."""
    conn.execute(update(OpCounter).where(OpCounter.id == 1).values(last_op_id=OpCounter.last_op_id))
    names = buckets if buckets is not None else list(conn.execute(select(BucketState.name)).scalars())
    return [compact_bucket(conn, name) for name in names]

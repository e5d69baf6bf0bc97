"""The wire: PowerSync-compatible stream lines, CRUD upload entries, per-op verdicts and checksums.

No business rules live here. Checksums follow the contract in ARCHITECTURE.md §4: an op's checksum is the
first 4 bytes of SHA-256("put." + type + "." + id + "." + data_json) read as a little-endian u32 (REMOVE ops
hash "remove." + type + "." + id), and a bucket's checksum is the wrapping u32 sum of its ops' checksums.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

U32 = 2**32


class OpType(StrEnum):
    PUT = "PUT"
    REMOVE = "REMOVE"
    MOVE = "MOVE"
    CLEAR = "CLEAR"


class CrudOp(StrEnum):
    PUT = "PUT"
    PATCH = "PATCH"
    DELETE = "DELETE"


def _u32(digest: bytes) -> int:
    return int.from_bytes(digest[:4], "little")


def put_checksum(object_type: str, object_id: str, data_json: str) -> int:
    return _u32(hashlib.sha256(f"put.{object_type}.{object_id}.{data_json}".encode()).digest())


def remove_checksum(object_type: str, object_id: str) -> int:
    return _u32(hashlib.sha256(f"remove.{object_type}.{object_id}".encode()).digest())


def add_checksums(*values: int) -> int:
    """Wrapping u32 sum: the bucket checksum, and how compaction folds ops together."""
    return sum(values) % U32


def canonical_json(data: dict[str, Any]) -> str:
    """One spelling of a row, so the same data always hashes the same: keys sorted, no spaces, UTF-8 as is."""
    return _row_encoder().encode(data).decode()


@functools.cache
def _row_encoder() -> Any:
    import msgspec  # server side only (the handheld never spells rows); ~8x faster than json.dumps

    return msgspec.json.Encoder(order="sorted", enc_hook=str)


class ProtocolError(ValueError):
    """A message that does not follow the protocol; the text names the field."""


@dataclass(frozen=True, slots=True)
class CrudEntry:
    """One queued client write, as PowerSync's upload queue holds it."""

    op_id: int
    op: CrudOp
    type: str
    id: str
    tx_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_wire(cls, raw: Any, index: int) -> CrudEntry:
        where = f"batch[{index}]"
        if not isinstance(raw, dict):
            raise ProtocolError(f"{where} is not an object")
        try:
            op_id = int(raw["op_id"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ProtocolError(f"{where}.op_id must be an integer") from exc
        try:
            op = CrudOp(str(raw.get("op", "")).upper())
        except ValueError as exc:
            raise ProtocolError(f"{where}.op must be PUT, PATCH or DELETE, not {raw.get('op')!r}") from exc
        type_, id_ = raw.get("type"), raw.get("id")
        if not isinstance(type_, str) or not type_:
            raise ProtocolError(f"{where}.type must be a table name")
        if not isinstance(id_, str) or not id_:
            raise ProtocolError(f"{where}.id must be a non-empty string")
        data = raw.get("data") or {}
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except json.JSONDecodeError as exc:
                raise ProtocolError(f"{where}.data is not valid JSON: {exc.msg}") from exc
        if not isinstance(data, dict):
            raise ProtocolError(f"{where}.data must be an object")
        tx_id = raw.get("tx_id")
        return cls(op_id=op_id, op=op, type=type_, id=id_, tx_id=int(tx_id) if tx_id is not None else None,
                   data=data)

    def to_wire(self) -> dict[str, Any]:
        return {"op_id": self.op_id, "op": self.op.value, "type": self.type, "id": self.id, "tx_id": self.tx_id,
                "data": self.data}


class VerdictStatus(StrEnum):
    APPLIED = "applied"        # done now
    DUPLICATE = "duplicate"    # done before (same client op, or same event id): nothing changed
    CONFLICT = "conflict"      # applied, but the server resolved a conflict; the reason says how
    REJECTED = "rejected"      # refused for good; kept server-side for QA, never blocks the queue


@dataclass(frozen=True, slots=True)
class Verdict:
    op_id: int
    status: VerdictStatus
    code: str = ""
    reason: str = ""

    @property
    def done(self) -> bool:
        """The client may drop the entry from its queue (a rejected one goes to its inbox instead)."""
        return self.status is not VerdictStatus.REJECTED

    def to_wire(self) -> dict[str, Any]:
        return {"op_id": self.op_id, "status": self.status.value, "code": self.code, "reason": self.reason}

    @classmethod
    def from_wire(cls, raw: dict[str, Any]) -> Verdict:
        return cls(op_id=int(raw["op_id"]), status=VerdictStatus(raw["status"]), code=raw.get("code", ""),
                   reason=raw.get("reason", ""))


@dataclass(frozen=True, slots=True)
class BucketRequest:
    name: str
    after: int


def parse_stream_request(body: Any) -> tuple[list[BucketRequest], str | None]:
    """The client's `buckets: [{name, after}]` and `client_id`; anything else it sends is ignored."""
    if body is None:
        return [], None
    if not isinstance(body, dict):
        raise ProtocolError("stream request must be a JSON object")
    buckets = []
    for i, b in enumerate(body.get("buckets") or []):
        try:
            buckets.append(BucketRequest(name=str(b["name"]), after=int(b.get("after") or 0)))
        except (KeyError, TypeError, ValueError) as exc:
            raise ProtocolError(f"buckets[{i}] needs a name and a numeric 'after'") from exc
    client_id = body.get("client_id")
    return buckets, str(client_id) if client_id else None


# -- stream lines -------------------------------------------------------------------------------------------------


def bucket_checksum(bucket: str, checksum: int, count: int, priority: int = 3) -> dict[str, Any]:
    return {"bucket": bucket, "checksum": checksum, "count": count, "priority": priority}


def checkpoint_line(last_op_id: int, buckets: list[dict[str, Any]], write_checkpoint: int | None) -> dict[str, Any]:
    body: dict[str, Any] = {"last_op_id": str(last_op_id), "buckets": buckets}
    if write_checkpoint is not None:
        body["write_checkpoint"] = str(write_checkpoint)
    return {"checkpoint": body}


def checkpoint_diff_line(last_op_id: int, updated: list[dict[str, Any]], removed: list[str],
                         write_checkpoint: int | None) -> dict[str, Any]:
    body: dict[str, Any] = {"last_op_id": str(last_op_id), "updated_buckets": updated, "removed_buckets": removed}
    if write_checkpoint is not None:
        body["write_checkpoint"] = str(write_checkpoint)
    return {"checkpoint_diff": body}


def data_line(bucket: str, after: int, ops: list[dict[str, Any]], has_more: bool) -> dict[str, Any]:
    next_after = int(ops[-1]["op_id"]) if ops else after
    return {"data": {"bucket": bucket, "after": str(after), "next_after": str(next_after), "has_more": has_more,
                     "data": ops}}


def checkpoint_complete_line(last_op_id: int) -> dict[str, Any]:
    return {"checkpoint_complete": {"last_op_id": str(last_op_id)}}


def token_expires_line(seconds: int) -> dict[str, Any]:
    return {"token_expires_in": max(0, seconds)}


def encode_line(line: dict[str, Any]) -> bytes:
    return (json.dumps(line, separators=(",", ":"), ensure_ascii=False) + "\n").encode()

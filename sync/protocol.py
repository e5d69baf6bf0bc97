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

from shared_models.bounds import INT64_MAX, MAX_JSON_DEPTH, fits_int64, json_depth_exceeds

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
    """A message that does not follow the protocol; the text names the field. `op_id`: the upload entry's op id
    when it could be read, so that entry alone can be refused with a verdict keyed by it."""

    def __init__(self, message: str, *, op_id: int | None = None) -> None:
        super().__init__(message)
        self.op_id = op_id


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
        """Raises ProtocolError naming the field; its `op_id` is set when the entry's op_id was an integer."""
        where = f"batch[{index}]"
        if not isinstance(raw, dict):
            raise ProtocolError(f"{where} is not an object")
        op_id = _integer(raw.get("op_id"))
        if op_id is None:
            raise ProtocolError(f"{where}.op_id must be an integer")

        def malformed(message: str) -> ProtocolError:
            return ProtocolError(f"{where}{message}", op_id=op_id)

        if not fits_int64(op_id):  # op and tx ids are stored as signed 64-bit integers
            raise malformed(f".op_id {op_id} does not fit a signed 64-bit integer")
        try:
            op = CrudOp(str(raw.get("op", "")).upper())
        except ValueError as exc:
            raise malformed(f".op must be PUT, PATCH or DELETE, not {str(raw.get('op'))[:20]!r}") from exc
        type_, id_ = raw.get("type"), raw.get("id")
        if not isinstance(type_, str) or not type_ or len(type_) > 64:
            raise malformed(".type must be a table name")
        if not isinstance(id_, str) or not id_ or len(id_) > 64:
            raise malformed(".id must be a string of 1 to 64 characters")
        tx_id = raw.get("tx_id")
        if tx_id is not None and ((tx_id := _integer(tx_id)) is None or not fits_int64(tx_id)):
            raise malformed(".tx_id must be a signed 64-bit integer or null")
        data = raw.get("data") or {}
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except json.JSONDecodeError as exc:
                raise malformed(f".data is not valid JSON: {exc.msg}") from exc
            except RecursionError as exc:
                raise malformed(f".data nests deeper than {MAX_JSON_DEPTH} levels") from exc
        if not isinstance(data, dict):
            raise malformed(".data must be an object")
        if json_depth_exceeds(data):
            raise malformed(f".data nests deeper than {MAX_JSON_DEPTH} levels")
        return cls(op_id=op_id, op=op, type=type_, id=id_, tx_id=tx_id, data=data)

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


def read_batch(raw_batch: list[Any]) -> list[CrudEntry | Verdict]:
    """An upload's entries in order: a CrudEntry for each that follows the protocol, a rejected verdict (code
    `malformed_op`, the reason naming the field) for each that does not but has an integer op_id, so one malformed
    write never blocks the queue behind it. Raises ProtocolError when an entry has no integer op_id: no verdict
    could name it, so the batch is refused whole."""
    read: list[CrudEntry | Verdict] = []
    for i, raw in enumerate(raw_batch):
        try:
            read.append(CrudEntry.from_wire(raw, i))
        except ProtocolError as exc:
            if exc.op_id is None:
                raise
            read.append(Verdict(exc.op_id, VerdictStatus.REJECTED, "malformed_op", str(exc)))
    return read


def _integer(value: Any) -> int | None:
    """An integer as JSON or as its decimal text; None for anything else (bools, fractions, words)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and 0 < len(value) <= 20 and value.lstrip("-").isdigit():
        return int(value)
    return None


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
            after = _integer(b.get("after") or 0)
            if after is None or not 0 <= after <= INT64_MAX:
                raise ValueError(after)
            buckets.append(BucketRequest(name=str(b["name"]), after=after))
        except (KeyError, TypeError, ValueError) as exc:
            raise ProtocolError(f"buckets[{i}] needs a name and a numeric 'after' (0 to 2**63-1)") from exc
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

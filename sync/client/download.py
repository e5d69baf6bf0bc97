"""Applies the download stream to the local store: ops as they arrive, checksums and rows at checkpoint_complete.

Each `data` line is stored in its own transaction, so a cut stream keeps what arrived and the next request
resumes after it. At `checkpoint_complete` every bucket's checksum must equal the checkpoint's; a bucket that
fails is dropped and downloaded again from the start. Verified data reaches the visible rows only when no local
write is waiting in the queue, or the checkpoint carries the write checkpoint asked for after the last upload
(PowerSync's rule: a confirmed local write never flickers back to the server's older row).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sync.client.store import LocalStore
from sync.client.transport import StreamCut
from sync.protocol import U32

WRITE_TARGET = "write_target"  # kv: the write checkpoint the client waits for after its last upload
RESYNCS = "resyncs"  # kv: how many buckets failed their checksum and were downloaded again

_MATERIALISE = (
    "DELETE FROM rows WHERE EXISTS (SELECT 1 FROM dirty d WHERE d.object_type = rows.object_type "
    "AND d.id = rows.id) AND NOT EXISTS (SELECT 1 FROM oplog o WHERE o.object_type = rows.object_type "
    "AND o.object_id = rows.id)",
    "INSERT INTO rows (object_type, id, data, buckets) "
    "SELECT d.object_type, d.id, (SELECT o.data FROM oplog o WHERE o.object_type = d.object_type "
    "AND o.object_id = d.id ORDER BY o.op_id DESC LIMIT 1), (SELECT count(*) FROM oplog o "
    "WHERE o.object_type = d.object_type AND o.object_id = d.id) FROM dirty d WHERE EXISTS (SELECT 1 FROM oplog o "
    "WHERE o.object_type = d.object_type AND o.object_id = d.id) "
    "ON CONFLICT (object_type, id) DO UPDATE SET data = excluded.data, buckets = excluded.buckets",
    "DELETE FROM dirty",
)


class Outcome(StrEnum):
    APPLIED = "applied"    # verified, and the rows now show it
    HELD = "held"          # verified, kept until the local writes waiting for it are confirmed
    RESYNC = "resync"      # a bucket failed its checksum: dropped, download it again


@dataclass
class _Checkpoint:
    last_op_id: int
    checksums: dict[str, int]
    write_checkpoint: int | None


@dataclass
class DownloadReport:
    ops: int = 0
    outcomes: list[Outcome] = field(default_factory=list)
    failed_buckets: list[str] = field(default_factory=list)
    token_expired: bool = False


def _opt_int(value: Any) -> int | None:
    return int(value) if value is not None else None


class Downloader:
    def __init__(self, store: LocalStore) -> None:
        self.store = store
        self.target: _Checkpoint | None = None
        self.open_checkpoint = False  # a checkpoint (or diff) arrived and its checkpoint_complete has not

    @property
    def resyncs(self) -> int:
        """Buckets downloaded again after failing their checksum, over the life of this local store."""
        return int(self.store.kv_get(RESYNCS) or 0)

    def request_body(self) -> dict[str, Any]:
        positions = self.store.db.execute("SELECT name, last_op_id FROM buckets ORDER BY name").fetchall()
        return {"buckets": [{"name": n, "after": str(after)} for n, after in positions], "include_checksum": True,
                "raw_data": True, "client_id": self.store.client_id}

    def feed(self, line: dict[str, Any], report: DownloadReport) -> Outcome | None:
        """Takes one stream line; returns an outcome at each checkpoint_complete."""
        if "checkpoint" in line:
            body = line["checkpoint"]
            self.target = _Checkpoint(int(body["last_op_id"]), {b["bucket"]: int(b["checksum"]) % U32
                                                                for b in body["buckets"]},
                                      _opt_int(body.get("write_checkpoint")))
            self.open_checkpoint = True
            with self.store.write() as db:
                gone = [n for (n,) in db.execute("SELECT name FROM buckets") if n not in self.target.checksums]
                _drop_buckets(db, gone)
        elif "checkpoint_diff" in line:
            body = line["checkpoint_diff"]
            if self.target is None:
                raise StreamCut("checkpoint_diff before any checkpoint")
            self.target.last_op_id = int(body["last_op_id"])
            self.target.write_checkpoint = _opt_int(body.get("write_checkpoint"))
            for b in body.get("updated_buckets", []):
                self.target.checksums[b["bucket"]] = int(b["checksum"]) % U32
            self.open_checkpoint = True
            removed = list(body.get("removed_buckets", []))
            for name in removed:
                self.target.checksums.pop(name, None)
            with self.store.write() as db:
                _drop_buckets(db, removed)
        elif "data" in line:
            body = line["data"]
            with self.store.write() as db:
                report.ops += _store_ops(db, body["bucket"], body.get("data") or [])
        elif "checkpoint_complete" in line:
            if self.target is None:
                raise StreamCut("checkpoint_complete before any checkpoint")
            outcome = self._complete(report)
            self.open_checkpoint = False
            report.outcomes.append(outcome)
            return outcome
        elif "token_expires_in" in line and int(line["token_expires_in"]) <= 0:
            report.token_expired = True
        return None

    def _complete(self, report: DownloadReport) -> Outcome:
        assert self.target is not None
        target = self.target
        with self.store.write() as db:
            local = dict(db.execute("SELECT b.name, (b.add_checksum + coalesce((SELECT sum(o.checksum) FROM oplog o "
                                    "WHERE o.bucket = b.name), 0)) % 4294967296 FROM buckets b").fetchall())
            failed = [n for n, checksum in sorted(target.checksums.items()) if local.get(n, 0) != checksum]
            if failed:
                _drop_buckets(db, failed)
                LocalStore.kv_set(db, RESYNCS, str(self.resyncs + len(failed)))
                report.failed_buckets.extend(failed)
                return Outcome.RESYNC
            waiting = db.execute("SELECT value FROM kv WHERE key = ?", (WRITE_TARGET,)).fetchone()
            reached = waiting is not None and target.write_checkpoint is not None \
                and target.write_checkpoint >= int(waiting[0])
            queue_empty = db.execute("SELECT 1 FROM crud LIMIT 1").fetchone() is None
            if not (queue_empty or reached):
                return Outcome.HELD
            for statement in _MATERIALISE:
                db.execute(statement)
            if target.write_checkpoint is not None:
                # Confirmed local writes give way to the server's rows, which now include them.
                db.execute("DELETE FROM overlay WHERE acked = 1 AND confirm_at IS NOT NULL AND confirm_at <= ?",
                           (target.write_checkpoint,))
            LocalStore.kv_set(db, "last_synced_at", datetime.now(UTC).isoformat())
        return Outcome.APPLIED


def _drop_buckets(db: sqlite3.Connection, names: list[str]) -> None:
    """Forgets buckets (their rows are worked out again at the next applied checkpoint)."""
    for name in names:
        db.execute("INSERT OR IGNORE INTO dirty SELECT object_type, object_id FROM oplog WHERE bucket = ?", (name,))
        db.execute("DELETE FROM buckets WHERE name = ?", (name,))  # its oplog goes with it (ON DELETE CASCADE)


def _store_ops(db: sqlite3.Connection, bucket: str, ops: list[dict[str, Any]]) -> int:
    """One page of ops, worked out in memory against the rows it touches and written with two statements."""
    db.execute("INSERT OR IGNORE INTO buckets (name) VALUES (?)", (bucket,))
    last, added = db.execute("SELECT last_op_id, add_checksum FROM buckets WHERE name = ?", (bucket,)).fetchone()
    fresh = [op for op in ops if int(op["op_id"]) > last]  # a page sent twice adds nothing
    held = _held_checksums(db, bucket, {(op["object_type"], op["object_id"]) for op in fresh
                                        if op["op"] in ("PUT", "REMOVE")})
    in_db = set(held)
    final: dict[tuple[str, str], tuple[Any, ...] | None] = {}  # row → its new oplog entry, or None: gone
    dirty: list[tuple[str, str]] = []
    for op in fresh:
        kind, op_id = op["op"], int(op["op_id"])
        if kind in ("PUT", "REMOVE"):
            key = (op["object_type"], op["object_id"])
            added += held.pop(key, 0)  # a superseded PUT leaves only its checksum
            if kind == "PUT":
                data = op["data"] if isinstance(op["data"], str) else json.dumps(op["data"], separators=(",", ":"))
                # The wire's checksum, not one of our own: the PowerSync Service hashes rows its own way.
                held[key] = int(op["checksum"]) % U32
                final[key] = (bucket, op_id, "PUT", *key, data, held[key])
            else:
                added += int(op["checksum"])
                final[key] = None
            dirty.append(key)
        elif kind == "MOVE":
            added += int(op["checksum"])
        elif kind == "CLEAR":
            dirty += db.execute("SELECT object_type, object_id FROM oplog WHERE bucket = ?", (bucket,)).fetchall()
            db.execute("DELETE FROM oplog WHERE bucket = ?", (bucket,))
            held.clear()
            final.clear()
            in_db.clear()
            added = int(op["checksum"])
        else:
            raise StreamCut(f"unknown op {kind!r} in bucket {bucket}")
        last = op_id
    db.executemany("DELETE FROM oplog WHERE bucket = ? AND object_type = ? AND object_id = ?",
                   [(bucket, *key) for key in final if key in in_db])
    db.executemany("INSERT INTO oplog VALUES (?, ?, ?, ?, ?, ?, ?)", [row for row in final.values() if row])
    db.executemany("INSERT OR IGNORE INTO dirty VALUES (?, ?)", dirty)
    db.execute("UPDATE buckets SET last_op_id = ?, add_checksum = ? WHERE name = ?", (last, added % U32, bucket))
    return len(fresh)


def _held_checksums(db: sqlite3.Connection, bucket: str, keys: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """The checksums of the live PUTs this bucket holds for these rows (by index: bucket, type, id)."""
    found: dict[tuple[str, str], int] = {}
    by_type: dict[str, list[str]] = {}
    for type_, id_ in keys:
        by_type.setdefault(type_, []).append(id_)
    for type_, ids in by_type.items():
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            found.update(((type_, id_), checksum) for id_, checksum in db.execute(
                f"SELECT object_id, checksum FROM oplog WHERE bucket = ? AND object_type = ? AND object_id IN "
                f"({','.join('?' * len(chunk))})", (bucket, type_, *chunk)))
    return found

"""Plain records the sync client hands to the app: queued writes, refused writes, notices and the status."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sync.protocol import CrudEntry, CrudOp


@dataclass(frozen=True, slots=True)
class PendingWrite:
    """A queued local write, as the upload batch carries it."""

    op_id: int
    tx_id: int
    op: str
    type: str
    id: str
    data: dict[str, Any]

    def to_entry(self) -> CrudEntry:
        return CrudEntry(op_id=self.op_id, op=CrudOp(self.op), type=self.type, id=self.id, tx_id=self.tx_id,
                         data=self.data)


@dataclass(frozen=True, slots=True)
class RejectedWrite:
    """A write the server refused for good; it stays in the inbox until retried or discarded."""

    op_id: int
    type: str
    id: str
    op: str
    data: dict[str, Any]
    code: str
    reason: str
    at: str


@dataclass(frozen=True, slots=True)
class Notice:
    """A write the server applied after resolving a conflict; `reason` says how."""

    op_id: int
    type: str
    id: str
    code: str
    reason: str


@dataclass(frozen=True, slots=True)
class SyncStatus:
    online: bool
    pending: int
    last_synced_at: str | None
    rejected: list[RejectedWrite]
    resyncs: int
    last_error: str | None
    notices: list[Notice] = field(default_factory=list)
    login_required: bool = False  # the server ended this log-in: the worker must log in again (the queue is kept)

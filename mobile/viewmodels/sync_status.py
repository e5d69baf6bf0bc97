"""The sync badge (online or not, how many writes wait, when the last sync was) and the inbox of refused writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mobile.i18n import Msg
from mobile.viewmodels.context import Handheld
from sync.client import RejectedWrite


@dataclass(frozen=True, slots=True)
class Badge:
    online: bool
    pending: int
    rejected: int
    last_synced_at: str | None

    @property
    def status(self) -> Msg:
        return Msg.of("badge.online" if self.online else "badge.offline")

    @property
    def pending_text(self) -> Msg:
        return Msg.of("badge.pending", count=self.pending)

    @property
    def last_sync(self) -> Msg:
        if not self.last_synced_at:
            return Msg.of("badge.never_synced")
        when = datetime.fromisoformat(self.last_synced_at).astimezone()
        return Msg.of("badge.last_sync", time=when.strftime("%H:%M:%S"))


class SyncBadgeViewModel:
    """Online, pending and last sync as the sync client reports them (offline when no client runs)."""

    def __init__(self, hh: Handheld) -> None:
        self.hh = hh
        self.badge = self.refresh()

    def refresh(self) -> Badge:
        status = self.hh.sync_status()
        self.badge = Badge(online=status.online, pending=status.pending, rejected=len(status.rejected),
                           last_synced_at=status.last_synced_at)
        return self.badge


@dataclass(frozen=True, slots=True)
class InboxEntry:
    op_id: int
    what: Msg
    reason: str
    code: str
    at: str


def describe(write: RejectedWrite) -> Msg:
    data: dict[str, Any] = write.data
    kind = data.get("kind", write.type)
    subject = data.get("unit") or data.get("lot_no") or data.get("location") or data.get("reference") or write.id
    return Msg.of("inbox.what", kind=Msg.of(f"kind_of_event.{kind}") if isinstance(kind, str) else kind,
                  subject=subject)


class InboxViewModel:
    """Writes the server refused for good: each with its reason, to retry (queued again) or discard."""

    def __init__(self, hh: Handheld) -> None:
        self.hh = hh
        self.done: Msg | None = None

    @property
    def entries(self) -> list[InboxEntry]:
        return [InboxEntry(w.op_id, describe(w), w.reason, w.code, w.at) for w in self.hh.store.rejected()]

    @property
    def notices(self) -> list[str]:
        """Writes applied after a conflict (e.g. a pick of a lot held meanwhile): QA was told; the worker sees why."""
        client = self.hh.client
        return [n.reason for n in client.status().notices] if client is not None else []

    def retry(self, op_id: int) -> None:
        self.hh.store.retry_rejected(op_id)
        self.done = Msg.of("inbox.retried")

    def discard(self, op_id: int) -> None:
        self.hh.store.discard_rejected(op_id)
        self.done = Msg.of("inbox.discarded")

"""Uploads the queue in op-id order and settles every entry by the server's verdict.

applied / duplicate / conflict: the entry leaves the queue (a conflict is also kept as a notice with its reason);
rejected: it moves to the `rejected` inbox, never silently dropped. A temporary failure keeps everything queued
and the batch is sent again after an exponential, jittered, capped delay: the server's receipts make a resent
entry change nothing. After entries were settled the client asks for a write checkpoint, which the download
waits for before it lets the server's rows replace the local writes.
"""

from __future__ import annotations

import asyncio
import inspect
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sync.client.download import WRITE_TARGET
from sync.client.records import Notice, PendingWrite
from sync.client.store import LocalStore, dumps, utc_now
from sync.client.transport import SyncRejected, SyncUnavailable
from sync.protocol import Verdict, VerdictStatus

WRITE_NEEDED = "write_checkpoint_needed"  # kv: entries were settled, the write checkpoint is not asked for yet
_SPLITTABLE = (400, 413, 422)  # the batch as a whole was refused: find the entry that causes it


@dataclass
class UploadReport:
    sent: int = 0
    applied: int = 0
    duplicate: int = 0
    conflict: int = 0
    rejected: int = 0
    retries: int = 0
    write_checkpoint: int | None = None
    verdicts: list[Verdict] = field(default_factory=list)


@dataclass
class Backoff:
    """Exponential with jitter, capped; `sleep` (asyncio.sleep, or a plain function: tests record the delays
    instead of waiting) and `rand` are injectable."""

    base_s: float = 0.25
    max_s: float = 30.0
    max_attempts: int = 6
    sleep: Callable[[float], Awaitable[None] | None] = asyncio.sleep
    rand: Callable[[], float] = random.random

    def delay(self, failures: int, retry_after_s: float | None = None) -> float:
        ceiling = min(self.max_s, self.base_s * 2 ** max(0, failures - 1))
        wait = ceiling * (0.5 + self.rand() / 2)
        return min(self.max_s, max(wait, retry_after_s or 0.0))

    async def wait(self, seconds: float) -> None:
        slept = self.sleep(seconds)
        if inspect.isawaitable(slept):
            await slept


class Uploader:
    def __init__(self, store: LocalStore, *, batch_size: int = 1000, backoff: Backoff | None = None,
                 keep_records: bool = False) -> None:
        self.store = store
        self.batch_size = batch_size
        self.backoff = backoff or Backoff()
        self.notices: list[Notice] = []
        self.keep_records = keep_records  # keep every verdict in the report (tests)

    async def upload_pass(self, post: Callable[[dict[str, Any]], Awaitable[Any]],
                          write_checkpoint: Callable[[], Awaitable[int]], *,
                          max_batches: int | None = None) -> UploadReport:
        """Sends the queue (or its first `max_batches` answered batches). Raises SyncUnavailable after
        `max_attempts` failures in a row (the entries stay queued), SyncRejected when the server refuses uploads
        from this user, AuthExpired on a refused token.

        Batches reach the server one after the other, each sent once the one before it is answered; the next one
        leaves while this handheld settles the answer, so neither side waits on the other's bookkeeping."""
        report = UploadReport()
        size, failures, answered = self.batch_size, 0, 0
        async with _Courier(post) as courier:
            batch = self._send_head(courier, size)
            while batch:
                try:
                    answer = await courier.answer()
                except SyncUnavailable as exc:
                    failures += 1
                    report.retries += 1
                    if failures >= self.backoff.max_attempts:
                        raise
                    if exc.timed_out:  # a busy server: ask for less at a time (what it finished is receipted)
                        size = max(1, len(batch) // 2)
                    await self.backoff.wait(self.backoff.delay(failures, exc.retry_after_s))
                    batch = self._send_head(courier, size)
                    continue
                except SyncRejected as exc:
                    if exc.status_code not in _SPLITTABLE:
                        raise
                    if len(batch) > 1:
                        size = max(1, len(batch) // 2)
                        batch = self._send_head(courier, size)
                        continue
                    answer = {"verdicts": [Verdict(batch[0].op_id, VerdictStatus.REJECTED, "refused_by_server",
                                                   exc.detail).to_wire()]}
                failures = 0
                answered += 1
                report.sent += len(batch)
                following = self.store.next_batch(size, after=batch[-1].op_id) \
                    if max_batches is None or answered < max_batches else []
                if following:
                    courier.send(self._body(following))
                    await courier.on_its_way()
                if self._settle(batch, answer, report) == 0:
                    raise SyncUnavailable("the server answered the batch without a verdict for any of its entries")
                batch = following
        if self.store.kv_get(WRITE_NEEDED):
            report.write_checkpoint = self._await_write_checkpoint(await write_checkpoint())
        return report

    def _body(self, batch: list[PendingWrite]) -> dict[str, Any]:
        return {"client_id": self.store.client_id, "batch": [w.to_entry().to_wire() for w in batch]}

    def _send_head(self, courier: _Courier, size: int) -> list[PendingWrite]:
        """Sends the head of the queue, `size` entries at most (every batch answered so far is settled by now:
        after a failure this is the failed batch again); returns what it sent."""
        batch = self.store.next_batch(size)
        if batch:
            courier.send(self._body(batch))
        return batch

    def _settle(self, batch: list[PendingWrite], answer: Any, report: UploadReport) -> int:
        try:
            verdicts = [Verdict.from_wire(v) for v in answer["verdicts"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise SyncUnavailable(f"unreadable upload answer: {str(answer)[:120]}") from exc
        sent = {w.op_id: w for w in batch}
        acked: list[tuple[str, str, int]] = []
        rejected: list[tuple[PendingWrite, Verdict]] = []
        with self.store.write() as db:
            queued = _still_queued(db, list(sent))  # one the app discarded meanwhile is not settled twice
            for v in verdicts:
                w = sent.pop(v.op_id, None)
                if w is None or w.op_id not in queued:
                    continue
                if v.status is VerdictStatus.REJECTED:
                    rejected.append((w, v))
                    report.rejected += 1
                else:
                    acked.append((w.type, w.id, w.op_id))
                    if v.status is VerdictStatus.CONFLICT:
                        self.notices = [*self.notices[-99:], Notice(w.op_id, w.type, w.id, v.code, v.reason)]
                        report.conflict += 1
                    elif v.status is VerdictStatus.DUPLICATE:
                        report.duplicate += 1
                    else:
                        report.applied += 1
                if self.keep_records:
                    report.verdicts.append(v)
            settled = [(op_id,) for _type, _id, op_id in acked] + [(w.op_id,) for w, _v in rejected]
            db.executemany("DELETE FROM crud WHERE op_id = ?", settled)
            db.executemany("INSERT OR REPLACE INTO rejected VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           [(w.op_id, w.tx_id, w.type, w.id, w.op, dumps(w.data), v.code, v.reason, utc_now())
                            for w, v in rejected])
            # A rejected write did not happen: the server's row shows again (unless a later write is queued).
            db.executemany("DELETE FROM overlay WHERE type = ? AND id = ? AND op_id = ?",
                           [(w.type, w.id, w.op_id) for w, _v in rejected])
            db.executemany("UPDATE overlay SET acked = 1 WHERE type = ? AND id = ? AND op_id = ?", acked)
            if acked:
                LocalStore.kv_set(db, WRITE_NEEDED, "1")
        return len(settled)

    def _await_write_checkpoint(self, value: int) -> int:
        with self.store.write() as db:
            LocalStore.kv_set(db, WRITE_TARGET, str(value))
            db.execute("UPDATE overlay SET confirm_at = ? WHERE acked = 1 AND confirm_at IS NULL", (value,))
            LocalStore.kv_set(db, WRITE_NEEDED, None)
        return value


def _still_queued(db: Any, op_ids: list[int]) -> set[int]:
    found: set[int] = set()
    for start in range(0, len(op_ids), 500):
        part = op_ids[start:start + 500]
        found.update(r[0] for r in db.execute(
            f"SELECT op_id FROM crud WHERE op_id IN ({','.join('?' * len(part))})", part))
    return found


class _Courier:
    """Carries one request at a time as a task of its own, so the caller can settle the last answer while the next
    request is on its way; leaving the `async with` block waits for a request still out (its answer is dropped: a
    resend is answered from the server's receipts)."""

    def __init__(self, post: Callable[[dict[str, Any]], Awaitable[Any]]) -> None:
        self._post = post
        self._task: asyncio.Task[Any] | None = None

    def send(self, body: dict[str, Any]) -> None:
        assert self._task is None, "one request at a time"
        self._task = asyncio.ensure_future(self._post(body))

    @staticmethod
    async def on_its_way() -> None:
        """Lets the request task run up to its first wait on the network (settling, which follows, does not yield)."""
        await asyncio.sleep(0)

    async def answer(self) -> Any:
        """The answer to the request out; raises what sending it raised."""
        assert self._task is not None, "nothing was sent"
        task, self._task = self._task, None
        return await task

    async def __aenter__(self) -> _Courier:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, *_exc: object) -> None:
        if self._task is not None:
            task, self._task = self._task, None
            if exc_type is not None and issubclass(exc_type, asyncio.CancelledError):
                task.cancel()  # the sync is being stopped: do not wait for the network
            await asyncio.gather(task, return_exceptions=True)

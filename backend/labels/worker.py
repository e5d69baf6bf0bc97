"""The print worker: an asyncio task the app starts and stops, sending queued ZPL jobs to their printers' port
9100, retrying with backoff, and marking a job failed once its attempts are used up. It starts and stops the
print-rule runner (rule_runner.py) with it, which queues jobs for committed events.

The database is the queue. A job is claimed with a compare-and-set (queued -> sending), so two backend
processes never send one job twice; a job left `sending` by a process that died is queued again once its claim
is older than `lease_s` (a label may then print twice, which is better than never). Database work runs in a
thread (asyncio.to_thread) so the event loop only waits on sockets.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from backend.labels.models import JobStatus, Printer, PrintJob
from backend.labels.rule_runner import RuleRunner
from shared_models.types import utcnow

log = logging.getLogger("lotline.labels")
Send = Callable[[str, int, bytes, float], Awaitable[None]]


async def send_tcp(host: str, port: int, payload: bytes, timeout_s: float) -> None:
    """Writes every byte to host:port and closes; raises OSError or TimeoutError when the printer cannot take
    them. Raw port 9100 has no acknowledgement: a clean close after the last byte is what "sent" means."""
    async with asyncio.timeout(timeout_s):
        _, writer = await asyncio.open_connection(host, port)
        try:
            writer.write(payload)
            await writer.drain()
            if writer.can_write_eof():
                writer.write_eof()
        finally:
            writer.close()
            await writer.wait_closed()


class PrintWorker:
    """`start`/`stop` are the app's lifespan hooks; `wake` (from any thread) has it look for due jobs now."""

    def __init__(self, engine: Engine, *, backoff_s: Sequence[float] = (2, 10, 30, 120), timeout_s: float = 10,
                 lease_s: float = 120, idle_s: float = 30, send: Send = send_tcp) -> None:
        self.engine = engine
        self.backoff_s = tuple(backoff_s)
        self.timeout_s = timeout_s
        self.lease_s = lease_s
        self.idle_s = idle_s  # how long it sleeps with nothing due: jobs another process queued are seen then
        self.send = send
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wakeup: asyncio.Event | None = None
        self.rules = RuleRunner(engine, wake=self.wake)  # jobs made by print rules as events commit

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wakeup = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name="lotline-print-worker")
        await self.rules.start()

    async def stop(self) -> None:
        """Stops after the send in flight (its job then stays `sending` until the lease requeues it)."""
        await self.rules.stop()
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def wake(self) -> None:
        loop, event = self._loop, self._wakeup
        if loop is not None and event is not None and not loop.is_closed():
            loop.call_soon_threadsafe(event.set)

    async def _run(self) -> None:
        assert self._wakeup is not None
        requeued = False  # stale claims are requeued once, in the loop: the app starts even on a database not yet
        while True:       # migrated (the worker then logs and looks again), as the rest of the app does
            self._wakeup.clear()
            try:
                if not requeued:
                    await asyncio.to_thread(self._requeue_stale)
                    requeued = True
                for job_id in await asyncio.to_thread(self._claim_due):
                    await self._attempt(job_id)
                wait = await asyncio.to_thread(self._seconds_to_next)
            except asyncio.CancelledError:
                raise
            except Exception:  # the database away for a moment: log it and look again shortly
                log.exception("print worker: looking for jobs failed; retrying")
                wait = min(self.idle_s, 5.0)
            if wait > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), timeout=wait)

    def _requeue_stale(self) -> None:
        cutoff = utcnow() - timedelta(seconds=self.lease_s)
        with Session(self.engine) as session:
            session.execute(update(PrintJob).where(col(PrintJob.status) == JobStatus.SENDING,
                                                   col(PrintJob.claimed_at) < cutoff)
                            .values(status=JobStatus.QUEUED, next_attempt_at=utcnow()))
            session.commit()

    def _claim_due(self, limit: int = 20) -> list[str]:
        now = utcnow()
        claimed: list[str] = []
        with Session(self.engine) as session:
            due = session.exec(select(PrintJob.id).where(PrintJob.status == JobStatus.QUEUED,
                                                         col(PrintJob.next_attempt_at) <= now)
                               .order_by(col(PrintJob.created_at)).limit(limit)).all()
            for job_id in due:
                won = session.execute(update(PrintJob).where(col(PrintJob.id) == job_id,
                                                             col(PrintJob.status) == JobStatus.QUEUED)
                                      .values(status=JobStatus.SENDING, claimed_at=now,
                                              attempts=PrintJob.attempts + 1))
                session.commit()
                if won.rowcount == 1:  # type: ignore[attr-defined]
                    claimed.append(job_id)
        return claimed

    def _seconds_to_next(self) -> float:
        with Session(self.engine) as session:
            due = session.exec(select(func.min(PrintJob.next_attempt_at))
                               .where(PrintJob.status == JobStatus.QUEUED)).one()
        if due is None:
            return self.idle_s
        return min(self.idle_s, max(0.0, (due - utcnow()).total_seconds()))

    async def _attempt(self, job_id: str) -> None:
        target = await asyncio.to_thread(self._target, job_id)
        if target is None:
            return
        host, port, payload = target
        try:
            await self.send(host, port, payload, self.timeout_s)
        except (OSError, TimeoutError) as exc:
            reason = f"{type(exc).__name__}: {exc}".strip()
            await asyncio.to_thread(self._failed, job_id, reason or type(exc).__name__)
            return
        await asyncio.to_thread(self._sent, job_id)

    def _target(self, job_id: str) -> tuple[str, int, bytes] | None:
        with Session(self.engine) as session:
            job = session.get(PrintJob, job_id)
            printer = session.get(Printer, job.printer_id) if job else None
            if job is None or printer is None or not printer.host:
                if job is not None:
                    self._finish(session, job, JobStatus.FAILED, "the printer has no host to send to")
                return None
            return printer.host, printer.port, job.payload

    def _sent(self, job_id: str) -> None:
        with Session(self.engine) as session:
            job = session.get(PrintJob, job_id)
            if job is not None:
                job.sent_at = utcnow()
                self._finish(session, job, JobStatus.SENT, "")

    def _failed(self, job_id: str, reason: str) -> None:
        """Queued again after the backoff for this attempt, or failed when it was the last."""
        with Session(self.engine) as session:
            job = session.get(PrintJob, job_id)
            if job is None:
                return
            if job.attempts >= job.max_attempts:
                log.warning("print job %s failed after %d attempts: %s", job.id, job.attempts, reason)
                self._finish(session, job, JobStatus.FAILED, reason)
                return
            delay = self.backoff_s[min(job.attempts, len(self.backoff_s)) - 1] if self.backoff_s else 0
            job.next_attempt_at = utcnow() + timedelta(seconds=delay)
            self._finish(session, job, JobStatus.QUEUED, reason)

    @staticmethod
    def _finish(session: Session, job: PrintJob, status: JobStatus, error: str) -> None:
        job.status, job.last_error = status, error[:500]
        session.add(job)
        session.commit()

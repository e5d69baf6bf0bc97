"""The webhook worker: an asyncio task the app starts and stops. It fans committed outbox messages out to the
subscriptions, then POSTs each subscription's deliveries in order with httpx: signed (backend.outbox.signing),
at least once, retried with exponential backoff and jitter, a dead letter after the subscription's attempts.

Subscriptions are served side by side; within one, a message is sent only once the one before it was delivered
or became a dead letter. Database work runs in a thread (asyncio.to_thread) so the event loop only waits on
sockets, as the print worker does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session

from backend.outbox import queue, recorder
from backend.outbox.signing import IDEMPOTENCY_KEY, SIGNATURE, TIMESTAMP, sign

log = logging.getLogger("lotline.webhooks")
T = TypeVar("T")
USER_AGENT = "Lotline-Webhooks/1"


class WebhookWorker:
    """`start`/`stop` are the app's lifespan hooks; `wake` (from any thread) has it look for work now."""

    def __init__(self, engine: Engine, *, backoff: queue.Backoff | None = None, timeout_s: float = 10,
                 lease_s: float = 120, idle_s: float = 5, batch: int = 50,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        recorder.install()  # messages are written from now on, whether or not this worker ever runs
        self.engine = engine
        self.backoff = backoff or queue.Backoff()
        self.timeout_s = timeout_s
        self.lease_s = lease_s
        self.idle_s = idle_s  # how long it sleeps with nothing due: what another process committed is seen then
        self.batch = batch    # deliveries claimed at once from a subscription's line (sent one by one, in order)
        self.transport = transport
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wakeup: asyncio.Event | None = None
        self._client: httpx.AsyncClient | None = None
        self._drains: dict[str, asyncio.Task[None]] = {}  # subscription id -> its sender

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wakeup = asyncio.Event()
        self._client = httpx.AsyncClient(timeout=self.timeout_s, transport=self.transport, follow_redirects=False,
                                         headers={"User-Agent": USER_AGENT})
        recorder.on_messages_committed(self.engine, self.wake)
        self._task = asyncio.create_task(self._run(), name="lotline-webhook-worker")

    async def stop(self) -> None:
        """Stops now: a send cut off is handed back to the line (so it is sent again later: at least once)."""
        recorder.off_messages_committed(self.engine, self.wake)
        task, self._task = self._task, None
        tasks = [t for t in (task, *self._drains.values()) if t is not None]
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await t
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def wake(self) -> None:
        loop, event = self._loop, self._wakeup
        if loop is not None and event is not None and not loop.is_closed():
            loop.call_soon_threadsafe(event.set)

    async def _db(self, fn: Callable[..., T], *args: Any) -> T:
        def run() -> T:
            with Session(self.engine, expire_on_commit=False) as session:
                return fn(session, *args)
        return await asyncio.to_thread(run)

    async def _run(self) -> None:
        assert self._wakeup is not None
        requeued_at = -float("inf")
        while True:
            self._wakeup.clear()
            try:
                if time.monotonic() - requeued_at > self.lease_s / 2:  # a process that died left some `sending`
                    await self._db(queue.requeue_stale, self.lease_s)
                    requeued_at = time.monotonic()
                while await self._db(queue.fan_out) > 0:
                    pass
                for subscription_id in await self._db(queue.due_subscriptions):
                    if subscription_id not in self._drains:
                        self._drains[subscription_id] = asyncio.create_task(
                            self._drain(subscription_id), name=f"lotline-webhooks-{subscription_id}")
                wait = await self._db(queue.seconds_to_next, self.idle_s, frozenset(self._drains))
            except asyncio.CancelledError:
                raise
            except Exception:  # the database away for a moment: log it and look again shortly
                log.exception("webhook worker: looking for deliveries failed; retrying")
                wait = min(self.idle_s, 2.0)
            if wait > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), timeout=wait)

    async def _drain(self, subscription_id: str) -> None:
        """One subscription's sender: claims its line a batch at a time and sends it in order; after a failure it
        waits out the head's backoff itself (the later messages wait with it). Ends when nothing is due within
        `idle_s` (the main loop starts it again when something is)."""
        size = self.batch
        try:
            while True:
                batch = await self._db(queue.claim_batch, subscription_id, size)
                if not batch:
                    wait = await self._db(queue.head_wait, subscription_id)
                    if wait is None or wait > self.idle_s:
                        return
                    await asyncio.sleep(wait)
                    continue
                wait = await self._send(batch)
                # A receiver that just failed gets small batches (what a failure hands back was claimed for
                # nothing), growing again while it takes them all, as TCP's slow start does.
                size = 1 if wait is not None else min(self.batch, size * 2)
                if wait is not None and 0 < wait <= self.idle_s:
                    await asyncio.sleep(wait)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("webhook worker: sending for subscription %s failed; retrying", subscription_id)
            await asyncio.sleep(min(self.idle_s, 2.0))  # the main loop starts it again at once: not in a spin
        finally:
            self._drains.pop(subscription_id, None)
            self.wake()

    async def _send(self, batch: list[queue.Target]) -> float | None:
        """Sends in order, stops at the first failure; returns None when all went, else the failed one's backoff
        (0 when it became a dead letter)."""
        claimed = time.monotonic()
        delivered: list[tuple[int, int]] = []
        failed: tuple[int, int | None, str] | None = None
        released: list[int] = []
        try:
            for n, target in enumerate(batch):
                if time.monotonic() - claimed > self.lease_s / 2:  # a slow receiver: hand the rest back before
                    released = [t.delivery_id for t in batch[n:]]  # another worker thinks the claim was lost
                    break
                released = [t.delivery_id for t in batch[n:]]  # should this one be cut off by stop()
                status, reason = await self._attempt(target)
                if reason is None:
                    delivered.append((target.delivery_id, status or 0))
                    released = []
                    continue
                failed = (target.delivery_id, status, reason)
                released = [t.delivery_id for t in batch[n + 1:]]
                break
        except asyncio.CancelledError:  # stopping: what is known is kept, the rest goes back in line now
            self._record_now(queue.Outcome(delivered, None, released))
            raise
        return await self._db(queue.record, queue.Outcome(delivered, failed, released), self.backoff)

    def _record_now(self, outcome: queue.Outcome) -> None:
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                queue.record(session, outcome, self.backoff)
        except Exception:  # the lease puts them back later
            log.exception("webhook worker: handing back %d deliveries on stop failed", len(outcome.released))

    async def _attempt(self, target: queue.Target) -> tuple[int | None, str | None]:
        """(HTTP status, None) when delivered; (status or None, why) when not."""
        assert self._client is not None
        timestamp = int(time.time())
        headers = {"Content-Type": "application/json", SIGNATURE: sign(target.secret, timestamp, target.body),
                   TIMESTAMP: str(timestamp), IDEMPOTENCY_KEY: target.key, "X-Lotline-Topic": target.topic,
                   "X-Lotline-Delivery": str(target.delivery_id), "X-Lotline-Attempt": str(target.attempt)}
        try:
            answer = await self._client.post(target.url, content=target.body, headers=headers)
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}".strip()
        if 200 <= answer.status_code < 300:
            return answer.status_code, None
        return answer.status_code, f"HTTP {answer.status_code}: {answer.text[:200]}"

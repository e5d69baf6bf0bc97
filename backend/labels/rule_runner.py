"""The print-rule runner: an asyncio task the print worker starts and stops, turning committed events into print
jobs by rule without any request waiting on it.

Two ways in, one piece of work (RulePrinting.run, idempotent per rule and event):
- fast: an after-commit listener (backend/hooks.py) hands the committed event ids over; the task reads them in a
  thread moments later;
- sweep: every `sweep_s` (and once at start) it asks the database for events of a rule's kind, recorded since
  the rule was made and occurred within `lookback`, that have no run row yet. An event committed while this
  process was down, by another process, through a path that announces nothing, or whose listener call failed
  is printed by the next sweep. Only an event that reaches the server more than `lookback` after it occurred
  (a device offline for over a week, by default) and also misses the fast path is left unprinted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from backend import hooks
from backend.labels.rule_service import RulePrinting

log = logging.getLogger("lotline.labels")
SWEEP_BATCH, SWEEP_PASSES = 200, 10


class RuleRunner:
    def __init__(self, engine: Engine, *, wake: Callable[[], None], sweep_s: float = 60,
                 lookback: timedelta = timedelta(days=7)) -> None:
        self.engine = engine
        self.wake = wake          # the print worker's: jobs were queued
        self.sweep_s = sweep_s
        self.lookback = lookback
        self._pending: deque[str] = deque()
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wakeup: asyncio.Event | None = None
        self._next_sweep = 0.0

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wakeup = asyncio.Event()
        self._next_sweep = 0.0
        hooks.on_events_committed(self.engine, self.heard)
        self._task = asyncio.create_task(self._run(), name="lotline-print-rules")

    async def stop(self) -> None:
        hooks.off_events_committed(self.engine, self.heard)
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def heard(self, event_ids: list[str]) -> None:
        """The after-commit listener: runs in the committing thread, so it only notes the ids and wakes the task."""
        self._pending.extend(event_ids)
        loop, event = self._loop, self._wakeup
        if loop is not None and event is not None and not loop.is_closed():
            loop.call_soon_threadsafe(event.set)

    def sweep_now(self) -> None:
        """Has the task sweep at its next turn (from any thread)."""
        self._next_sweep = 0.0
        loop, event = self._loop, self._wakeup
        if loop is not None and event is not None and not loop.is_closed():
            loop.call_soon_threadsafe(event.set)

    async def _run(self) -> None:
        assert self._wakeup is not None
        while True:
            self._wakeup.clear()
            try:
                ids = [self._pending.popleft() for _ in range(len(self._pending))]
                queued = await asyncio.to_thread(self._print, ids) if ids else 0
                if time.monotonic() >= self._next_sweep:
                    queued += await asyncio.to_thread(self._sweep)
                    self._next_sweep = time.monotonic() + self.sweep_s
                if queued:
                    self.wake()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database away for a moment: what was missed, the next sweep finds
                log.exception("print rules: queuing labels for events failed; the sweep will catch up")
                self._next_sweep = time.monotonic() + 5  # not sooner: a database without the tables fails at once
            wait = max(0.0, self._next_sweep - time.monotonic())
            if not self._pending:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), timeout=wait)

    def _print(self, event_ids: list[str]) -> int:
        with Session(self.engine, expire_on_commit=False) as session:
            return RulePrinting(session).for_events(event_ids)

    def _sweep(self) -> int:
        queued = 0
        with Session(self.engine, expire_on_commit=False) as session:
            printing = RulePrinting(session)
            for _ in range(SWEEP_PASSES):  # bounded: the rest waits for the next sweep
                pairs = printing.due(lookback=self.lookback, limit=SWEEP_BATCH)
                queued += printing.run_all(pairs)
                if len(pairs) < SWEEP_BATCH:
                    break
        return queued

"""An app's warnings machinery while it runs: rules evaluated right after each commit through its database, the
notifications they raise sent off the request's thread, and (LOTLINE_SCHEDULER=1) the periodic sweep."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.engine import Engine
from sqlmodel import Session

from backend import hooks
from backend.warnings.notify import Notifier
from backend.warnings.scheduler import WarningScheduler
from backend.warnings.scheduler import enabled as scheduler_enabled
from backend.warnings.service import RuleCache, WarningService

log = logging.getLogger("lotline.warnings")


class WarningsRuntime:
    """Built by the app for its engine; `start` and `stop` are its lifespan hooks. `scheduler`: run the sweep
    (default: LOTLINE_SCHEDULER=1). `rules` is the cache the fast path reads rules through; a service that changes
    a rule is given it (`WarningService(session, cache=runtime.rules)`) so the change counts at once."""

    def __init__(self, engine: Engine, *, scheduler: bool | None = None, notifier: Notifier | None = None) -> None:
        self.engine = engine
        self.rules = RuleCache()
        self.notifier = notifier
        self.scheduler: WarningScheduler | None = None
        self._sweeps = scheduler_enabled() if scheduler is None else scheduler
        self._deliveries: ThreadPoolExecutor | None = None

    @property
    def running(self) -> bool:
        return self._deliveries is not None

    def start(self) -> None:
        """The fast path on for this engine's commits, and the sweep when asked for; raises RuntimeError when it
        already runs."""
        if self.running:
            raise RuntimeError("the warnings runtime already runs")
        self.rules.forget()
        self._deliveries = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lotline-notify")
        hooks.install()
        hooks.on_events_committed(self.engine, self.evaluate_committed)
        if self._sweeps:
            self.scheduler = WarningScheduler(self.engine, notifier=self.notifier)
            self.scheduler.start()

    def stop(self) -> None:
        """Stops the sweep (handing its lease back) and the fast path; waits for a notification being sent, and
        leaves those not started pending for the next sweep."""
        if self.scheduler is not None:
            self.scheduler.shutdown()
            self.scheduler = None
        hooks.off_events_committed(self.engine, self.evaluate_committed)
        pool, self._deliveries = self._deliveries, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def evaluate_committed(self, event_ids: list[str]) -> None:
        """The after-commit hook: the rules these events can make true, and the warnings they raise sent off."""
        with Session(self.engine, expire_on_commit=False) as session:
            raised = WarningService(session, cache=self.rules).evaluate_events(event_ids)
        pool = self._deliveries
        if not raised or pool is None:
            return
        try:  # sent off the request's thread: a slow webhook must not hold up the answer to the handheld
            pool.submit(self._deliver, [w.id for w in raised])
        except RuntimeError:  # stopping meanwhile: the notifications stay pending for the next sweep
            log.info("warnings runtime stopping: %d warning(s) left for the sweep to notify", len(raised))

    def _deliver(self, warning_ids: list[str]) -> None:
        with Session(self.engine, expire_on_commit=False) as session:
            (self.notifier or Notifier()).deliver_pending(session, warning_ids)

"""预警: warning rules, their evaluation on new events and on a schedule, and notifications.

`startup(app)` / `shutdown(app)` are the app's hooks: they point the after-commit fast path at the app's
database and, when LOTLINE_SCHEDULER=1, run the periodic sweep.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from backend import hooks
from backend.warnings.notify import Notifier, NotifyConfig, NotifySettings, sign
from backend.warnings.rules import KINDS, Finding, RuleMisconfigured, evaluate
from backend.warnings.scheduler import WarningScheduler, release_lease, take_lease
from backend.warnings.scheduler import enabled as scheduler_enabled
from backend.warnings.service import RULES, WarningNotLive, WarningService

log = logging.getLogger("lotline.warnings")
_lock = threading.Lock()
_engines: list[Engine] = []                 # the databases of the apps running in this process
_deliveries: ThreadPoolExecutor | None = None
_scheduler: WarningScheduler | None = None


def install(engine: Engine) -> None:
    """Registers the fast path: warnings for committed events are raised right after the commit."""
    global _deliveries
    RULES.forget()
    with _lock:
        _engines.append(engine)
        if _deliveries is None:
            _deliveries = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lotline-notify")
    hooks.on_events_committed(_on_events_committed)


def uninstall(engine: Engine) -> None:
    """Stops the fast path for this database; waits for notifications already handed to the sender."""
    global _deliveries
    RULES.forget()
    with _lock:
        if engine in _engines:
            _engines.remove(engine)
        pool = _deliveries if not _engines else None
        if pool is not None:
            _deliveries = None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)   # what was not started stays pending for the sweep


def _on_events_committed(event_ids: list[str]) -> None:
    # The hook doesn't say which database committed; with one app per process (production) there is one to ask,
    # and a database that doesn't hold these events finds nothing.
    with _lock:
        engines = list(dict.fromkeys(_engines))
        pool = _deliveries
    for engine in engines:
        with Session(engine, expire_on_commit=False) as session:
            raised = WarningService(session).evaluate_events(event_ids, rules=RULES)
        if raised and pool is not None:
            # Sent off the request's thread: a slow webhook must not hold up the answer to the handheld.
            pool.submit(_deliver, engine, [w.id for w in raised])


def _deliver(engine: Engine, warning_ids: list[str]) -> None:
    with Session(engine, expire_on_commit=False) as session:
        Notifier().deliver_pending(session, warning_ids)


def startup(app: Any) -> None:
    global _scheduler
    engine = app.state.engine
    install(engine)
    if scheduler_enabled() and _scheduler is None:
        _scheduler = WarningScheduler(engine)
        _scheduler.start()


def shutdown(app: Any) -> None:
    global _scheduler
    if _scheduler is not None and _scheduler.engine is app.state.engine:
        _scheduler.shutdown()
        _scheduler = None
    uninstall(app.state.engine)


__all__ = [
    "KINDS",
    "Finding",
    "Notifier",
    "NotifyConfig",
    "NotifySettings",
    "RuleMisconfigured",
    "WarningNotLive",
    "WarningScheduler",
    "WarningService",
    "evaluate",
    "install",
    "release_lease",
    "scheduler_enabled",
    "shutdown",
    "sign",
    "startup",
    "take_lease",
    "uninstall",
]

"""The periodic warnings sweep: an APScheduler interval job in each backend, run by one backend at a time.

Every backend that has the scheduler on (LOTLINE_SCHEDULER=1) runs the job. Each run first takes or renews the
lease row "warnings-sweep" in one statement (insert, or update only where we already hold it or it has lapsed); a
run that doesn't get it does nothing. A backend that stops hands the lease back; one that dies loses it when it
lapses. The lease, not a shared job store, is what makes one backend sweep: the job itself is the scheduler's own
method, so it needs nothing of the process to find what to run.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session

from backend.warnings.models import SchedulerLease
from backend.warnings.notify import Notifier
from backend.warnings.service import WarningService
from shared_models.types import utcnow

log = logging.getLogger("lotline.warnings.scheduler")
LEASE = "warnings-sweep"
JOB_ID = "warnings-sweep"
ENABLED_ENV = "LOTLINE_SCHEDULER"
INTERVAL_ENV = "LOTLINE_SWEEP_MINUTES"


def enabled() -> bool:
    return os.environ.get(ENABLED_ENV, "") == "1"


def interval_from_env() -> timedelta:
    return timedelta(minutes=float(os.environ.get(INTERVAL_ENV) or 5))


def default_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:128]


def take_lease(engine: Engine, holder: str, ttl: timedelta, *, name: str = LEASE,
               now: datetime | None = None) -> bool:
    """True when `holder` holds the lease until now + ttl: it was free, lapsed, or already ours."""
    now = now or utcnow()
    table = SchedulerLease.__table__
    insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
    statement = insert(table).values(name=name, holder=holder, expires_at=now + ttl)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.name],
        set_={"holder": statement.excluded.holder, "expires_at": statement.excluded.expires_at},
        where=(table.c.holder == statement.excluded.holder) | (table.c.expires_at <= now),
    ).returning(table.c.holder)
    with engine.begin() as conn:
        return conn.execute(statement).first() is not None


def release_lease(engine: Engine, holder: str, *, name: str = LEASE, now: datetime | None = None) -> None:
    """Lets the lease lapse now, if `holder` has it, so another backend takes over at its next run."""
    table = SchedulerLease.__table__
    with engine.begin() as conn:
        conn.execute(update(table).where(table.c.name == name, table.c.holder == holder)
                     .values(expires_at=now or utcnow()))


class WarningScheduler:
    """`run_once` is one sweep under the lease; `start` runs it every `interval` until `shutdown`."""

    def __init__(self, engine: Engine, *, interval: timedelta | None = None, lease_ttl: timedelta | None = None,
                 holder: str | None = None, notifier: Notifier | None = None,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.engine = engine
        self.interval = interval or interval_from_env()
        self.lease_ttl = lease_ttl or max(self.interval * 3, timedelta(minutes=1))
        self.holder = holder or default_holder()
        self.notifier = notifier or Notifier()
        self.clock = clock
        self._scheduler: BackgroundScheduler | None = None

    def run_once(self) -> bool:
        """Sweeps and delivers pending notifications if this backend holds the lease; False when another does."""
        if not take_lease(self.engine, self.holder, self.lease_ttl, now=self.clock()):
            log.info("warnings sweep skipped by %s: another backend holds the lease", self.holder)
            return False
        with Session(self.engine, expire_on_commit=False) as session:
            raised = WarningService(session, now=self.clock).sweep()
            self.notifier.deliver_pending(session)
        log.info("warnings sweep ran as %s: %d warning(s) raised", self.holder, len(raised))
        return True

    def start(self) -> None:
        """Runs `run_once` every `interval` on a thread of its own until `shutdown`; raises RuntimeError when this
        scheduler already runs."""
        if self._scheduler is not None:
            raise RuntimeError(f"the warnings scheduler {self.holder} already runs")
        seconds = self.interval.total_seconds()
        scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": max(1, int(seconds))},
            timezone=UTC)
        scheduler.add_job(self.run_once, "interval", seconds=seconds, id=JOB_ID, name="warnings sweep")
        scheduler.start()
        self._scheduler = scheduler
        log.info("warnings scheduler started as %s, sweeping every %s", self.holder, self.interval)

    def shutdown(self) -> None:
        """Waits for a sweep under way, then hands the lease back so another backend takes over at its next run."""
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)
            self._scheduler = None
            release_lease(self.engine, self.holder)

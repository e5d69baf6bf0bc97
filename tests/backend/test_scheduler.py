"""The sweep runs on one backend at a time: a lease row taken or renewed in one statement before each run."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from litestar.testing import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from backend.app import create_app
from backend.config import Settings
from backend.quality.models import Inspection, InspectionPlan
from backend.warnings.models import QualityWarning, SchedulerLease, WarningRule
from backend.warnings.notify import Notifier, NotifySettings
from backend.warnings.scheduler import WarningScheduler, default_holder, release_lease, take_lease
from shared_models.enums import InspectionStage
from shared_models.trace import Unit
from shared_models.types import utcnow
from tests.backend.story import receive
from tests.conftest import POSTGRES_URL
from tests.factories import Plant

ROOT = Path(__file__).resolve().parents[2]
TTL = timedelta(seconds=30)


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self):  # type: ignore[no-untyped-def]
        return self.now


def test_a_lease_goes_to_one_holder_until_it_lapses_or_is_released(engine: Engine) -> None:
    t0 = utcnow()
    assert take_lease(engine, "backend-a", TTL, now=t0)
    assert not take_lease(engine, "backend-b", TTL, now=t0 + timedelta(seconds=1))
    assert take_lease(engine, "backend-a", TTL, now=t0 + timedelta(seconds=20))   # renewed to t0 + 50 s
    assert not take_lease(engine, "backend-b", TTL, now=t0 + timedelta(seconds=45))
    assert take_lease(engine, "backend-b", TTL, now=t0 + timedelta(seconds=51))   # lapsed: b takes over
    assert not take_lease(engine, "backend-a", TTL, now=t0 + timedelta(seconds=52))
    release_lease(engine, "backend-a", now=t0 + timedelta(seconds=53))            # not a's to release
    assert not take_lease(engine, "backend-a", TTL, now=t0 + timedelta(seconds=54))
    release_lease(engine, "backend-b", now=t0 + timedelta(seconds=55))
    assert take_lease(engine, "backend-a", TTL, now=t0 + timedelta(seconds=56))
    with Session(engine) as s:
        assert s.exec(select(SchedulerLease.holder)).all() == ["backend-a"]


def fail_three_times(session: Session) -> WarningRule:
    rule = WarningRule(code="iqc-streak", kind="consecutive_failures", params={"n": 3})
    receive(session, "RESIN-01", "R1", 10)
    plan = InspectionPlan(code="IQC", name="IQC", stage=InspectionStage.IQC)
    session.add_all([rule, plan])
    session.flush()
    unit = session.exec(select(Unit)).one()
    for n in range(3):
        session.add(Inspection(id=str(uuid4()), plan_id=plan.id, unit_id=unit.id, stage=InspectionStage.IQC,
                               site_id=unit.site_id, lot_size=10, sample_size=2, accept=0, reject=1,
                               verdict="fail", occurred_at=utcnow() - timedelta(minutes=10 - n)))
    session.commit()
    return rule


def test_of_two_schedulers_on_one_database_only_the_lease_holder_sweeps(engine: Engine, session: Session,
                                                                        plant: Plant) -> None:
    fail_three_times(session)
    clock = Clock()
    notifier = Notifier(NotifySettings(backoff_s=0))
    a = WarningScheduler(engine, interval=timedelta(minutes=5), holder="host-a:1", notifier=notifier, clock=clock)
    b = WarningScheduler(engine, interval=timedelta(minutes=5), holder="host-b:2", notifier=notifier, clock=clock)
    assert (a.run_once(), b.run_once()) == (True, False)
    clock.now += timedelta(minutes=5)
    assert (b.run_once(), a.run_once()) == (False, True)
    assert len(session.exec(select(QualityWarning)).all()) == 1
    clock.now += a.lease_ttl + timedelta(minutes=5)      # a is gone: its lease lapses
    assert b.run_once()
    assert not a.run_once()


SCRIPT = textwrap.dedent("""
    import logging, signal, sys, time
    from datetime import timedelta
    from backend.db import make_engine
    from backend.warnings.notify import Notifier, NotifySettings
    from backend.warnings.scheduler import WarningScheduler

    url, schema, holder = sys.argv[1], sys.argv[2] or None, sys.argv[3]
    logging.basicConfig(stream=sys.stdout, level=logging.WARNING, format="%(message)s")
    logging.getLogger("lotline.warnings.scheduler").setLevel(logging.INFO)
    engine = make_engine(url, schema=schema)
    scheduler = WarningScheduler(engine, interval=timedelta(seconds=0.5), lease_ttl=timedelta(seconds=60),
                                 holder=holder, notifier=Notifier(NotifySettings(backoff_s=0)))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    scheduler.start()
    print("started", flush=True)
    try:
        while True:
            time.sleep(0.1)
    finally:
        scheduler.shutdown()
        print("stopped", flush=True)
""")


class Backend:
    """A second process running the scheduler, as another backend on the same database would."""

    def __init__(self, engine: Engine, holder: str, log: Path) -> None:
        if engine.dialect.name == "sqlite":
            url, schema = engine.url.render_as_string(hide_password=False), ""
        else:
            with engine.connect() as conn:
                url, schema = POSTGRES_URL, conn.execute(text("SELECT current_schema()")).scalar_one()
        self.log = log
        self._out = log.open("w")
        self.process = subprocess.Popen([sys.executable, "-c", SCRIPT, url, schema, holder], cwd=ROOT,
                                        stdout=self._out, stderr=subprocess.STDOUT,
                                        env={**os.environ, "PYTHONPATH": str(ROOT)})

    def lines(self) -> list[str]:
        return self.log.read_text().splitlines()

    def count(self, word: str) -> int:
        return sum(word in line for line in self.lines())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._out.close()


def wait_for(condition, timeout: float = 40.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def test_two_running_schedulers_sweep_on_exactly_one_and_hand_over_on_stop(engine: Engine, session: Session,
                                                                          plant: Plant, tmp_path: Path) -> None:
    fail_three_times(session)
    a = Backend(engine, "backend-a", tmp_path / "a.log")
    b = None
    try:
        assert wait_for(lambda: a.count("ran as backend-a") >= 1), a.lines()
        b = Backend(engine, "backend-b", tmp_path / "b.log")
        assert wait_for(lambda: "started" in b.lines()), b.lines()
        ran_before = a.count("ran as backend-a")
        assert wait_for(lambda: a.count("ran as backend-a") >= ran_before + 6), a.lines()
        assert b.count("ran as") == 0, b.lines()                        # b skips: a holds the lease
        a.stop()
        assert "stopped" in a.lines(), a.lines()
        assert wait_for(lambda: b.count("ran as backend-b") >= 1), b.lines()  # released: b takes over
    finally:
        a.stop()
        if b is not None:
            b.stop()
    session.expire_all()
    assert len(session.exec(select(QualityWarning)).all()) == 1
    assert session.exec(select(SchedulerLease.holder)).all() == ["backend-b"]


def test_the_app_sweeps_when_the_scheduler_is_on_and_hands_the_lease_back_on_shutdown(
        engine: Engine, settings: Settings, plant: Plant, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOTLINE_SCHEDULER", "1")
    monkeypatch.setenv("LOTLINE_SWEEP_MINUTES", "0.01")

    def lease() -> SchedulerLease | None:
        with Session(engine) as s:
            return s.get(SchedulerLease, "warnings-sweep")

    def rules() -> int:
        with Session(engine) as s:
            return len(s.exec(select(WarningRule)).all())

    with TestClient(create_app(settings, engine)):
        assert wait_for(lambda: rules() == 9)   # the first sweep seeds them
        held = lease()
        assert held is not None and held.holder == default_holder() and held.expires_at > utcnow()
    released = lease()
    assert released is not None and released.expires_at <= utcnow()


@pytest.mark.parametrize("value", ["", "0"])
def test_the_scheduler_is_off_unless_asked_for(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from backend.warnings.scheduler import enabled as scheduler_enabled

    monkeypatch.setenv("LOTLINE_SCHEDULER", value)
    assert not scheduler_enabled()
    monkeypatch.setenv("LOTLINE_SCHEDULER", "1")
    assert scheduler_enabled()

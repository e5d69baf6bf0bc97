"""Failed log-ins counted per username and per client address, in the database (every backend process shares
the counts): past the limit, every attempt answers 429 until the window that opened with the first failure has
passed, whether or not the password is right."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from backend.auth.errors import LoginThrottled
from backend.auth.models import LoginThrottle
from backend.config import Settings

_TABLE: Any = LoginThrottle.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class ThrottleLimits:
    per_user: int
    per_ip: int
    window_s: int

    @classmethod
    def of(cls, settings: Settings) -> ThrottleLimits:
        return cls(settings.login_failures_per_user, settings.login_failures_per_ip, settings.login_window_s)


def user_key(username: str) -> str:
    return f"user:{username[:100]}"


def ip_key(address: str) -> str:
    return f"ip:{address[:100]}"


class Throttle:
    """One log-in attempt's view of the counters: `check` first, then `failed` or `succeeded`."""

    def __init__(self, session: Session, limits: ThrottleLimits, *, username: str, address: str | None,
                 now: datetime) -> None:
        self.session = session
        self.limits = limits
        self.now = now
        self.cutoff = now - timedelta(seconds=limits.window_s)  # a window that opened at or before this is over
        self.keys = {user_key(username): limits.per_user}
        if address:
            self.keys[ip_key(address)] = limits.per_ip
        self._counted: set[str] = set()

    def check(self) -> None:
        """Raises LoginThrottled while a counter in its window has reached its limit (one indexed read)."""
        rows = self.session.exec(select(LoginThrottle).where(col(LoginThrottle.key).in_(list(self.keys)),
                                                             LoginThrottle.window_started_at > self.cutoff)).all()
        self._counted = {r.key for r in rows}
        for row in sorted(rows, key=lambda r: r.key, reverse=True):  # "user:" before "ip:": the likelier cause
            if row.failures >= self.keys[row.key]:
                closes = row.window_started_at + timedelta(seconds=self.limits.window_s)
                raise LoginThrottled(row.key.split(":", 1)[0], max(1, math.ceil((closes - self.now).total_seconds())))

    def failed(self) -> None:
        """Counts one failure against every key, atomically (concurrent processes add up); drops counters whose
        window is over. The caller commits."""
        insert = postgresql.insert if self.session.get_bind().dialect.name == "postgresql" else sqlite.insert
        for key in self.keys:
            stmt = insert(_TABLE).values(key=key, failures=1, window_started_at=self.now)
            over = _TABLE.c.window_started_at <= self.cutoff
            self.session.execute(stmt.on_conflict_do_update(index_elements=[_TABLE.c.key], set_={
                "failures": case((over, 1), else_=_TABLE.c.failures + 1),
                "window_started_at": case((over, stmt.excluded.window_started_at),
                                          else_=_TABLE.c.window_started_at)}))
        self.session.execute(delete(_TABLE).where(_TABLE.c.window_started_at <= self.cutoff))

    def succeeded(self) -> None:
        """A right password resets the username's counter (not the address's). The caller commits."""
        key = next(iter(self.keys))
        if key in self._counted:
            self.session.execute(delete(_TABLE).where(_TABLE.c.key == key))

"""Warning rules, the warnings they raise, their deliveries and the scheduler lease (server-only tables)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from shared_models.enums import WarningState
from shared_models.types import UTCDateTime, enum_type, json_dict, new_id, utcnow


class WarningRule(SQLModel, table=True):
    """预警规则 as data: a kind of check with its parameters, severity and who hears about it."""

    __tablename__ = "warning_rule"
    id: str = Field(default_factory=new_id, primary_key=True)
    code: str = Field(max_length=64, unique=True)
    kind: str = Field(max_length=64)
    params: dict[str, Any] = json_dict()
    severity: str = Field(default="major", max_length=16)
    enabled: bool = Field(default=True)
    notify: dict[str, Any] = json_dict()          # {"webhooks": [...], "emails": [...]}
    name_en: str = Field(default="", max_length=200)
    name_zh: str = Field(default="", max_length=200)


class QualityWarning(SQLModel, table=True):
    """预警: one open situation per rule and key; it fires once until it is closed."""

    __tablename__ = "warning"
    __table_args__ = (Index("ix_warning_rule_key_state", "rule_id", "dedupe_key", "state"),)
    id: str = Field(default_factory=new_id, primary_key=True)
    rule_id: str = Field(foreign_key="warning_rule.id")
    dedupe_key: str = Field(max_length=200)
    state: WarningState = Field(default=WarningState.OPEN, sa_type=enum_type(WarningState))
    severity: str = Field(max_length=16)
    message: str = Field(max_length=1000)
    context: dict[str, Any] = json_dict()
    opened_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    acknowledged_by: str | None = Field(default=None, foreign_key="app_user.id")
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_by: str | None = Field(default=None, foreign_key="app_user.id")


class Notification(SQLModel, table=True):
    """One delivery of a warning over one channel, with its attempts."""

    id: str = Field(default_factory=new_id, primary_key=True)
    warning_id: str = Field(foreign_key="warning.id", index=True)
    channel: str = Field(max_length=16)       # webhook | email
    target: str = Field(max_length=500)
    status: str = Field(default="pending", max_length=16)  # pending | sent | failed
    attempts: int = 0
    last_error: str = Field(default="", max_length=1000)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SchedulerLease(SQLModel, table=True):
    """Which backend runs scheduled jobs now; a lease that lapses passes to another."""

    __tablename__ = "scheduler_lease"
    name: str = Field(primary_key=True, max_length=64)
    holder: str = Field(max_length=128)
    expires_at: datetime = Field(sa_type=UTCDateTime)

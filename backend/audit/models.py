"""The audit trail's one table: who changed which record of master data, gates, rules, users or recalls."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from shared_models.types import UTCDateTime, utcnow


class AuditEntry(SQLModel, table=True):
    """One change, written in the transaction that made it. `before`/`after`: the whole record for create and
    delete, only the changed fields otherwise. No foreign keys: the trail outlives what it describes."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entity", "entity_type", "entity_key", "id"),
        Index("ix_audit_at", "at"),
    )
    id: int | None = Field(default=None, primary_key=True)  # the order entries were written in; the page cursor
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor_user_id: str | None = Field(default=None, max_length=36)
    actor_username: str = Field(max_length=64)
    entity_type: str = Field(max_length=32)
    entity_id: str = Field(max_length=36)
    entity_key: str = Field(max_length=128)   # what people call it: a code, a part no., a username
    action: str = Field(max_length=16)        # create | update | deactivate | delete | transition
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))

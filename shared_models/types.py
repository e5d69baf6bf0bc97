"""Column types and id/time helpers that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from uuid import uuid4

from sqlalchemy import JSON, Column, DateTime
from sqlalchemy import Enum as SAEnum
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field


def new_id() -> str:
    """A text UUID, made where the record is born so offline records never collide."""
    return str(uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC; always hands back an aware datetime (SQLite drops the offset otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} given; Lotline stores UTC-aware times only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def json_dict() -> Any:
    """A JSON object column that starts empty."""
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


def json_list() -> Any:
    """A JSON array column that starts empty."""
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


def enum_type(enum_cls: type[StrEnum]) -> SAEnum:
    """Store an enum's value as plain text: readable in raw SQL and sync payloads, no PG enum types to migrate."""
    return SAEnum(enum_cls, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e],
                  validate_strings=True)

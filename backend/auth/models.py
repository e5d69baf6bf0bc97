"""Users and the log-in throttle's counters (server-only tables)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from shared_models.enums import Role
from shared_models.types import UTCDateTime, enum_type, new_id, utcnow


class User(SQLModel, table=True):
    __tablename__ = "app_user"
    id: str = Field(default_factory=new_id, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    display_name: str = Field(default="", max_length=200)
    password_hash: str = Field(max_length=255)
    role: Role = Field(sa_type=enum_type(Role))
    site_id: str | None = Field(default=None, foreign_key="site.id")  # None: all sites
    customer_id: str | None = Field(default=None, foreign_key="customer.id")  # distributors only
    locale: str = Field(default="zh-CN", max_length=8)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Carried in every access token as `gen`; raising it (new password, deactivation, "revoke tokens") ends
    # every token issued before.
    token_generation: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class LoginThrottle(SQLModel, table=True):
    """Failed log-ins counted per `key` ("user:<name>" or "ip:<address>") in a fixed window that opens with the
    first failure. Server-only; kept in the database so every backend process sees the same counts."""

    __tablename__ = "login_throttle"
    key: str = Field(primary_key=True, max_length=120)
    failures: int = 0
    window_started_at: datetime = Field(sa_type=UTCDateTime, index=True)

"""Outbox tables, server-only: messages written with the change they tell of, subscriptions, and deliveries."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, Integer
from sqlmodel import Field, SQLModel

from shared_models.types import UTCDateTime, enum_type, json_list, new_id, utcnow

SERIAL = BigInteger().with_variant(Integer(), "sqlite")  # SQLite numbers rows only through INTEGER PRIMARY KEY


class DeliveryStatus(StrEnum):
    PENDING = "pending"      # waiting for its (next) attempt, behind the subscription's earlier deliveries
    SENDING = "sending"      # a worker holds it
    DELIVERED = "delivered"  # the receiver answered 2xx
    DEAD = "dead"            # attempts used up: a dead letter, `last_error` says why; retry puts it back in line


class OutboxMessage(SQLModel, table=True):
    """One domain fact, committed in the transaction that made it; `id` is its place in the outbox's order."""

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_fanned", "fanned_out", "id"),)
    id: int | None = Field(default=None, sa_column=Column(SERIAL, primary_key=True, autoincrement=True))
    key: str = Field(default_factory=new_id, max_length=36, unique=True)  # the Idempotency-Key receivers see
    topic: str = Field(max_length=64, index=True)
    subject_type: str = Field(max_length=32)
    subject_id: str = Field(max_length=36)
    subject_code: str = Field(default="", max_length=96)
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    fanned_out: bool = Field(default=False)  # deliveries made for the subscriptions active then


class WebhookSubscription(SQLModel, table=True):
    __tablename__ = "webhook_subscription"
    id: str = Field(default_factory=new_id, primary_key=True)
    name: str = Field(default="", max_length=100)
    url: str = Field(max_length=2000)
    topics: list[str] = json_list()  # topic names, or ["*"] for every topic
    secret: str = Field(max_length=128)  # the HMAC key: kept to sign, answered only on create and rotate
    active: bool = Field(default=True)
    max_attempts: int = Field(default=8)
    created_by: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    secret_rotated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    disabled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WebhookDelivery(SQLModel, table=True):
    """One message on its way to one subscription; per subscription they go strictly in `id` order."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (Index("ix_webhook_delivery_line", "status", "subscription_id", "id"),
                      Index("ix_webhook_delivery_sub", "subscription_id", "id"))
    id: int | None = Field(default=None, sa_column=Column(SERIAL, primary_key=True, autoincrement=True))
    subscription_id: str = Field(foreign_key="webhook_subscription.id", max_length=36)
    message_id: int = Field(sa_column=Column(BigInteger, ForeignKey("outbox_message.id"),
                                                                nullable=False, index=True))
    status: DeliveryStatus = Field(default=DeliveryStatus.PENDING, sa_type=enum_type(DeliveryStatus))
    replay: bool = Field(default=False)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_status: int | None = None  # the receiver's last HTTP status, None when it never answered
    last_error: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

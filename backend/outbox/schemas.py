"""What the webhook API takes and answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from backend.outbox.models import DeliveryStatus


class SubscriptionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(min_length=1, max_length=2000, description="http(s) URL the messages are POSTed to",
                     examples=["https://erp.example.com/lotline/webhook"])
    topics: list[str] = Field(min_length=1, max_length=20, examples=[["received", "shipped"], ["*"]],
                              description="topic names (GET /api/webhooks/topics), or ['*'] for every topic")
    name: str = Field(default="", max_length=100)
    max_attempts: int = Field(default=8, ge=1, le=50, description="attempts before a message is a dead letter")


class SubscriptionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    url: str
    topics: list[str]
    active: bool
    max_attempts: int
    created_by: str
    created_at: datetime
    secret_rotated_at: datetime | None
    disabled_at: datetime | None


class SubscriptionWithSecret(SubscriptionPublic):
    """Answered only when the secret is made (create, rotate): keep it, it is never shown again."""

    secret: str


class ReplayRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    since: datetime = Field(description="messages recorded at or after this time are sent again, in their order")


class ReplayPublic(BaseModel):
    subscription_id: str
    since: datetime
    enqueued: int


class DeliveryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    subscription_id: str
    message_id: int
    status: DeliveryStatus
    replay: bool
    attempts: int
    next_attempt_at: datetime
    delivered_at: datetime | None
    last_status: int | None
    last_error: str
    created_at: datetime


class MessagePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    key: str
    topic: str
    subject_type: str
    subject_id: str
    subject_code: str
    occurred_at: datetime
    created_at: datetime
    payload: dict[str, Any]

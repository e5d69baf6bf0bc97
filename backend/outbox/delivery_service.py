"""What the API does with deliveries and messages: list them, retry a dead letter, replay from a point in time."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from backend.auth.principal import Principal
from backend.db import begin_write
from backend.errors import InvalidInput
from backend.outbox.errors import NotADeadLetter, SubscriptionDisabled, UnknownDelivery, UnknownSubscription
from backend.outbox.models import DeliveryStatus, OutboxMessage, WebhookDelivery, WebhookSubscription
from backend.outbox.topics import ALL_TOPICS
from shared_models.types import utcnow

MAX_LIMIT = 1000
_CHUNK = 1000


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}.", field="limit")


class DeliveryService:
    def __init__(self, session: Session, by: Principal) -> None:
        self.session = session
        self.by = by

    def deliveries(self, *, subscription_id: str | None = None, status: DeliveryStatus | None = None,
                   after_id: int | None = None, limit: int = 100) -> list[WebhookDelivery]:
        """Oldest first; `after_id` pages on (the last id of the previous page)."""
        _check_limit(limit)
        query = select(WebhookDelivery)
        if subscription_id is not None:
            query = query.where(WebhookDelivery.subscription_id == subscription_id)
        if status is not None:
            query = query.where(WebhookDelivery.status == status)
        if after_id is not None:
            query = query.where(col(WebhookDelivery.id) > after_id)
        return list(self.session.exec(query.order_by(col(WebhookDelivery.id)).limit(limit)))

    def messages(self, *, topic: str | None = None, since: datetime | None = None, after_id: int | None = None,
                 limit: int = 100) -> list[OutboxMessage]:
        _check_limit(limit)
        query = select(OutboxMessage)
        if topic is not None:
            query = query.where(OutboxMessage.topic == topic)
        if since is not None:
            query = query.where(col(OutboxMessage.created_at) >= since)
        if after_id is not None:
            query = query.where(col(OutboxMessage.id) > after_id)
        return list(self.session.exec(query.order_by(col(OutboxMessage.id)).limit(limit)))

    def retry(self, delivery_id: int) -> WebhookDelivery:
        """Puts a dead letter back in line at its own place (the head of its subscription's line), attempts anew.
        Raises UnknownDelivery, or NotADeadLetter for anything else."""
        delivery = self.session.get(WebhookDelivery, delivery_id)
        if delivery is None:
            raise UnknownDelivery(delivery_id)
        if delivery.status is not DeliveryStatus.DEAD:
            raise NotADeadLetter(delivery_id, delivery.status.value)
        delivery.status, delivery.attempts, delivery.next_attempt_at = DeliveryStatus.PENDING, 0, utcnow()
        self.session.add(delivery)
        self.session.commit()
        return delivery

    def replay(self, subscription_id: str, since: datetime) -> int:
        """Sends again, after what is already in line, every message of the subscription's topics recorded at or
        after `since`, in outbox order and with their original Idempotency-Key. Returns how many were queued.
        Raises UnknownSubscription, SubscriptionDisabled, or InvalidInput for a time in the future."""
        begin_write(self.session)  # as fan-out does: the replayed deliveries take their ids in one go
        sub = self.session.get(WebhookSubscription, subscription_id)
        if sub is None:
            raise UnknownSubscription(subscription_id)
        if not sub.active:
            raise SubscriptionDisabled(subscription_id, "replay to it")
        if since.tzinfo is None:
            raise InvalidInput("since needs a time zone, e.g. 2026-12-08T00:00:00Z.", field="since")
        if since > utcnow():
            raise InvalidInput(f"since {since.isoformat()} is in the future; nothing was recorded then.",
                               field="since")
        query = select(OutboxMessage.id).where(col(OutboxMessage.created_at) >= since,
                                               OutboxMessage.fanned_out == True)  # noqa: E712 - the rest comes anyway
        if ALL_TOPICS not in sub.topics:
            query = query.where(col(OutboxMessage.topic).in_(sub.topics))
        ids = list(self.session.exec(query.order_by(col(OutboxMessage.id))))
        now = utcnow()
        table = WebhookDelivery.__table__  # type: ignore[attr-defined]
        for start in range(0, len(ids), _CHUNK):
            self.session.connection().execute(table.insert(), [
                {"subscription_id": sub.id, "message_id": mid, "status": DeliveryStatus.PENDING, "replay": True,
                 "attempts": 0, "next_attempt_at": now, "last_error": "", "created_at": now}
                for mid in ids[start:start + _CHUNK]])
        self.session.commit()
        return len(ids)

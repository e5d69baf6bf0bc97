"""The delivery queue in the database, as the webhook worker uses it (plain functions over a Session).

Per subscription, deliveries go strictly in `id` order: a worker claims a run of the line that starts at the
subscription's head (its lowest delivery still pending or sending), sends it in order and stops at the first
failure, so a failing message holds back the later ones of that subscription only, and two backend processes
never send one subscription's messages side by side. Fan-out runs as the database's one
writer (`begin_write`), so delivery ids follow message ids. A dead letter leaves the line; a retried dead letter
is back at its place (its id), at the head.
"""

from __future__ import annotations

import json
import random
from datetime import timedelta
from typing import NamedTuple

from sqlalchemy import bindparam, func, update
from sqlmodel import Session, col, select

from backend.db import begin_write
from backend.outbox.models import DeliveryStatus, OutboxMessage, WebhookDelivery, WebhookSubscription
from backend.outbox.topics import ALL_TOPICS, iso
from shared_models.types import utcnow

IN_LINE = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)


class Target(NamedTuple):
    delivery_id: int
    url: str
    secret: str
    key: str
    topic: str
    attempt: int
    body: bytes


class Backoff(NamedTuple):
    """Exponential with jitter: attempt n waits min(cap, base·2^(n-1)) × a random factor in [0.5, 1)."""

    base_s: float = 1.0
    cap_s: float = 600.0

    def delay(self, attempts: int) -> float:
        return min(self.cap_s, self.base_s * 2 ** max(0, attempts - 1)) * (0.5 + random.random() / 2)


def body_of(message: OutboxMessage) -> bytes:
    """The message as sent: canonical JSON (sorted keys), the same bytes on every attempt and replay."""
    doc = {"id": message.key, "sequence": message.id, "topic": message.topic,
           "subject": {"type": message.subject_type, "id": message.subject_id, "code": message.subject_code},
           "occurred_at": iso(message.occurred_at), "recorded_at": iso(message.created_at), "data": message.payload}
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def fan_out(session: Session, limit: int = 1000) -> int:
    """Makes a delivery of each message not yet fanned out for each active subscription to its topic; returns how
    many messages it took (call again while it returns `limit`)."""
    begin_write(session)
    messages = session.exec(select(OutboxMessage).where(OutboxMessage.fanned_out == False)  # noqa: E712
                            .order_by(col(OutboxMessage.id)).limit(limit)).all()
    if not messages:
        session.rollback()
        return 0
    subs = session.exec(select(WebhookSubscription).where(WebhookSubscription.active == True)  # noqa: E712
                        .order_by(col(WebhookSubscription.id))).all()
    now = utcnow()
    rows = [{"subscription_id": s.id, "message_id": m.id, "status": DeliveryStatus.PENDING, "replay": False,
             "attempts": 0, "next_attempt_at": now, "last_error": "", "created_at": now}
            for m in messages for s in subs if ALL_TOPICS in s.topics or m.topic in s.topics]
    if rows:
        session.connection().execute(WebhookDelivery.__table__.insert(), rows)  # type: ignore[attr-defined]
    session.execute(update(OutboxMessage).where(col(OutboxMessage.id).in_([m.id for m in messages]))
                    .values(fanned_out=True))
    session.commit()
    return len(messages)


def _heads(session: Session) -> list[WebhookDelivery]:
    first = (select(func.min(WebhookDelivery.id)).join(WebhookSubscription,
                                                       col(WebhookSubscription.id) == WebhookDelivery.subscription_id)
             .where(col(WebhookDelivery.status).in_(IN_LINE), WebhookSubscription.active == True)  # noqa: E712
             .group_by(col(WebhookDelivery.subscription_id)))
    return list(session.exec(select(WebhookDelivery).where(col(WebhookDelivery.id).in_(first))))


def due_subscriptions(session: Session) -> list[str]:
    """The active subscriptions whose head is waiting and due."""
    now = utcnow()
    return sorted({h.subscription_id for h in _heads(session)
                   if h.status is DeliveryStatus.PENDING and h.next_attempt_at <= now})


def claim_batch(session: Session, subscription_id: str, limit: int) -> list[Target]:
    """Claims the subscription's line from its head on, while the deliveries are due (at most `limit`), and
    answers what to send for each, in order; [] when its head is not due, or another worker claimed it first.
    One transaction for the lot: the database's cost is shared by the batch, and the order stays strict because
    the caller sends them one by one and stops at the first failure (`record`)."""
    now = utcnow()
    sub = session.get(WebhookSubscription, subscription_id)
    if sub is None or not sub.active:
        return []
    line = session.exec(select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id,
                                                      col(WebhookDelivery.status).in_(IN_LINE))
                        .order_by(col(WebhookDelivery.id)).limit(limit)).all()
    due: list[WebhookDelivery] = []
    for d in line:
        if d.status is not DeliveryStatus.PENDING or d.next_attempt_at > now:
            break
        due.append(d)
    if not due:
        return []
    ids = [d.id for d in due]
    won = session.execute(update(WebhookDelivery).where(col(WebhookDelivery.id).in_(ids),
                                                        col(WebhookDelivery.status) == DeliveryStatus.PENDING)
                          .values(status=DeliveryStatus.SENDING, claimed_at=now))
    if won.rowcount != len(ids):  # type: ignore[attr-defined]
        session.rollback()  # another worker took some of them meanwhile: it has the line
        return []
    messages = {m.id: m for m in session.exec(select(OutboxMessage).where(
        col(OutboxMessage.id).in_([d.message_id for d in due])))}
    session.commit()
    return [Target(d.id, sub.url, sub.secret, messages[d.message_id].key,  # type: ignore[arg-type]
                   messages[d.message_id].topic,
                   d.attempts + 1, body_of(messages[d.message_id]))
            for d in due]


class Outcome(NamedTuple):
    delivered: list[tuple[int, int]]          # (delivery id, HTTP status)
    failed: tuple[int, int | None, str] | None  # (delivery id, HTTP status or None, reason)
    released: list[int]                       # claimed, not sent: back in line untouched


def record(session: Session, outcome: Outcome, backoff: Backoff) -> float | None:
    """Stores how a batch went, in one transaction. Returns None when nothing failed, else the seconds until the
    failed delivery's next attempt (0 when it became a dead letter: the line moves on)."""
    now = utcnow()
    table = WebhookDelivery.__table__  # type: ignore[attr-defined]
    if outcome.delivered:
        session.connection().execute(
            update(table).where(table.c.id == bindparam("_id")).values(
                status=DeliveryStatus.DELIVERED, delivered_at=now, last_status=bindparam("_status"), last_error="",
                attempts=table.c.attempts + 1),
            [{"_id": i, "_status": status} for i, status in outcome.delivered])
    if outcome.released:
        session.execute(update(WebhookDelivery).where(col(WebhookDelivery.id).in_(outcome.released))
                        .values(status=DeliveryStatus.PENDING))
    wait: float | None = None
    if outcome.failed is not None:
        delivery_id, status, reason = outcome.failed
        delivery = session.get(WebhookDelivery, delivery_id)
        if delivery is not None:
            sub = session.get(WebhookSubscription, delivery.subscription_id)
            delivery.attempts += 1
            dead = delivery.attempts >= (sub.max_attempts if sub is not None else 1)
            wait = 0.0 if dead else backoff.delay(delivery.attempts)
            delivery.status = DeliveryStatus.DEAD if dead else DeliveryStatus.PENDING
            delivery.next_attempt_at = now + timedelta(seconds=wait)
            delivery.last_status, delivery.last_error = status, reason[:500]
            session.add(delivery)
    session.commit()
    return wait


def requeue_stale(session: Session, lease_s: float) -> int:
    """Deliveries left `sending` by a process that died go back in line (the receiver may then see one twice)."""
    cutoff = utcnow() - timedelta(seconds=lease_s)
    done = session.execute(update(WebhookDelivery).where(col(WebhookDelivery.status) == DeliveryStatus.SENDING,
                                                         col(WebhookDelivery.claimed_at) < cutoff)
                           .values(status=DeliveryStatus.PENDING, next_attempt_at=utcnow()))
    session.commit()
    return int(done.rowcount or 0)  # type: ignore[attr-defined]


def seconds_to_next(session: Session, idle_s: float, busy: frozenset[str] = frozenset()) -> float:
    """How long until a head is due, leaving out the `busy` subscriptions (their senders wait for themselves);
    0 when messages wait to be fanned out; at most `idle_s`."""
    if session.exec(select(OutboxMessage.id).where(OutboxMessage.fanned_out == False).limit(1)).first():  # noqa
        return 0.0
    due = [h.next_attempt_at for h in _heads(session)
           if h.status is DeliveryStatus.PENDING and h.subscription_id not in busy]
    if not due:
        return idle_s
    return min(idle_s, max(0.0, (min(due) - utcnow()).total_seconds()))


def head_wait(session: Session, subscription_id: str) -> float | None:
    """Seconds until this subscription's head is due; None when it has no head waiting (empty line, the head
    held by another worker, or the subscription disabled)."""
    sub = session.get(WebhookSubscription, subscription_id)
    head = session.exec(select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id,
                                                      col(WebhookDelivery.status).in_(IN_LINE))
                        .order_by(col(WebhookDelivery.id)).limit(1)).first()
    if sub is None or not sub.active or head is None or head.status is not DeliveryStatus.PENDING:
        return None
    return max(0.0, (head.next_attempt_at - utcnow()).total_seconds())

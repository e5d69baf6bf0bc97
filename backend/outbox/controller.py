"""The webhook API: admins subscribe ERP/MES endpoints to outbox topics and manage dead letters and replays; QA
managers may read. Messages are signed as backend/outbox/signing.py describes."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody, Parameter

from backend.auth.guards import allow
from backend.deps import Caller, Db
from backend.outbox.delivery_service import DeliveryService
from backend.outbox.models import DeliveryStatus
from backend.outbox.schemas import (
    DeliveryPublic,
    MessagePublic,
    ReplayPublic,
    ReplayRequest,
    SubscriptionCreate,
    SubscriptionPublic,
    SubscriptionWithSecret,
)
from backend.outbox.subscription_service import SubscriptionService
from backend.outbox.topics import Topic
from shared_models.bounds import INT64_MAX
from shared_models.enums import Role

READ = allow(Role.QA_MANAGER)
ADMIN = allow()
Limit = Annotated[int, Parameter(ge=1, le=1000)]
AfterId = Annotated[int | None, Parameter(ge=0, le=INT64_MAX)]  # ids are 64-bit: larger is a 400, not a 500
DeliveryId = Annotated[int, Parameter(ge=1, le=INT64_MAX)]
SIGNED = ("Subscribes a URL to topics; the answer carries the HMAC secret, shown only here and on rotate-secret. "
          "Each message is POSTed as JSON with `X-Lotline-Timestamp: <unix seconds>`, `Idempotency-Key: <message "
          "key>` and `X-Lotline-Signature: sha256=<hex HMAC-SHA256(secret, \"<timestamp>.\" + raw body)>`. Verify "
          "with a constant-time compare, refuse timestamps more than 5 minutes off, and skip keys already processed: "
          "delivery is at least once, in order per subscription, retried with exponential backoff and jitter, then "
          "a dead letter (GET /api/webhooks/dead-letters).")


def _wake(state: State) -> None:
    worker: Any = state.get("webhooks")
    if worker is not None:
        worker.wake()


def _secret(sub: Any) -> SubscriptionWithSecret:
    return SubscriptionWithSecret.model_validate({**SubscriptionPublic.model_validate(sub).model_dump(),
                                                  "secret": sub.secret})


class WebhookController(Controller):
    path = "/api/webhooks"
    tags = ["webhooks"]

    @get("/topics", guards=[READ], sync_to_thread=False)
    def topics(self) -> list[str]:
        """The domain events a webhook may subscribe to (received, produced, shipped, inspected, NC
        opened/closed, warning raised, recall opened/closed)."""
        return [t.value for t in Topic]

    @post("/subscriptions", guards=[ADMIN], status_code=201, sync_to_thread=True, description=SIGNED)
    def create(self, data: JSONBody[SubscriptionCreate], db: Db, principal: Caller) -> SubscriptionWithSecret:
        """Subscribes a webhook URL to topics. Each delivery is a POST signed with HMAC-SHA256 of the body under
        the subscription's secret (see docs/integration.md), carries an idempotency key, and is retried with
        backoff until delivered or dead-lettered."""
        sub = SubscriptionService(db, principal).create(url=data.url, topics=data.topics, name=data.name,
                                                        max_attempts=data.max_attempts)
        return _secret(sub)

    @get("/subscriptions", guards=[READ], sync_to_thread=True)
    def list_subscriptions(self, db: Db, principal: Caller,
                           active: FromQuery[bool | None] = None) -> list[SubscriptionPublic]:
        """Webhook subscriptions."""
        return [SubscriptionPublic.model_validate(s) for s in SubscriptionService(db, principal).list(active=active)]

    @get("/subscriptions/{subscription_id:str}", guards=[READ], sync_to_thread=True)
    def get_subscription(self, subscription_id: FromPath[str], db: Db, principal: Caller) -> SubscriptionPublic:
        """One webhook subscription with its delivery state."""
        return SubscriptionPublic.model_validate(SubscriptionService(db, principal).get(subscription_id))

    @post("/subscriptions/{subscription_id:str}/disable", guards=[ADMIN], status_code=200, sync_to_thread=True)
    def disable(self, subscription_id: FromPath[str], db: Db, principal: Caller) -> SubscriptionPublic:
        """Stops deliveries to a subscription; messages keep queueing."""
        return SubscriptionPublic.model_validate(SubscriptionService(db, principal).disable(subscription_id))

    @post("/subscriptions/{subscription_id:str}/enable", guards=[ADMIN], status_code=200, sync_to_thread=True)
    def enable(self, subscription_id: FromPath[str], db: Db, principal: Caller, state: State) -> SubscriptionPublic:
        """Resumes deliveries to a subscription."""
        sub = SubscriptionService(db, principal).enable(subscription_id)
        _wake(state)
        return SubscriptionPublic.model_validate(sub)

    @post("/subscriptions/{subscription_id:str}/rotate-secret", guards=[ADMIN], status_code=200,
          sync_to_thread=True)
    def rotate_secret(self, subscription_id: FromPath[str], db: Db, principal: Caller) -> SubscriptionWithSecret:
        """Makes a new signing secret for a subscription and answers it once; deliveries are signed with it from
        now on."""
        return _secret(SubscriptionService(db, principal).rotate_secret(subscription_id))

    @post("/subscriptions/{subscription_id:str}/replay", guards=[ADMIN], status_code=202, sync_to_thread=True)
    def replay(self, subscription_id: FromPath[str], data: JSONBody[ReplayRequest], db: Db, principal: Caller,
               state: State) -> ReplayPublic:
        """Delivers again every message since a point in time."""
        enqueued = DeliveryService(db, principal).replay(subscription_id, data.since)
        _wake(state)
        return ReplayPublic(subscription_id=subscription_id, since=data.since, enqueued=enqueued)

    @get("/deliveries", guards=[READ], sync_to_thread=True)
    def deliveries(self, db: Db, principal: Caller, subscription_id: FromQuery[str | None] = None,
                   status: FromQuery[DeliveryStatus | None] = None, after_id: AfterId = None,
                   limit: Limit = 100) -> list[DeliveryPublic]:
        """Delivery attempts of a subscription, newest first."""
        found = DeliveryService(db, principal).deliveries(subscription_id=subscription_id, status=status,
                                                          after_id=after_id, limit=limit)
        return [DeliveryPublic.model_validate(d) for d in found]

    @get("/dead-letters", guards=[READ], sync_to_thread=True)
    def dead_letters(self, db: Db, principal: Caller, subscription_id: FromQuery[str | None] = None,
                     after_id: AfterId = None, limit: Limit = 100) -> list[DeliveryPublic]:
        """Messages that could not be delivered after every retry."""
        found = DeliveryService(db, principal).deliveries(subscription_id=subscription_id, after_id=after_id,
                                                          status=DeliveryStatus.DEAD, limit=limit)
        return [DeliveryPublic.model_validate(d) for d in found]

    @post("/deliveries/{delivery_id:int}/retry", guards=[ADMIN], status_code=200, sync_to_thread=True)
    def retry(self, delivery_id: DeliveryId, db: Db, principal: Caller, state: State) -> DeliveryPublic:
        """Retries a dead-lettered message."""
        delivery = DeliveryService(db, principal).retry(delivery_id)
        _wake(state)
        return DeliveryPublic.model_validate(delivery)

    @get("/messages", guards=[READ], sync_to_thread=True)
    def messages(self, db: Db, principal: Caller, topic: FromQuery[str | None] = None,
                 after_id: AfterId = None, limit: Limit = 100) -> list[MessagePublic]:
        """The outbox: domain events recorded for delivery."""
        found = DeliveryService(db, principal).messages(topic=topic, after_id=after_id, limit=limit)
        return [MessagePublic.model_validate(m) for m in found]


WEBHOOK_CONTROLLERS = [WebhookController]

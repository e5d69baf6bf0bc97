"""Outbox and webhook errors, each naming what is wrong."""

from __future__ import annotations

from backend.errors import Conflict, InvalidInput, NotFound


class UnknownSubscription(NotFound):
    code = "unknown_subscription"

    def __init__(self, subscription_id: str) -> None:
        super().__init__("webhook subscription", subscription_id)


class UnknownDelivery(NotFound):
    code = "unknown_delivery"

    def __init__(self, delivery_id: int) -> None:
        super().__init__("webhook delivery", str(delivery_id))


class BadWebhookUrl(InvalidInput):
    code = "bad_webhook_url"

    def __init__(self, url: str, why: str) -> None:
        super().__init__(f"Webhook URL '{url[:200]}' {why}.", field="url")


class UnknownTopic(InvalidInput):
    code = "unknown_topic"

    def __init__(self, topic: str, known: list[str]) -> None:
        super().__init__(f"'{topic[:64]}' is not a topic; use '*' or some of: {', '.join(known)}.", field="topics")


class NotADeadLetter(Conflict):
    code = "not_a_dead_letter"

    def __init__(self, delivery_id: int, status: str) -> None:
        super().__init__(f"Delivery {delivery_id} is {status}; only a dead letter can be retried.",
                         status=status)


class SubscriptionDisabled(Conflict):
    code = "subscription_disabled"

    def __init__(self, subscription_id: str, action: str) -> None:
        super().__init__(f"Webhook subscription {subscription_id} is disabled; enable it before you {action}.")

"""Webhook subscriptions as data: who hears which topics at which URL, signed with which secret."""

from __future__ import annotations

import httpx
from sqlmodel import Session, col, select

from backend.auth.principal import Principal
from backend.outbox.errors import BadWebhookUrl, UnknownSubscription, UnknownTopic
from backend.outbox.models import WebhookSubscription
from backend.outbox.signing import new_secret
from backend.outbox.topics import ALL_TOPICS, Topic
from shared_models.types import utcnow

KNOWN = [t.value for t in Topic]


def check_url(url: str) -> str:
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError) as exc:
        raise BadWebhookUrl(url, f"cannot be read: {exc}") from exc
    if parsed.scheme not in ("http", "https"):
        raise BadWebhookUrl(url, "must start with http:// or https://")
    if not parsed.host:
        raise BadWebhookUrl(url, "names no host")
    if parsed.userinfo:
        raise BadWebhookUrl(url, "must not carry a user name or password; the HMAC secret authenticates")
    return str(parsed)


def check_topics(names: list[str]) -> list[str]:
    cleaned = list(dict.fromkeys(n.strip() for n in names))
    if ALL_TOPICS in cleaned:
        return [ALL_TOPICS]
    for name in cleaned:
        if name not in KNOWN:
            raise UnknownTopic(name, KNOWN)
    return cleaned


class SubscriptionService:
    def __init__(self, session: Session, by: Principal) -> None:
        self.session = session
        self.by = by

    def create(self, *, url: str, topics: list[str], name: str = "", max_attempts: int = 8) -> WebhookSubscription:
        """Raises BadWebhookUrl or UnknownTopic; the answer holds the secret, shown this once."""
        sub = WebhookSubscription(url=check_url(url), topics=check_topics(topics), name=name.strip(),
                                  max_attempts=max_attempts, secret=new_secret(), created_by=self.by.username)
        self.session.add(sub)
        self.session.commit()
        return sub

    def list(self, *, active: bool | None = None) -> list[WebhookSubscription]:
        query = select(WebhookSubscription)
        if active is not None:
            query = query.where(WebhookSubscription.active == active)
        return list(self.session.exec(query.order_by(col(WebhookSubscription.created_at))))

    def get(self, subscription_id: str) -> WebhookSubscription:
        sub = self.session.get(WebhookSubscription, subscription_id)
        if sub is None:
            raise UnknownSubscription(subscription_id)
        return sub

    def disable(self, subscription_id: str) -> WebhookSubscription:
        """Stops sending; its deliveries wait, in order, until it is enabled again. Disabling twice is a no-op."""
        sub = self.get(subscription_id)
        if sub.active:
            sub.active, sub.disabled_at = False, utcnow()
            self.session.add(sub)
            self.session.commit()
        return sub

    def enable(self, subscription_id: str) -> WebhookSubscription:
        sub = self.get(subscription_id)
        if not sub.active:
            sub.active, sub.disabled_at = True, None
            self.session.add(sub)
            self.session.commit()
        return sub

    def rotate_secret(self, subscription_id: str) -> WebhookSubscription:
        """A new secret signs every attempt from now on (retries of older messages too); the old one stops."""
        sub = self.get(subscription_id)
        sub.secret, sub.secret_rotated_at = new_secret(), utcnow()
        self.session.add(sub)
        self.session.commit()
        return sub

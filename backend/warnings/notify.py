"""Tell people about a warning: signed webhooks and e-mail, each delivery a Notification row with its attempts.

A delivery never touches its warning: whatever a channel does, the warning stays raised. Each attempt is
claimed in its own short transaction (attempts + 1 where attempts is what we read), so two deliverers never
send the same attempt and no database lock is held while the network is slow.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import smtplib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import httpx
from sqlalchemy import update
from sqlmodel import Session, select

from backend.warnings.errors import DeliveryFailed
from backend.warnings.models import Notification, QualityWarning, WarningRule
from backend.warnings.schemas import NotifyConfig
from shared_models.types import utcnow

log = logging.getLogger("lotline.warnings.notify")
SIGNATURE_HEADER = "X-Lotline-Signature"
TIMESTAMP_HEADER = "X-Lotline-Timestamp"


@dataclass(frozen=True, slots=True)
class NotifySettings:
    webhook_secret: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "lotline@localhost"
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    timeout_s: float = 10.0
    max_attempts: int = 3
    backoff_s: float = 2.0       # before the 2nd attempt; doubled before each one after

    @classmethod
    def from_env(cls, **overrides: Any) -> NotifySettings:
        env = os.environ
        values: dict[str, Any] = {
            "webhook_secret": env.get("LOTLINE_WEBHOOK_SECRET") or None,
            "smtp_host": env.get("LOTLINE_SMTP_HOST") or None,
            "smtp_port": int(env.get("LOTLINE_SMTP_PORT") or 25),
            "smtp_from": env.get("LOTLINE_SMTP_FROM") or "lotline@localhost",
            "smtp_user": env.get("LOTLINE_SMTP_USER") or None,
            "smtp_password": env.get("LOTLINE_SMTP_PASSWORD") or None,
            "smtp_starttls": env.get("LOTLINE_SMTP_STARTTLS", "") == "1",
        }
        values.update(overrides)
        return cls(**values)


def sign(body: bytes, secret: str) -> str:
    """The X-Lotline-Signature value: sha256=<hex HMAC-SHA256 of the exact body bytes>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def warning_payload(warning: QualityWarning, rule: WarningRule) -> dict[str, Any]:
    return {
        "event": "warning.raised",
        "warning": {"id": warning.id, "state": warning.state.value, "severity": warning.severity,
                    "message": warning.message, "dedupe_key": warning.dedupe_key, "context": warning.context,
                    "opened_at": warning.opened_at.isoformat()},
        "rule": {"id": rule.id, "code": rule.code, "kind": rule.kind, "name_en": rule.name_en,
                 "name_zh": rule.name_zh},
    }


class Notifier:
    def __init__(self, settings: NotifySettings | None = None, *,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.settings = settings or NotifySettings.from_env()
        self._sleep = sleep

    def deliver_pending(self, session: Session, warning_ids: Sequence[str] | None = None) -> list[Notification]:
        """Delivers every pending notification (of these warnings), retrying each up to max_attempts."""
        query = select(Notification.id).where(Notification.status == "pending").order_by(Notification.id)
        if warning_ids is not None:
            query = query.where(Notification.warning_id.in_(list(warning_ids)))
        ids = list(session.exec(query))
        session.commit()
        return [self.deliver(session, notification_id) for notification_id in ids]

    def deliver(self, session: Session, notification_id: str) -> Notification:
        """Tries until sent, a permanent failure, or max_attempts; the row says what happened."""
        while True:
            row = session.get(Notification, notification_id, populate_existing=True)
            assert row is not None, notification_id
            if row.status != "pending":
                return row
            if row.attempts >= self.settings.max_attempts:   # its last attempt was cut short (a crash)
                row.status = "failed"
                session.add(row)
                session.commit()
                return row
            if not self._claim(session, row):
                return row   # another deliverer took this attempt
            try:
                self._send(session, row)
            except DeliveryFailed as exc:
                row.last_error = str(exc)[:1000]
                if exc.permanent or row.attempts >= self.settings.max_attempts:
                    row.status = "failed"
                session.add(row)
                session.commit()
                log.warning("notification %s via %s to %s failed (attempt %d): %s", row.id, row.channel,
                            row.target, row.attempts, exc)
                if row.status == "failed":
                    return row
                self._sleep(self.settings.backoff_s * 2 ** (row.attempts - 1))
                continue
            row.status, row.sent_at, row.last_error = "sent", utcnow(), ""
            session.add(row)
            session.commit()
            return row

    def _claim(self, session: Session, row: Notification) -> bool:
        seen = row.attempts
        claimed = session.exec(update(Notification)
                               .where(Notification.id == row.id, Notification.attempts == seen,
                                      Notification.status == "pending")
                               .values(attempts=seen + 1)).rowcount
        session.commit()
        session.refresh(row)
        return claimed == 1

    def _send(self, session: Session, row: Notification) -> None:
        warning = session.get(QualityWarning, row.warning_id)
        rule = session.get(WarningRule, warning.rule_id) if warning else None
        if warning is None or rule is None:
            raise DeliveryFailed(f"warning {row.warning_id} or its rule is gone", permanent=True)
        session.commit()   # no transaction stays open while we wait on the network
        if row.channel == "webhook":
            self.send_webhook(row.target, warning, rule, delivery_id=row.id)
        elif row.channel == "email":
            self.send_email(row.target, warning, rule)
        else:
            raise DeliveryFailed(f"unknown channel '{row.channel}'", permanent=True)

    # -- channels ------------------------------------------------------------------------------------------------
    def send_webhook(self, url: str, warning: QualityWarning, rule: WarningRule, *, delivery_id: str = "") -> None:
        config = NotifyConfig.model_validate(rule.notify or {})
        secret = config.secret_for(url) or self.settings.webhook_secret
        if not secret:
            raise DeliveryFailed("no signing secret: set LOTLINE_WEBHOOK_SECRET or the rule's notify.secret",
                                 permanent=True)
        sent_at = int(time.time())
        payload = {**warning_payload(warning, rule), "sent_at": sent_at, "delivery_id": delivery_id}
        body = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, secret),
                   TIMESTAMP_HEADER: str(sent_at), "X-Lotline-Delivery": delivery_id,
                   "User-Agent": "Lotline-Warnings/1"}
        try:
            response = httpx.post(url, content=body, headers=headers, timeout=self.settings.timeout_s)
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
        if not response.is_success:
            raise DeliveryFailed(f"HTTP {response.status_code}: {response.text[:200]}")

    def send_email(self, address: str, warning: QualityWarning, rule: WarningRule) -> None:
        s = self.settings
        if not s.smtp_host:
            raise DeliveryFailed("no mail server: set LOTLINE_SMTP_HOST (and LOTLINE_SMTP_PORT, LOTLINE_SMTP_FROM)",
                                 permanent=True)
        message = EmailMessage()
        message["Subject"] = f"[Lotline 预警] {warning.severity.upper()} {rule.name_en or rule.code}: " \
                             f"{warning.message}"[:250]
        message["From"] = s.smtp_from
        message["To"] = address
        message.set_content(email_body(warning, rule))
        try:
            with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.timeout_s) as smtp:
                if s.smtp_starttls:
                    smtp.starttls()
                if s.smtp_user:
                    smtp.login(s.smtp_user, s.smtp_password or "")
                smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc


def email_body(warning: QualityWarning, rule: WarningRule) -> str:
    names = " / ".join(n for n in (rule.name_en, rule.name_zh) if n) or rule.code
    context = json.dumps(warning.context, ensure_ascii=False, indent=2, sort_keys=True)
    return (f"{warning.message}\n\n"
            f"Rule 预警规则: {names} ({rule.code}, {rule.kind})\n"
            f"Severity: {warning.severity}\nState: {warning.state.value}\n"
            f"Opened: {warning.opened_at.isoformat()}\nWarning id: {warning.id}\n\n"
            f"Details:\n{context}\n")

"""Notifications reach real servers: a signed webhook to a local HTTP server, e-mail to a local SMTP server."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from litestar.testing import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from backend.warnings.findings import Finding
from backend.warnings.models import Notification, QualityWarning, WarningRule
from backend.warnings.notify import Notifier, NotifySettings
from backend.warnings.service import WarningService
from shared_models.enums import WarningState
from tests.factories import Plant, eid

SECRET = "test-webhook-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Hook:
    """A webhook receiver on 127.0.0.1: answers `statuses` in turn (then 200) and keeps what it got."""

    url: str = ""
    statuses: list[int] = field(default_factory=list)
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
def hook() -> Iterator[Hook]:
    state = Hook()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/lotline"
    yield state
    server.shutdown()
    server.server_close()


class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def settings(**over: Any) -> NotifySettings:
    return NotifySettings(**{"webhook_secret": SECRET, "backoff_s": 0.0, "timeout_s": 5.0, **over})


def raise_warning(session: Session, notify: dict[str, Any], message: str = "3 failed inspections for SUP-A."
                  ) -> QualityWarning:
    rule = WarningRule(code=f"r-{eid()[:8]}", kind="consecutive_failures", params={"n": 3}, notify=notify,
                       name_en="Supplier fails IQC", name_zh="供应商来料连续不合格")
    session.add(rule)
    session.commit()
    (warning,) = WarningService(session).raise_findings(rule, [Finding("supplier:x", message, {"failed": 3})])
    return warning


def notifications(session: Session, warning: QualityWarning) -> list[Notification]:
    session.expire_all()
    return list(session.exec(select(Notification).where(Notification.warning_id == warning.id)
                             .order_by(Notification.channel)))


def test_a_webhook_is_delivered_signed_with_the_secret(session: Session, plant: Plant, hook: Hook) -> None:
    warning = raise_warning(session, {"webhooks": [hook.url]})
    (row,) = Notifier(settings()).deliver_pending(session)
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, "")
    (headers, body), = hook.received
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["x-lotline-signature"], expected)
    assert abs(int(headers["x-lotline-timestamp"]) - time.time()) < 600
    payload = json.loads(body)
    assert payload["warning"]["id"] == warning.id and payload["warning"]["message"] == warning.message
    assert payload["rule"]["name_zh"] == "供应商来料连续不合格" and payload["delivery_id"] == row.id
    assert payload["sent_at"] == int(headers["x-lotline-timestamp"])


def test_a_rules_own_secret_signs_its_webhooks(session: Session, plant: Plant, hook: Hook) -> None:
    raise_warning(session, {"webhooks": [{"url": hook.url, "secret": "rule-secret"}]})
    Notifier(settings()).deliver_pending(session)
    (headers, body), = hook.received
    assert headers["x-lotline-signature"] == "sha256=" + hmac.new(b"rule-secret", body, hashlib.sha256).hexdigest()


def test_a_failing_webhook_is_retried_and_each_attempt_counted(session: Session, plant: Plant, hook: Hook) -> None:
    hook.statuses = [503, 500]
    warning = raise_warning(session, {"webhooks": [hook.url]})
    (row,) = Notifier(settings()).deliver_pending(session)
    assert (row.status, row.attempts) == ("sent", 3)
    assert len(hook.received) == 3 and len({h["x-lotline-delivery"] for h, _ in hook.received}) == 1
    assert warning.state is WarningState.OPEN


def test_an_unreachable_webhook_fails_after_its_attempts_and_the_warning_stays(session: Session,
                                                                              plant: Plant) -> None:
    url = f"http://127.0.0.1:{free_port()}/nobody-listens"
    warning = raise_warning(session, {"webhooks": [url]})
    (row,) = Notifier(settings(max_attempts=3)).deliver_pending(session)
    assert (row.status, row.attempts) == ("failed", 3)
    assert "ConnectError" in row.last_error
    stored = session.get(QualityWarning, warning.id, populate_existing=True)
    assert stored is not None and stored.state is WarningState.OPEN
    assert Notifier(settings()).deliver_pending(session) == []   # nothing left pending


def test_a_webhook_without_any_secret_fails_at_once(session: Session, plant: Plant, hook: Hook) -> None:
    raise_warning(session, {"webhooks": [hook.url]})
    (row,) = Notifier(settings(webhook_secret=None)).deliver_pending(session)
    assert (row.status, row.attempts) == ("failed", 1) and "LOTLINE_WEBHOOK_SECRET" in row.last_error
    assert hook.received == []


def test_an_email_is_delivered_with_the_warning_in_subject_and_body(session: Session, plant: Plant,
                                                                   smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    warning = raise_warning(session, {"emails": ["qa@plant.example"]}, message="Pass rate for SUP-A is 72.7%.")
    (row,) = Notifier(settings(smtp_host="127.0.0.1", smtp_port=port,
                               smtp_from="lotline@plant.example")).deliver_pending(session)
    assert (row.status, row.attempts) == ("sent", 1)
    (mail,) = inbox.messages
    assert inbox.recipients == [["qa@plant.example"]]
    assert "预警" in mail["Subject"] and "Pass rate for SUP-A is 72.7%." in mail["Subject"]
    assert mail["From"] == "lotline@plant.example"
    body = mail.get_content()
    assert warning.message in body and warning.id in body and "供应商来料连续不合格" in body


def test_an_email_without_a_mail_server_fails_and_the_webhook_still_goes(session: Session, plant: Plant,
                                                                        hook: Hook) -> None:
    warning = raise_warning(session, {"webhooks": [hook.url], "emails": ["qa@plant.example"]})
    Notifier(settings(smtp_host=None)).deliver_pending(session)
    email, webhook = notifications(session, warning)
    assert (email.status, email.attempts) == ("failed", 1) and "LOTLINE_SMTP_HOST" in email.last_error
    assert webhook.status == "sent" and len(hook.received) == 1


def test_a_refused_smtp_connection_is_recorded(session: Session, plant: Plant) -> None:
    warning = raise_warning(session, {"emails": ["qa@plant.example"]})
    Notifier(settings(smtp_host="127.0.0.1", smtp_port=free_port(), max_attempts=2)).deliver_pending(session)
    (row,) = notifications(session, warning)
    assert (row.status, row.attempts) == ("failed", 2) and "ConnectionRefusedError" in row.last_error


def test_a_warning_raised_by_the_app_is_sent_to_its_webhook(client: TestClient, login, engine: Engine,  # type: ignore[no-untyped-def]
                                                           hook: Hook, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOTLINE_WEBHOOK_SECRET", SECRET)
    qa = login("qa")
    client.get("/api/warning-rules", headers=qa)
    r = client.patch("/api/warning-rules/unknown-code", json={"notify": {"webhooks": [hook.url]}}, headers=qa)
    assert r.status_code == 200, r.text
    r = client.post("/api/verify", json={"code": "NOT-OURS-1", "region": "Hubei"}, headers=login("inspector"))
    assert r.json()["result"] == "unknown"
    deadline = time.monotonic() + 20
    while not hook.received and time.monotonic() < deadline:
        time.sleep(0.05)
    (headers, body), = hook.received
    assert headers["x-lotline-signature"] == "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert "NOT-OURS-1" in json.loads(body)["warning"]["message"]

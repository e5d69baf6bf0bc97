"""Webhook delivery to a real HTTP receiver that checks every signature and fails one request in five: nothing
lost, nothing out of order per subscription, dead letters after the attempts, retry and replay through the API."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import update
from sqlmodel import Session, col, select

from backend.auth.principal import SYSTEM
from backend.outbox import queue, recorder
from backend.outbox.models import DeliveryStatus, OutboxMessage, WebhookDelivery
from backend.outbox.queue import Backoff
from backend.outbox.signing import verify
from backend.outbox.subscription_service import SubscriptionService
from backend.outbox.worker import WebhookWorker
from shared_models.types import utcnow
from tests.backend.story import receive
from tests.factories import Plant

recorder.install()  # as the app does when it is built (the lease test builds none)


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1: verifies the HMAC with the secret of the path's hook, refuses every fifth
    request it gets (deterministically, by count), and records what it accepted per hook."""

    secrets: dict[str, str] = field(default_factory=dict)
    accepted: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    down: set[str] = field(default_factory=set)  # hooks answering 503 to everything
    tried: list[tuple[str, str]] = field(default_factory=list)  # (hook, Idempotency-Key) of every request
    requests: int = 0
    refused: int = 0
    bad_signatures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0

    def url(self, hook: str) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/{hook}"

    def keys(self, hook: str) -> list[str]:
        with self.lock:
            return [a["key"] for a in self.accepted.get(hook, [])]

    def answer(self, hook: str, headers: Any, body: bytes) -> int:
        with self.lock:
            self.requests += 1
            self.tried.append((hook, headers.get("Idempotency-Key", "")))
            if hook in self.down or self.requests % 5 == 0:
                self.refused += 1
                return 503
            if not verify(self.secrets.get(hook, ""), headers.get("X-Lotline-Timestamp", ""),
                          headers.get("X-Lotline-Signature", ""), body):
                self.bad_signatures += 1
                return 401
            doc = json.loads(body)
            assert doc["id"] == headers["Idempotency-Key"]
            self.accepted.setdefault(hook, []).append({
                "key": doc["id"], "sequence": doc["sequence"], "topic": doc["topic"],
                "delivery": int(headers["X-Lotline-Delivery"]), "doc": doc})
            return 204


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status = rec.answer(self.path.rsplit("/", 1)[-1], self.headers, body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    rec.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield rec
    server.shutdown()
    server.server_close()
    thread.join()


def wait_for(condition: Callable[[], Any], what: str, timeout_s: float = 60.0) -> Any:
    """Polls until `condition()` is truthy; fails naming `what` after the deadline."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


@pytest.fixture
def hooks_client(client: TestClient, receiver: Receiver) -> TestClient:
    worker = client.app.state.webhooks
    worker.backoff = Backoff(base_s=0.01, cap_s=0.05)  # tests wait on conditions, so short waits only speed them
    worker.idle_s = 0.5
    return client


def subscribe(client: TestClient, headers: dict[str, str], receiver: Receiver, hook: str, topics: list[str],
              **extra: Any) -> dict[str, Any]:
    r = client.post("/api/webhooks/subscriptions", headers=headers,
                    json={"url": receiver.url(hook), "topics": topics, "name": hook, **extra})
    assert r.status_code == 201, r.text
    receiver.secrets[hook] = r.json()["secret"]
    return dict(r.json())


def outbox(session: Session, topic: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(col(OutboxMessage.id))
    if topic is not None:
        query = query.where(OutboxMessage.topic == topic)
    session.expire_all()
    return list(session.exec(query))


def deliveries(session: Session, subscription_id: str) -> list[WebhookDelivery]:
    session.expire_all()
    return list(session.exec(select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id)
                             .order_by(col(WebhookDelivery.id))))


def all_delivered(session: Session, subscription_id: str) -> bool:
    found = deliveries(session, subscription_id)
    return bool(found) and all(d.status is DeliveryStatus.DELIVERED for d in found)


def test_every_message_arrives_once_in_outbox_order_per_subscription_though_one_request_in_five_fails(
        hooks_client: TestClient, login, receiver: Receiver, session: Session, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    admin = login("admin")
    everything = subscribe(hooks_client, admin, receiver, "erp", ["*"])
    shipments = subscribe(hooks_client, admin, receiver, "mes", ["received"], max_attempts=20)
    for n in range(30):
        receive(session, "PCB-01", f"P{n}", 10, minute=n)
    sent = [m.key for m in outbox(session)]
    assert len(sent) == 30
    wait_for(lambda: len(receiver.keys("erp")) >= 30 and len(receiver.keys("mes")) >= 30, "60 deliveries")
    assert receiver.keys("erp") == sent and receiver.keys("mes") == sent  # nothing lost, doubled or reordered
    assert receiver.refused >= 12 and receiver.bad_signatures == 0
    for sub in (everything, shipments):
        wait_for(lambda: all_delivered(session, sub["id"]), "every delivery marked delivered")  # noqa: B023
        done = deliveries(session, sub["id"])
        assert sum(d.attempts for d in done) > len(done)  # the refusals were retried
    first = receiver.accepted["erp"][0]["doc"]
    assert (first["topic"], first["data"]["lines"][0]["unit"], first["data"]["lines"][0]["qty"]) == (
        "received", "PCB-01/P0", 10.0)


def test_a_failing_message_holds_back_only_its_own_subscription_and_becomes_a_dead_letter(
        hooks_client: TestClient, login, receiver: Receiver, session: Session, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    admin, qa = login("admin"), login("qa")
    broken = subscribe(hooks_client, admin, receiver, "broken", ["received"], max_attempts=3)
    healthy = subscribe(hooks_client, admin, receiver, "healthy", ["received"])
    receiver.down.add("broken")
    for n in range(3):
        receive(session, "PCB-01", f"P{n}", 10, minute=n)
    sent = [m.key for m in outbox(session)]
    wait_for(lambda: receiver.keys("healthy") == sent, "the healthy subscription's three deliveries")

    def dead() -> list[dict[str, Any]]:
        r = hooks_client.get("/api/webhooks/dead-letters", headers=qa, params={"subscription_id": broken["id"]})
        assert r.status_code == 200, r.text
        return list(r.json())

    letters = wait_for(lambda: len(dead()) == 3 and dead(), "three dead letters")
    assert [d["attempts"] for d in letters] == [3, 3, 3]
    assert letters[0]["last_status"] == 503 and "HTTP 503" in letters[0]["last_error"]
    assert receiver.keys("broken") == []
    # each was tried only once the one before it was dead: the line held, and only this subscription's
    assert [key for hook, key in receiver.tried if hook == "broken"] == [k for k in sent for _ in range(3)]
    wait_for(lambda: all_delivered(session, healthy["id"]), "the healthy deliveries marked delivered")

    receiver.down.discard("broken")
    r = hooks_client.post(f"/api/webhooks/deliveries/{letters[1]['id']}/retry", headers=admin)
    assert r.status_code == 200 and r.json()["status"] == "pending", r.text
    wait_for(lambda: receiver.keys("broken") == [sent[1]], "the retried dead letter")
    r = hooks_client.post(f"/api/webhooks/deliveries/{letters[1]['id']}/retry", headers=admin)
    assert r.status_code == 409 and r.json()["code"] == "not_a_dead_letter"
    assert [d["id"] for d in dead()] == [letters[0]["id"], letters[2]["id"]]


def test_replay_sends_again_what_was_recorded_since_a_time_with_the_same_idempotency_keys(
        hooks_client: TestClient, login, receiver: Receiver, session: Session, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    admin = login("admin")
    sub = subscribe(hooks_client, admin, receiver, "erp", ["received"])
    for n in range(4):
        receive(session, "PCB-01", f"P{n}", 10, minute=n)
    sent = outbox(session)
    wait_for(lambda: len(receiver.keys("erp")) == 4, "the first four deliveries")
    since = sent[2].created_at
    r = hooks_client.post(f"/api/webhooks/subscriptions/{sub['id']}/replay", headers=admin,
                          json={"since": since.isoformat()})
    assert r.status_code == 202 and r.json()["enqueued"] == sum(m.created_at >= since for m in sent), r.text
    expected = [m.key for m in sent] + [m.key for m in sent if m.created_at >= since]
    wait_for(lambda: receiver.keys("erp") == expected, "the replayed deliveries after the first four")
    wait_for(lambda: all_delivered(session, sub["id"]), "the replayed deliveries marked delivered")
    assert sum(d.replay for d in deliveries(session, sub["id"])) == r.json()["enqueued"]

    r = hooks_client.post(f"/api/webhooks/subscriptions/{sub['id']}/replay", headers=admin,
                          json={"since": "2999-01-01T00:00:00Z"})
    assert r.status_code == 422 and "future" in r.json()["detail"]


def test_a_rotated_secret_signs_what_is_sent_from_then_on(
        hooks_client: TestClient, login, receiver: Receiver, session: Session, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    admin = login("admin")
    sub = subscribe(hooks_client, admin, receiver, "erp", ["received"])
    old = receiver.secrets["erp"]
    r = hooks_client.post(f"/api/webhooks/subscriptions/{sub['id']}/rotate-secret", headers=admin)
    assert r.status_code == 200 and r.json()["secret"] != old, r.text
    receiver.secrets["erp"] = r.json()["secret"]
    receive(session, "PCB-01", "P1", 10)
    wait_for(lambda: len(receiver.keys("erp")) == 1, "a delivery signed with the new secret")
    assert receiver.bad_signatures == 0
    listed = hooks_client.get("/api/webhooks/subscriptions", headers=admin).json()
    assert [s["id"] for s in listed] == [sub["id"]] and "secret" not in listed[0]


def test_a_disabled_subscription_gets_nothing_new(
        hooks_client: TestClient, login, receiver: Receiver, session: Session, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    admin = login("admin")
    off = subscribe(hooks_client, admin, receiver, "off", ["*"])
    on = subscribe(hooks_client, admin, receiver, "on", ["*"])
    r = hooks_client.post(f"/api/webhooks/subscriptions/{off['id']}/disable", headers=admin)
    assert r.status_code == 200 and r.json()["active"] is False
    receive(session, "PCB-01", "P1", 10)
    wait_for(lambda: len(receiver.keys("on")) == 1, "the active subscription's delivery")
    assert receiver.keys("off") == [] and deliveries(session, off["id"]) == []
    assert len(deliveries(session, on["id"])) == 1


@pytest.mark.parametrize(("body", "code", "names"), [
    ({"url": "ftp://erp.example.com/x", "topics": ["*"]}, "bad_webhook_url", "http"),
    ({"url": "https://user:pw@erp.example.com/x", "topics": ["*"]}, "bad_webhook_url", "password"),
    ({"url": "https://erp.example.com/x", "topics": ["received", "teleported"]}, "unknown_topic", "teleported"),
])
def test_a_bad_subscription_is_refused_naming_what_is_wrong(client: TestClient, login, body: dict[str, Any],  # type: ignore[no-untyped-def]
                                                           code: str, names: str) -> None:
    r = client.post("/api/webhooks/subscriptions", headers=login("admin"), json=body)
    assert r.status_code == 422 and r.json()["code"] == code and names in r.json()["detail"], r.text
    assert client.get("/api/webhooks/subscriptions", headers=login("admin")).json() == []


def test_only_admins_manage_subscriptions_and_qa_managers_may_read(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    body = {"url": "https://erp.example.com/hook", "topics": ["shipped"]}
    assert client.post("/api/webhooks/subscriptions", headers=login("qa"), json=body).status_code == 403
    assert client.post("/api/webhooks/subscriptions", headers=login("picker"), json=body).status_code == 403
    assert client.get("/api/webhooks/deliveries", headers=login("picker")).status_code == 403
    assert client.get("/api/webhooks/deliveries", headers=login("qa")).json() == []
    assert "recall.closed" in client.get("/api/webhooks/topics", headers=login("qa")).json()
    r = client.post("/api/webhooks/subscriptions/nope/disable", headers=login("admin"))
    assert r.status_code == 404 and r.json()["code"] == "unknown_subscription"


def test_two_workers_on_one_database_neither_double_nor_reorder_a_subscription(
        hooks_client: TestClient, login, receiver: Receiver, session: Session, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    """As two backend processes would: each claims runs of a line only from its head, so one sends at a time."""
    other = WebhookWorker(hooks_client.app.state.engine, backoff=Backoff(base_s=0.01, cap_s=0.05), idle_s=0.05,
                          batch=3)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(other.start(), loop).result()
    try:
        admin = login("admin")
        subscribe(hooks_client, admin, receiver, "erp", ["*"])
        subscribe(hooks_client, admin, receiver, "mes", ["*"])
        for n in range(25):
            receive(session, "PCB-01", f"P{n}", 10, minute=n)
        sent = [m.key for m in outbox(session)]
        wait_for(lambda: len(receiver.keys("erp")) >= 25 and len(receiver.keys("mes")) >= 25, "50 deliveries")
    finally:
        asyncio.run_coroutine_threadsafe(other.stop(), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
    assert receiver.keys("erp") == sent and receiver.keys("mes") == sent


def test_backoff_doubles_up_to_its_cap_with_jitter_below_each_step() -> None:
    backoff = Backoff(base_s=1.0, cap_s=8.0)
    for attempts, step in ((1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (9, 8.0)):
        waits = [backoff.delay(attempts) for _ in range(200)]
        assert all(step / 2 <= w < step for w in waits), (attempts, min(waits), max(waits))
        assert len(set(waits)) > 1  # jittered: retries of many receivers do not arrive in step


def test_a_delivery_left_sending_by_a_dead_process_goes_back_in_line_after_its_lease(
        session: Session, plant: Plant) -> None:
    receive(session, "PCB-01", "P1", 10)
    sub = SubscriptionService(session, SYSTEM).create(url="http://127.0.0.1:9/hook", topics=["*"])
    assert queue.fan_out(session) == 1
    [line] = queue.claim_batch(session, sub.id, 10)  # claimed by a process that then died
    assert queue.claim_batch(session, sub.id, 10) == [] and queue.head_wait(session, sub.id) is None
    assert queue.requeue_stale(session, lease_s=60) == 0  # still within its lease
    session.execute(update(WebhookDelivery).values(claimed_at=utcnow() - timedelta(seconds=61)))
    session.commit()
    assert queue.requeue_stale(session, lease_s=60) == 1
    assert [t.delivery_id for t in queue.claim_batch(session, sub.id, 10)] == [line.delivery_id]

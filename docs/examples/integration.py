"""Lotline from a partner's side, with httpx: log in, resolve a scan, record a receive, trace it, subscribe a
webhook and check a delivery's signature, capture EPCIS. Run against a server:

    python docs/examples/integration.py http://127.0.0.1:8000 admin 'password'

tests/backend/test_integration_guide.py runs `run` against a real app in the test suite."""

from __future__ import annotations

import hashlib
import hmac
import json
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx


def log_in(client: httpx.Client, username: str, password: str) -> None:
    """Every later call carries the bearer token; a 401 means log in again."""
    r = client.post("/api/auth/login", json={"username": username, "password": password})
    r.raise_for_status()
    client.headers["Authorization"] = f"Bearer {r.json()['access_token']}"


def check(r: httpx.Response) -> Any:
    """Errors answer {code, detail}: key on `code`, show `detail` to people."""
    if r.is_error:
        problem = r.json()
        raise RuntimeError(f"{r.request.method} {r.request.url.path}: {r.status_code} {problem['code']}: "
                           f"{problem['detail']}")
    return r.json() if r.content else None


def receive(client: httpx.Client, *, supplier: str, scan: str, lot_no: str, qty: float, location: str) -> Any:
    """`scan` may be the supplier label's GS1 data, e.g. (01)<GTIN>(10)<lot>; the (01) names the item. The event id
    is yours: send the same id again after a timeout and the receive is recorded once."""
    return check(client.post("/api/events/receive", json={
        "id": str(uuid.uuid4()), "occurred_at": datetime.now(UTC).isoformat(), "supplier": supplier,
        "item": scan, "lot_no": lot_no, "qty": qty, "location": location}))


def verify_signature(secret: str, headers: dict[str, str], body: bytes, tolerance_s: int = 300) -> bool:
    """A webhook delivery is genuine when X-Lotline-Signature is HMAC-SHA256(secret, f"{timestamp}." + body) and
    the timestamp is recent. Check before parsing; then skip an Idempotency-Key already processed."""
    timestamp = headers["X-Lotline-Timestamp"]
    expected = "sha256=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers["X-Lotline-Signature"]) and \
        abs(time.time() - int(timestamp)) <= tolerance_s


def capture_epcis(client: httpx.Client, document: dict[str, Any]) -> Any:
    """202 with the capture job's Location; the job says success or lists what was invalid."""
    r = client.post("/epcis/capture", content=json.dumps(document),
                    headers={"Content-Type": "application/ld+json"})
    if r.status_code != 202:
        check(r)
    return check(client.get(r.headers["Location"]))


def run(client: httpx.Client, username: str, password: str, *, supplier: str, gtin: str, lot_no: str,
        location: str, webhook_url: str) -> dict[str, Any]:
    log_in(client, username, password)
    event = receive(client, supplier=supplier, scan=f"(01){gtin}(10){lot_no}", lot_no=lot_no, qty=10,
                    location=location)
    unit = event["lines"][0]["unit"]                     # PART/LOT, e.g. CASE-01/C7
    found = check(client.get("/api/resolve", params={"code": f"(01){gtin}(10){lot_no}"}))
    trace = check(client.get("/api/trace", params={"code": unit, "direction": "forward"}))
    subscription = check(client.post("/api/webhooks/subscriptions",
                                     json={"url": webhook_url, "topics": ["received", "shipped"]}))
    job = capture_epcis(client, {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": datetime.now(UTC).isoformat(),
        "epcisBody": {"eventList": [{
            "type": "ObjectEvent", "eventTime": "2026-11-02T09:00:00.000+08:00", "eventTimeZoneOffset": "+08:00",
            "action": "OBSERVE", "epcList": ["urn:epc:id:sgtin:4012345.011111.1"], "bizStep": "receiving",
            "disposition": "in_progress"}]}})
    return {"event": event, "unit": unit, "resolved": found, "trace": trace, "subscription": subscription,
            "capture": job}


if __name__ == "__main__":
    base, user, password = sys.argv[1:4]
    with httpx.Client(base_url=base, timeout=30) as http:
        print(json.dumps(run(http, user, password, supplier="SUP-B", gtin="06901234000023", lot_no="C7",
                             location="S1-RCV", webhook_url="https://erp.example.com/lotline"),
                         indent=2, default=str))

"""Webhook signatures (stdlib hmac), and how a receiver checks one.

Every POST carries:
    X-Lotline-Timestamp: 1765158000            (Unix seconds when this attempt was signed)
    X-Lotline-Signature: sha256=<hex>           HMAC-SHA256(secret, f"{timestamp}.".encode() + raw_body)
    Idempotency-Key: <uuid>                     the message's key, the same on every attempt and replay
A receiver verifies before it parses:

    expected = "sha256=" + hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    ok = hmac.compare_digest(expected, request.headers["X-Lotline-Signature"])
         and abs(time.time() - int(ts)) <= 300          # refuse replays of an old capture
    then: skip the message if Idempotency-Key was processed already (at-least-once: duplicates do happen)

`verify` below does exactly that. The timestamp is inside the MAC, so it cannot be moved forward.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

SIGNATURE = "X-Lotline-Signature"
TIMESTAMP = "X-Lotline-Timestamp"
IDEMPOTENCY_KEY = "Idempotency-Key"
TOLERANCE_S = 300


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, signature: str, body: bytes, *, now: float | None = None,
           tolerance_s: int = TOLERANCE_S) -> bool:
    """True when `signature` is this body's under `secret` and `timestamp` is within `tolerance_s` of now."""
    if not timestamp.isdigit():
        return False
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, int(timestamp), body), signature)

"""The canonical form of an event and its lines, and the hash that chains events per site.

Canonical form (version 1), meant to be reused for EPCIS-style event hashes:
- a JSON object {"event": {...}, "lines": [...], "prev": "<previous hash>"} with the event's immutable fields
  (EVENT_FIELDS: every column except prev_hash and hash, chain_seq included) and each line's fields (LINE_FIELDS,
  event_id left out: the line sits inside its event), lines sorted by id;
- serialised with sorted keys, no whitespace (separators "," and ":"), non-ASCII characters as themselves, then
  encoded as UTF-8;
- values: text as stored; NULL as null; enums as their value; timestamps in UTC, ISO 8601 with microseconds and
  the offset ("2026-12-07T17:45:00.000000+00:00"); quantities (qty, book_qty) as JSON numbers of the stored double
  (Python's shortest round-trip repr, so 5 is written 5.0); `attributes` as the stored JSON object.
- hash = lowercase hex SHA-256 of those bytes. The first event of a site links to GENESIS (64 zeros).

A change to any of this is a new version of the form: stored hashes must then be recomputed by a migration.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from enum import Enum
from typing import Any

GENESIS = "0" * 64
EVENT_FIELDS = ("id", "chain_seq", "type", "business_step", "disposition", "occurred_at", "recorded_at",
                "device_id", "user_id", "site_id", "location_id", "supplier_id", "customer_id", "work_order_id",
                "reference", "note", "attributes")
LINE_FIELDS = ("id", "unit_id", "role", "qty", "from_location_id", "to_location_id", "book_qty")
_NUMBERS = frozenset({"qty", "book_qty"})


def _value(name: str, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        if value.tzinfo is None:  # SQLite hands back naive UTC through a plain column
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if name in _NUMBERS:
        return float(value)
    if name == "attributes" and isinstance(value, str):  # a JSON column read as text
        return json.loads(value)
    return value


def canonical(event: Mapping[str, Any], lines: Iterable[Mapping[str, Any]], prev_hash: str) -> bytes:
    """The bytes the hash is taken of (see the module docstring)."""
    body = {
        "event": {name: v if type(v := event[name]) is str else _value(name, v) for name in EVENT_FIELDS},
        "lines": sorted(({name: v if type(v := line[name]) is str else _value(name, v) for name in LINE_FIELDS}
                         for line in lines), key=lambda line: line["id"]),
        "prev": prev_hash,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def event_hash(event: Mapping[str, Any], lines: Iterable[Mapping[str, Any]], prev_hash: str) -> str:
    return hashlib.sha256(canonical(event, lines, prev_hash)).hexdigest()

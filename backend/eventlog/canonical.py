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

import msgspec

GENESIS = "0" * 64
EVENT_FIELDS = ("id", "chain_seq", "type", "business_step", "disposition", "occurred_at", "recorded_at",
                "device_id", "user_id", "site_id", "location_id", "supplier_id", "customer_id", "work_order_id",
                "reference", "note", "attributes")
LINE_FIELDS = ("id", "unit_id", "role", "qty", "from_location_id", "to_location_id", "book_qty")
_NUMBERS = frozenset({"qty", "book_qty"})


class _NotPlain(Exception):
    """A value msgspec might write otherwise than json.dumps: the body takes json.dumps."""


def _value(name: str, value: Any, plain: bool) -> Any:
    """`plain`: raise _NotPlain for a value msgspec might not write as json.dumps does."""
    if isinstance(value, Enum):
        value = value.value
    elif isinstance(value, datetime):
        if value.tzinfo is None:  # SQLite hands back naive UTC through a plain column
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    elif name in _NUMBERS:
        value = float(value)
    elif name == "attributes" and isinstance(value, str):  # a JSON column read as text
        value = json.loads(value)
    if plain and not _plain(value):
        raise _NotPlain
    return value


def _body(event: Mapping[str, Any], lines: Iterable[Mapping[str, Any]], prev_hash: str, plain: bool) -> Any:
    return {
        "event": {name: v if type(v := event[name]) is str or v is None else _value(name, v, plain)
                  for name in EVENT_FIELDS},
        "lines": sorted(({name: v if type(v := line[name]) is str or v is None else _value(name, v, plain)
                          for name in LINE_FIELDS} for line in lines), key=lambda line: line["id"]),
        "prev": prev_hash,
    }


def canonical(event: Mapping[str, Any], lines: Iterable[Mapping[str, Any]], prev_hash: str) -> bytes:
    """The bytes the hash is taken of (see the module docstring)."""
    lines = list(lines)
    try:
        return _ENCODER.encode(_body(event, lines, prev_hash, plain=True))
    except _NotPlain:
        return json.dumps(_body(event, lines, prev_hash, plain=False), sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False).encode("utf-8")


# msgspec writes exactly what json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False) writes for text
# (every code point), integers of any size, booleans, null, and floats written without an exponent: 0 and
# 1e-4 <= |x| < 1e16 (outside, it writes 1e16 for 1e+16 and null for NaN): compared over every code point and
# 500k floats with msgspec 0.22. Anything else takes json.dumps, the form's definition, ~10x slower per event.
_ENCODER = msgspec.json.Encoder(order="sorted")
_LEAVES = frozenset({str, int, bool, type(None)})


def _plain(value: Any) -> bool:
    """True when `value` holds only what both encoders write alike."""
    kind = type(value)
    if kind in _LEAVES:
        return True
    if kind is float:
        return value == 0.0 or 1e-4 <= abs(value) < 1e16
    if kind is dict:
        return all(type(k) is str and _plain(v) for k, v in value.items())
    if kind is list:
        return all(_plain(v) for v in value)
    return False


def event_hash(event: Mapping[str, Any], lines: Iterable[Mapping[str, Any]], prev_hash: str) -> str:
    return hashlib.sha256(canonical(event, lines, prev_hash)).hexdigest()

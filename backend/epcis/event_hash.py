"""The CBV 2.0 event hash ID (CBV §8.9): `ni:///sha-256;<hex>?ver=CBV2.0` of an event's canonical pre-hash string.

The pre-hash string, as this module reads the standard's text:
- the event's fields in the canonical order of ``ORDER`` (eventID, recordTime and JSON-LD keys are left out), each
  written as `name=value`; a structure writes its name, then its children (`readPointid=...`); a list writes its
  name, then each element under the element's name (`epcListepc=...epc=...`), the elements sorted by their own
  strings, case-sensitive (code-point order);
- values with surrounding blanks removed; numbers without trailing zeros (1, not 1.0); timestamps in UTC with
  millisecond precision and 'Z' (the 4th decimal rounds the 3rd); EPC URNs and LGTIN classes as canonical GS1
  Digital Link URIs on id.gs1.org; CBV terms (bare or URN) as their web URIs (https://ref.gs1.org/cbv/...);
- user extensions after the standard fields, as `{namespace}name=value` with the namespace taken from the
  document's @context, sorted; inside structures (ilmd, sensor elements) the same, children sorted by name;
- SHA-256 over the UTF-8 bytes, lower-case hex.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from backend.epcis.identifiers import digital_link, vocabulary_uri

HASH_PREFIX = "ni:///sha-256;"
HASH_SUFFIX = "?ver=CBV2.0"
# (field, element name for a list, child order for its elements or a structure)
QTY = ("epcClass", "quantity", "uom")
ORDER: tuple[tuple[str, str | None, tuple[str, ...]], ...] = (
    ("eventType", None, ()), ("eventTime", None, ()), ("eventTimeZoneOffset", None, ()),
    ("certificationInfo", None, ()),
    ("errorDeclaration", None, ("declarationTime", "reason", "correctiveEventIDs")),
    ("parentID", None, ()), ("epcList", "epc", ()), ("inputEPCList", "epc", ()), ("childEPCs", "epc", ()),
    ("quantityList", "quantityElement", QTY), ("childQuantityList", "quantityElement", QTY),
    ("inputQuantityList", "quantityElement", QTY), ("outputEPCList", "epc", ()),
    ("outputQuantityList", "quantityElement", QTY), ("action", None, ()), ("transformationID", None, ()),
    ("bizStep", None, ()), ("disposition", None, ()), ("persistentDisposition", None, ("set", "unset")),
    ("readPoint", None, ("id",)), ("bizLocation", None, ("id",)),
    ("bizTransactionList", "bizTransaction", ("bizTransaction", "type")),
    ("sourceList", "source", ("source", "type")), ("destinationList", "destination", ("destination", "type")),
    ("sensorElementList", "sensorElement", ("sensorMetadata", "sensorReport")), ("ilmd", None, ()),
)
STANDARD = {name for name, _, _ in ORDER} | {"type", "eventID", "recordTime", "@context", "errorDeclaration"}
TIME_FIELDS = {"eventTime", "recordTime", "declarationTime", "time", "startTime", "endTime"}
VOCAB_FIELDS = {"bizStep": "bizstep", "disposition": "disp", "set": "disp", "unset": "disp", "reason": "er"}
TYPED_LISTS = {"bizTransaction": "btt", "source": "sdt", "destination": "sdt"}


def event_hash_id(event: dict[str, Any], context: Any = None) -> str:
    digest = hashlib.sha256(pre_hash(event, context).encode()).hexdigest()
    return f"{HASH_PREFIX}{digest}{HASH_SUFFIX}"


def pre_hash(event: dict[str, Any], context: Any = None) -> str:
    namespaces = _namespaces(context) | _namespaces(event.get("@context"))
    out = [f"eventType={_text(event.get('type', ''))}"]
    for name, element, children in ORDER[1:]:
        if name in event:
            out.append(_field(name, event[name], element, children, namespaces))
    out.extend(sorted(_extension(k, v, namespaces) for k, v in event.items() if k not in STANDARD))
    return "".join(out)


def canonical_time(value: str) -> str:
    """ISO 8601 with any offset → UTC, milliseconds, 'Z'."""
    text = value.strip()
    fraction = ""
    head, dot, rest = text.partition(".")
    if dot:  # keep the digits beyond microseconds out of fromisoformat, round to milliseconds ourselves
        digits = rest[:len(rest) - len(rest.lstrip("0123456789"))]
        fraction, zone = digits, rest[len(digits):]
        text = head + zone
    when = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    ms = int(Decimal("0." + (fraction or "0")).quantize(Decimal("0.001"), ROUND_HALF_UP) * 1000)
    if ms == 1000:
        when, ms = when.replace(microsecond=0) + _SECOND, 0
    return when.strftime("%Y-%m-%dT%H:%M:%S") + f".{ms:03d}Z"


def canonical_number(value: float | int | Decimal) -> str:
    number = Decimal(str(value))
    if number == number.to_integral_value():
        return str(int(number))
    return format(number.normalize(), "f")


def _field(name: str, value: Any, element: str | None, children: tuple[str, ...], ns: dict[str, str]) -> str:
    if element is not None and isinstance(value, list):
        parts = sorted(_element(element, v, children, ns) for v in value)
        return name + "".join(parts)
    if isinstance(value, dict):
        return name + _structure(value, children, ns)
    if isinstance(value, list):
        return name + "".join(sorted(_value(name, v) for v in value))
    return f"{name}={_value(name, value)}"


def _element(element: str, value: Any, children: tuple[str, ...], ns: dict[str, str]) -> str:
    if isinstance(value, dict):
        if element in TYPED_LISTS:  # bizTransaction / source / destination: value then its type
            typed = dict(value)
            if "type" in typed:
                typed["type"] = vocabulary_uri(_text(typed["type"]), TYPED_LISTS[element])
            return element + _structure(typed, children, ns)
        return element + _structure(value, children, ns)
    return f"{element}={_value(element, value)}"


def _structure(value: dict[str, Any], children: tuple[str, ...], ns: dict[str, str]) -> str:
    known = [c for c in children if c in value]
    rest = sorted(k for k in value if k not in children and ":" not in k)
    out = []
    for key in [*known, *rest]:
        child = value[key]
        if isinstance(child, list):  # scalars: `key=value` each; structures: `key` and their children; sorted
            out.append("".join(sorted(key + _structure(v, (), ns) if isinstance(v, dict) else
                                      f"{key}={_value(key, v)}" for v in child)))
        elif isinstance(child, dict):
            out.append(key + _structure(child, (), ns))
        else:
            out.append(f"{key}={_value(key, child)}")
    out.extend(sorted(_extension(k, v, ns) for k, v in value.items() if ":" in k))
    return "".join(out)


def _extension(key: str, value: Any, ns: dict[str, str]) -> str:
    prefix, _, local = key.partition(":")
    name = "{" + ns.get(prefix, prefix) + "}" + local if local else key
    if isinstance(value, dict):
        return name + _structure(value, (), ns)
    if isinstance(value, list):
        return name + "".join(sorted(_structure(v, (), ns) if isinstance(v, dict) else f"={_value(key, v)}"
                                     for v in value))
    return f"{name}={_value(key, value)}"


def _value(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return canonical_number(value)
    text = _text(value)
    if name in TIME_FIELDS:
        return canonical_time(text)
    if name in VOCAB_FIELDS:
        return vocabulary_uri(text, VOCAB_FIELDS[name])
    return digital_link(text)


def _text(value: Any) -> str:
    return str(value).strip()


def _namespaces(context: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    for entry in context if isinstance(context, list) else [context]:
        if isinstance(entry, dict):
            found.update({k: v for k, v in entry.items() if isinstance(v, str)})
    return found


_SECOND = datetime(2000, 1, 1, 0, 0, 1) - datetime(2000, 1, 1)

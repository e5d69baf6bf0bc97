"""EPCIS SimpleEventQuery over the store: the standard's parameters, pages by an opaque keyset cursor.

Results come in store order (`seq`): a page is "events after the last one the previous page gave", so a page
never repeats or skips an event however many are captured meanwhile (new ones come at the end). The
nextPageToken carries that position and a fingerprint of the query it belongs to.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlmodel import Session

from backend.epcis.errors import QueryParameterInvalid
from backend.epcis.export import CONTEXT, iso
from backend.epcis.identifiers import digital_link, vocabulary_term
from backend.epcis.store import EPCS, EVENTS, parse_time

EVENT_TYPES = ("ObjectEvent", "AggregationEvent", "TransformationEvent", "AssociationEvent", "TransactionEvent")
DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 10_000
EPC_ROLES = {"MATCH_epc": ("epc",), "MATCH_parentID": ("parent",), "MATCH_inputEPC": ("input",),
             "MATCH_outputEPC": ("output",), "MATCH_anyEPC": ("epc", "parent", "input", "output"),
             "MATCH_epcClass": ("class",), "MATCH_inputEPCClass": ("inclass",), "MATCH_outputEPCClass": ("outclass",),
             "MATCH_anyEPCClass": ("class", "inclass", "outclass")}
TIMES = {"GE_eventTime": ("event_time", True), "LT_eventTime": ("event_time", False),
         "GE_recordTime": ("record_time", True), "LT_recordTime": ("record_time", False)}
EQUALS = {"EQ_bizStep": "biz_step", "EQ_disposition": "disposition", "EQ_readPoint": "read_point",
          "EQ_bizLocation": "biz_location", "EQ_action": "action", "EQ_eventID": "event_id"}
PAGING = ("perPage", "nextPageToken")
KNOWN = ("eventType", *TIMES, *EQUALS, *EPC_ROLES, *PAGING)


@dataclass(frozen=True, slots=True)
class Page:
    events: list[dict[str, Any]]
    next_token: str | None


def values(raw: str | Sequence[str]) -> list[str]:
    """A parameter's values: repeated, comma-separated, or both (the REST binding's list form)."""
    items = [raw] if isinstance(raw, str) else list(raw)
    return [v.strip() for item in items for v in item.split(",") if v.strip()]


def query_events(session: Session, params: Mapping[str, str | Sequence[str]], *,
                 fixed: Mapping[str, str | Sequence[str]] | None = None) -> Page:
    """Raises QueryParameterInvalid naming an unknown parameter, a bad value or a token of another query."""
    unknown = sorted(k for k in params if k not in KNOWN)
    if unknown:
        raise QueryParameterInvalid(f"Unknown query parameter {unknown[0]}; known: {', '.join(KNOWN)}.",
                                    parameter=unknown[0])
    merged = {**{k: v for k, v in params.items() if k not in PAGING}, **(fixed or {})}
    where = _filters(merged, session.get_bind().dialect.name == "sqlite")
    per_page = _per_page(params.get("perPage"))
    fingerprint = _fingerprint(merged)
    token = params.get("nextPageToken")
    after = _read_token(token if isinstance(token, str) else (token or [""])[0], fingerprint) if token else 0
    rows = list(session.execute(select(EVENTS.c.seq, EVENTS.c.document).where(EVENTS.c.seq > after, *where)
                                .order_by(EVENTS.c.seq).limit(per_page + 1)))
    more = len(rows) > per_page
    rows = rows[:per_page]
    return Page([r.document for r in rows], _token(rows[-1].seq, fingerprint) if more and rows else None)


def _filters(params: Mapping[str, str | Sequence[str]], sqlite: bool) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    for name, raw in params.items():
        given = values(raw)
        if not given:
            raise QueryParameterInvalid(f"{name} has no value.", parameter=name)
        if name == "eventType":
            bad = [v for v in given if v not in EVENT_TYPES]
            if bad:
                raise QueryParameterInvalid(f"eventType {bad[0]!r} is not one of {', '.join(EVENT_TYPES)}.",
                                            parameter=name)
            where.append(EVENTS.c.event_type.in_(given))
        elif name in TIMES:
            column, at_least = TIMES[name]
            when = _time(name, given)
            where.append(EVENTS.c[column] >= when if at_least else EVENTS.c[column] < when)
        elif name in EQUALS:
            column = EQUALS[name]
            if column == "biz_step":
                given = [vocabulary_term(v, "bizstep") for v in given]
            elif column == "disposition":
                given = [vocabulary_term(v, "disp") for v in given]
            where.append(EVENTS.c[column].in_(given))
        else:
            where.append(EVENTS.c.seq.in_(select(EPCS.c.event_seq).where(EPCS.c.role.in_(EPC_ROLES[name]),
                                                                         _epc_match(given, sqlite))))
    return where


def _epc_match(given: list[str], sqlite: bool) -> ColumnElement[bool]:
    """Exact URIs, compared as canonical GS1 Digital Links where they are GS1 keys (a URN matches its Digital Link
    and back), and patterns ending in '*' (a prefix of the URI as it was sent)."""
    exact = sorted({digital_link(v) for v in given if not v.endswith("*")})
    terms: list[ColumnElement[bool]] = [EPCS.c.canonical.in_(exact)] if exact else []
    for pattern in (v[:-1] for v in given if v.endswith("*")):
        if sqlite:  # a range: binary, so exactly the prefix, and the primary key (epc, …) serves it (LIKE there is
            # case-insensitive and cannot use it)
            terms.append(and_(EPCS.c.epc >= pattern, EPCS.c.epc < pattern + "\U0010ffff"))
        else:       # LIKE is case-sensitive and exact whatever the collation (a range under one is not)
            terms.append(EPCS.c.epc.startswith(pattern, autoescape=True))
    return or_(*terms) if len(terms) > 1 else and_(*terms)


def _time(name: str, given: list[str]) -> datetime:
    if len(given) != 1:
        raise QueryParameterInvalid(f"{name} takes one date-time, got {len(given)}.", parameter=name)
    try:
        return parse_time(given[0].replace(" ", "+"))  # a '+' offset arrives as a blank when not percent-encoded
    except ValueError as exc:
        raise QueryParameterInvalid(f"{name} {given[0]!r} is not an ISO 8601 date-time with an offset.",
                                    parameter=name) from exc


def _per_page(raw: str | Sequence[str] | None) -> int:
    if raw is None:
        return DEFAULT_PER_PAGE
    text = raw if isinstance(raw, str) else raw[0]
    if not text.isdigit() or not 1 <= int(text) <= MAX_PER_PAGE:
        raise QueryParameterInvalid(f"perPage {text!r} must be a whole number from 1 to {MAX_PER_PAGE}.",
                                    parameter="perPage")
    return int(text)


def _fingerprint(params: Mapping[str, str | Sequence[str]]) -> str:
    canon = json.dumps({k: values(v) for k, v in sorted(params.items())}, separators=(",", ":"))
    return hashlib.sha256(canon.encode()).hexdigest()[:16]


def _token(seq: int, fingerprint: str) -> str:
    return base64.urlsafe_b64encode(f"{seq}.{fingerprint}".encode()).decode().rstrip("=")


def _read_token(token: str, fingerprint: str) -> int:
    try:
        seq, _, made_for = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode().partition(".")
        position = int(seq)
    except ValueError as exc:
        raise QueryParameterInvalid("nextPageToken is not one this server gave.", parameter="nextPageToken") from exc
    if made_for != fingerprint:
        raise QueryParameterInvalid("nextPageToken belongs to a query with other parameters; send the same "
                                    "parameters with it.", parameter="nextPageToken")
    return position


def query_document(events: list[dict[str, Any]], created: datetime) -> dict[str, Any]:
    """An EPCISQueryDocument holding `events` (the REST binding's answer to an event query)."""
    return {"@context": CONTEXT, "type": "EPCISQueryDocument", "schemaVersion": "2.0", "creationDate": iso(created),
            "epcisBody": {"queryResults": {"queryName": "SimpleEventQuery", "resultsBody": {"eventList": events}}}}

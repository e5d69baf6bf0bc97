"""Proves a site's hash chain from its stored rows, and links events stored before the chain existed.

Both read the database with plain column selects (no ORM objects), a page of events at a time in chain order, so a
long history is checked in bounded memory; migration 0006 uses `link_unchained` on the rows it found.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update

from backend.eventlog.canonical import EVENT_FIELDS, GENESIS, LINE_FIELDS, event_hash
from backend.trace.models import EventLine
from shared_models.masterdata import Site
from shared_models.trace import Event

PAGE = 1000
_EVENTS = Event.__table__  # type: ignore[attr-defined]
_LINES = EventLine.__table__  # type: ignore[attr-defined]
_SITES = Site.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Break:
    """The first link that does not hold. `kind`: hash (the row or its lines changed: stored vs recomputed),
    prev_link (prev_hash is not the previous event's hash: stored vs expected), gap (a chain_seq is missing:
    stored vs expected seq), unchained (an event of this site has no place in the chain)."""

    event_id: str
    chain_seq: int | None
    occurred_at: datetime | None
    recorded_at: datetime | None
    kind: str
    stored: str
    expected: str

    def describe(self) -> str:
        what = {"hash": "the event or its lines changed: stored hash {s}, recomputed {e}",
                "prev_link": "broken link: prev_hash {s}, the previous event's hash is {e}",
                "gap": "chain_seq {s} follows {e}: events in between are missing",
                "unchained": "the event has no chain_seq (written outside the services)"}[self.kind]
        return (f"event {self.event_id} (seq {self.chain_seq}, occurred {self.occurred_at}, recorded "
                f"{self.recorded_at}): " + what.format(s=self.stored, e=self.expected))


@dataclass(frozen=True, slots=True)
class SiteChain:
    site_id: str
    site_code: str
    events: int            # events checked
    head_seq: int          # the last link: publish (seq, hash) elsewhere to make truncation evident too
    head_hash: str
    first_break: Break | None

    @property
    def intact(self) -> bool:
        return self.first_break is None


def verify_all(conn: Connection, site_code: str | None = None) -> list[SiteChain]:
    """Every site's chain (or one site's, by code), in site-code order. Raises LookupError for an unknown code."""
    query = select(_SITES.c.id, _SITES.c.code).order_by(_SITES.c.code)
    if site_code is not None:
        query = query.where(_SITES.c.code == site_code)
    sites = conn.execute(query).all()
    if site_code is not None and not sites:
        raise LookupError(site_code)
    return [verify_site(conn, site_id, code) for site_id, code in sites]


def verify_site(conn: Connection, site_id: str, site_code: str = "") -> SiteChain:
    seq, prev, checked = 0, GENESIS, 0
    for row, lines in _pages(conn, site_id):
        checked += 1
        broken = _check(row, lines, seq, prev)
        if broken is not None:
            return SiteChain(site_id, site_code, checked, seq, prev, broken)
        seq, prev = row["chain_seq"], row["hash"]
    loose = conn.execute(select(*_event_columns()).where(_EVENTS.c.site_id == site_id,
                                                         _EVENTS.c.chain_seq.is_(None))
                         .order_by(_EVENTS.c.recorded_at, _EVENTS.c.id).limit(1)).mappings().first()
    if loose is not None:
        return SiteChain(site_id, site_code, checked, seq, prev, _break(loose, "unchained", "", ""))
    return SiteChain(site_id, site_code, checked, seq, prev, None)


def link_unchained(conn: Connection) -> int:
    """Gives every event without a chain_seq its place after its site's tail, in (recorded_at, id) order, and
    returns how many were linked. For rows written before the chain existed (migration 0006)."""
    linked = 0
    site_ids = conn.execute(select(_EVENTS.c.site_id).where(_EVENTS.c.chain_seq.is_(None)).distinct()).scalars()
    for site_id in list(site_ids):
        tail = conn.execute(select(func.max(_EVENTS.c.chain_seq)).where(_EVENTS.c.site_id == site_id)).scalar()
        seq = int(tail or 0)
        prev = GENESIS if not seq else conn.execute(select(_EVENTS.c.hash).where(
            _EVENTS.c.site_id == site_id, _EVENTS.c.chain_seq == seq)).scalar_one()
        while True:
            page = conn.execute(select(*_event_columns()).where(_EVENTS.c.site_id == site_id,
                                                                _EVENTS.c.chain_seq.is_(None))
                                .order_by(_EVENTS.c.recorded_at, _EVENTS.c.id).limit(PAGE)).mappings().all()
            if not page:
                break
            lines_of = _lines_of(conn, [r["id"] for r in page])
            updates = []
            for row in page:
                seq += 1
                linked_row = {**row, "chain_seq": seq}
                digest = event_hash(linked_row, lines_of.get(row["id"], []), prev)
                updates.append({"_id": row["id"], "_seq": seq, "_prev": prev, "_hash": digest})
                prev = digest
            conn.execute(update(_EVENTS).where(_EVENTS.c.id == bindparam("_id"))
                         .values(chain_seq=bindparam("_seq"), prev_hash=bindparam("_prev"), hash=bindparam("_hash")),
                         updates)
            linked += len(updates)
    return linked


def _check(row: Mapping[str, Any], lines: list[Mapping[str, Any]], seq: int, prev: str) -> Break | None:
    if row["chain_seq"] != seq + 1:
        return _break(row, "gap", str(row["chain_seq"]), str(seq))
    if row["prev_hash"] != prev:
        return _break(row, "prev_link", str(row["prev_hash"]), prev)
    recomputed = event_hash(row, lines, prev)
    if row["hash"] != recomputed:
        return _break(row, "hash", str(row["hash"]), recomputed)
    return None


def _break(row: Mapping[str, Any], kind: str, stored: str, expected: str) -> Break:
    return Break(row["id"], row["chain_seq"], row["occurred_at"], row["recorded_at"], kind, stored, expected)


def _event_columns() -> list[Any]:
    return [_EVENTS.c[n] for n in (*EVENT_FIELDS, "prev_hash", "hash")]


def _pages(conn: Connection, site_id: str) -> Iterator[tuple[Mapping[str, Any], list[Mapping[str, Any]]]]:
    after = 0
    while True:
        page = conn.execute(select(*_event_columns()).where(_EVENTS.c.site_id == site_id,
                                                            _EVENTS.c.chain_seq > after)
                            .order_by(_EVENTS.c.chain_seq).limit(PAGE)).mappings().all()
        if not page:
            return
        lines_of = _lines_of(conn, [r["id"] for r in page])
        for row in page:
            yield row, lines_of.get(row["id"], [])
        after = page[-1]["chain_seq"]


def _lines_of(conn: Connection, event_ids: list[str]) -> dict[str, list[Mapping[str, Any]]]:
    found: dict[str, list[Mapping[str, Any]]] = {}
    for start in range(0, len(event_ids), 500):
        for line in conn.execute(select(*(_LINES.c[n] for n in (*LINE_FIELDS, "event_id")))
                                 .where(_LINES.c.event_id.in_(event_ids[start:start + 500]))).mappings():
            found.setdefault(line["event_id"], []).append(line)
    return found

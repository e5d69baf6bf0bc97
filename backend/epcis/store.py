"""Writes EPCIS events into the store (`epcis_event`, `epcis_epc`) in sets, and brings Lotline's own events in.

Nothing here commits except `publish_lotline`, which is the store keeping up with the event table: what a query
reads is every Lotline event committed before it, exported once (the unique `lotline_event_id` makes a second,
concurrent export of the same event fail and roll back instead of storing it twice).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from backend.epcis.event_hash import canonical_time
from backend.epcis.export import Lookup, to_epcis, unit_epc
from backend.epcis.identifiers import digital_link, vocabulary_term
from backend.epcis.models import EpcisEpc, EpcisEvent
from backend.trace.models import EventLine
from shared_models.masterdata import Customer, Item, Location, Site, Supplier
from shared_models.trace import Event, Unit
from shared_models.types import utcnow
from sync.server.bulk import insert_many

EVENTS: Table = EpcisEvent.__table__  # type: ignore[attr-defined]
EPCS: Table = EpcisEpc.__table__  # type: ignore[attr-defined]
LOCK_KEY = 0xE9C15  # pg_advisory_xact_lock key of the store's writers: they number events one after another
PUBLISH_BATCH = 2000
# (field, role, holds quantity elements): where an event names EPCs and EPC classes, and the role each plays.
EPC_FIELDS = (("epcList", "epc", False), ("childEPCs", "epc", False), ("parentID", "parent", False),
              ("inputEPCList", "input", False), ("outputEPCList", "output", False),
              ("quantityList", "class", True), ("childQuantityList", "class", True),
              ("inputQuantityList", "inclass", True), ("outputQuantityList", "outclass", True))


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(canonical_time(value).replace("Z", "+00:00"))


def epcs_of(doc: dict[str, Any]) -> set[tuple[str, str]]:
    """(EPC or class URI, role) for everything the event names."""
    found: set[tuple[str, str]] = set()
    for key, role, quantities in EPC_FIELDS:
        value = doc.get(key)
        if value is None:
            continue
        for entry in value if isinstance(value, list) else [value]:
            uri = entry.get("epcClass") if quantities and isinstance(entry, dict) else entry
            if isinstance(uri, str) and uri:
                found.add((uri.strip(), role))
    return found


def row_of(doc: dict[str, Any], hash_id: str, *, lotline_event_id: str | None = None,
           capture_id: str | None = None) -> dict[str, Any]:
    return {
        "hash_id": hash_id, "event_id": str(doc.get("eventID") or hash_id)[:255],
        "event_type": doc["type"], "event_time": parse_time(doc["eventTime"]),
        "record_time": parse_time(doc["recordTime"]) if lotline_event_id and "recordTime" in doc else utcnow(),
        "action": str(doc.get("action", "")), "biz_step": vocabulary_term(str(doc.get("bizStep", "")), "bizstep")[:255],
        "disposition": vocabulary_term(str(doc.get("disposition", "")), "disp")[:255],
        "read_point": str((doc.get("readPoint") or {}).get("id", ""))[:255],
        "biz_location": str((doc.get("bizLocation") or {}).get("id", ""))[:255],
        "lotline_event_id": lotline_event_id, "capture_id": capture_id, "document": doc,
    }


def lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})


def insert_events(session: Session, rows: Sequence[dict[str, Any]],
                  units: dict[str, str] | None = None) -> list[int]:
    """Numbers the rows after the last stored event and inserts them with their EPC index rows; `units` maps an
    EPC URI to the Lotline unit it names. Returns the numbers given."""
    if not rows:
        return []
    lock(session)
    last = session.execute(select(func.max(EVENTS.c.seq))).scalar() or 0
    numbered = [{**row, "seq": last + i} for i, row in enumerate(rows, start=1)]
    epc_rows = [{"epc": uri[:255], "role": role, "event_seq": row["seq"], "canonical": digital_link(uri)[:255],
                 "unit_id": (units or {}).get(uri)}
                for row in numbered for uri, role in sorted(epcs_of(row["document"]))]
    conn = session.connection()
    insert_many(conn, EVENTS, numbered)
    insert_many(conn, EPCS, epc_rows)
    return [row["seq"] for row in numbered]


def stored_hashes(session: Session, hashes: Iterable[str]) -> set[str]:
    found: set[str] = set()
    wanted = list(dict.fromkeys(hashes))
    for start in range(0, len(wanted), 900):
        chunk = wanted[start:start + 900]
        found.update(session.execute(select(EVENTS.c.hash_id).where(EVENTS.c.hash_id.in_(chunk))).scalars())
    return found


def publish_lotline(session: Session, prefix_length: int) -> int:
    """Exports every Lotline event not yet in the store and commits; returns how many it stored. Cheap when
    there is nothing to do: one index look-up per site (`_behind`)."""
    if not _behind(session):
        return 0
    stored = 0
    while True:
        ids = list(session.execute(
            select(Event.id).outerjoin(EVENTS, EVENTS.c.lotline_event_id == Event.id)
            .where(EVENTS.c.seq.is_(None)).order_by(Event.recorded_at, Event.id).limit(PUBLISH_BATCH)).scalars())
        if not ids:
            return stored
        try:
            stored += _publish(session, ids, prefix_length)
            session.commit()
        except IntegrityError:  # another request exported these meanwhile: theirs stands
            session.rollback()


def _behind(session: Session) -> bool:
    """Whether some Lotline event is not in the store yet. Each site's events are numbered in commit order
    (`chain_seq`, backend/eventlog) and a publish stores every event committed before it, so an event is missing
    only if its site's newest one is: comparing the newest per site is enough."""
    newest = [n for site_id in session.execute(select(Site.id)).scalars()
              if (n := session.execute(select(Event.id).where(Event.site_id == site_id, Event.chain_seq.is_not(None))
                                       .order_by(Event.chain_seq.desc()).limit(1)).scalar()) is not None]
    if not newest:
        return False
    known = session.execute(select(func.count()).where(EVENTS.c.lotline_event_id.in_(newest))).scalar() or 0
    return known < len(newest)


def _publish(session: Session, ids: list[str], prefix_length: int) -> int:
    events = list(session.execute(select(Event).where(Event.id.in_(ids))).scalars())
    lines: dict[str, list[EventLine]] = {}
    for line in session.execute(select(EventLine).where(EventLine.event_id.in_(ids))).scalars():
        lines.setdefault(line.event_id, []).append(line)
    look = lookup(session, {ln.unit_id for group in lines.values() for ln in group}, prefix_length)
    rows, units = [], {}
    for event in sorted(events, key=lambda e: (e.recorded_at, e.id)):
        group = sorted(lines.get(event.id, []), key=lambda ln: (ln.role.value, ln.unit_id))
        doc = to_epcis(event, group, look)
        rows.append(row_of(doc, doc["eventID"], lotline_event_id=event.id))
        for line in group:
            units[unit_epc(look.units[line.unit_id], look)[0]] = line.unit_id
    insert_events(session, rows, units)
    return len(rows)


def lookup(session: Session, unit_ids: set[str], prefix_length: int) -> Lookup:
    units = _by_id(session, Unit, unit_ids)
    lots = {u.lot_unit_id for u in units.values() if u.lot_unit_id} - set(units)
    units.update(_by_id(session, Unit, lots))
    return Lookup(units=units, items=_by_id(session, Item, {u.item_id for u in units.values() if u.item_id}),
                  locations=_all(session, Location), sites=_all(session, Site), suppliers=_all(session, Supplier),
                  customers=_all(session, Customer), prefix_length=prefix_length)


def _by_id(session: Session, model: Any, ids: set[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    wanted = sorted(ids)
    for start in range(0, len(wanted), 900):
        found.update((r.id, r) for r in session.execute(select(model).where(model.id.in_(wanted[start:start + 900])))
                     .scalars())
    return found


def _all(session: Session, model: Any) -> dict[str, Any]:
    return {r.id: r for r in session.execute(select(model)).scalars()}

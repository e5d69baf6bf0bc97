"""The FSMA 204 sortable spreadsheet's rows: one per critical tracking event per traceability lot, for one lot
(tlc) or one product (item), in a time window, within what the caller may see (backend/fsma/schemas.py says how
Lotline's events map to the rule's events)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from backend.auth.principal import Principal
from backend.fsma.errors import InvalidFsmaRequest
from backend.fsma.schemas import CTE, REFERENCE_DOCUMENT
from backend.production.models import WorkOrder
from backend.trace.lookup import item_by_ref, unit_by_code, visible_units
from backend.trace.models import EventLine
from shared_models.enums import EventType, LineRole, UnitKind
from shared_models.masterdata import Customer, Item, Location, Site, Supplier
from shared_models.trace import Event, Unit


def _check_window(from_at: datetime | None, to_at: datetime | None) -> None:
    for name, value in (("from", from_at), ("to", to_at)):
        if value is not None and value.tzinfo is None:
            raise InvalidFsmaRequest(name, f"'{value.isoformat()}' needs a time zone offset (e.g. Z or -05:00).")
    if from_at is not None and to_at is not None and to_at <= from_at:
        raise InvalidFsmaRequest("to", f"the window ends ({to_at.isoformat()}) before it starts "
                                       f"({from_at.isoformat()}).")


def _by_id(session: Session, model: Any, ids: Iterable[str | None]) -> dict[str, Any]:
    wanted = {i for i in ids if i}
    return {r.id: r for r in session.exec(select(model).where(col(model.id).in_(wanted)))} if wanted else {}


class _Places:
    """Names the spreadsheet gives sites, locations and partners: name, code, and GLN when known."""

    def __init__(self, session: Session, lines: list[tuple[EventLine, Event]], units: dict[str, Unit]) -> None:
        events = [e for _, e in lines]
        self.locations = _by_id(session, Location, [e.location_id for e in events] +
                                [x for ln, _ in lines for x in (ln.from_location_id, ln.to_location_id)])
        self.sites = _by_id(session, Site, [e.site_id for e in events] + [u.site_id for u in units.values()])
        self.suppliers = _by_id(session, Supplier, [e.supplier_id for e in events] +
                                [u.supplier_id for u in units.values()])
        self.customers = _by_id(session, Customer, [e.customer_id for e in events])
        self.items = _by_id(session, Item, [u.item_id for u in units.values()])
        self.orders = _by_id(session, WorkOrder, [e.work_order_id for e in events])

    @staticmethod
    def _named(name: str, code: str, gln: str | None) -> str:
        return f"{name} ({code})" + (f", GLN {gln}" if gln else "")

    def location(self, location_id: str | None, site_id: str) -> str:
        site = self.sites[site_id]
        where = self._named(site.name, site.code, site.gln)
        loc = self.locations.get(location_id or "")
        return f"{where}; {self._named(loc.name, loc.code, loc.gln)}" if loc else where

    def partner(self, partner: Supplier | Customer | None) -> str:
        return self._named(partner.name, partner.code, partner.gln) if partner else ""

    def tlc_source(self, unit: Unit) -> tuple[str, str]:
        """Where the lot code was assigned, and a reference to it: the supplier's lot for received lots, else the
        site that made the lot (its GLN)."""
        supplier = self.suppliers.get(unit.supplier_id or "")
        if supplier is not None:
            return self.partner(supplier), f"{supplier.code} lot {unit.supplier_lot}" if unit.supplier_lot else ""
        site = self.sites[unit.site_id]
        return self._named(site.name, site.code, site.gln), f"GLN {site.gln}" if site.gln else ""

    def product(self, unit: Unit) -> str:
        item = self.items.get(unit.item_id or "")
        return f"{item.name}, {item.spec} [{item.part_no}]".replace(", ]", "]") if item else unit.code


def fsma_rows(session: Session, principal: Principal, *, tlc: str | None = None, item: str | None = None,
              from_at: datetime | None = None, to_at: datetime | None = None) -> list[list[Any]]:
    """The rows, ordered by event time. Raises InvalidFsmaRequest for a request naming neither or both of tlc and
    item or a bad window; NotFound for a lot or item the caller cannot see (or that does not exist)."""
    if (tlc is None) == (item is None):
        raise InvalidFsmaRequest("tlc", "give either tlc (a traceability lot code: a lot or serial code) or item "
                                        "(a part number or GTIN), exactly one of them.")
    _check_window(from_at, to_at)
    if tlc is not None:
        unit = unit_by_code(session, tlc, principal)
        targets = select(Unit.id).where(Unit.id == unit.id)
    else:
        product = item_by_ref(session, item or "")
        targets = select(Unit.id).where(Unit.item_id == product.id, visible_units(principal))
    touched = (select(EventLine.event_id).join(Event, Event.id == EventLine.event_id)
               .where(col(EventLine.unit_id).in_(targets), col(Event.type).in_(list(CTE))))
    if from_at is not None:
        touched = touched.where(Event.occurred_at >= from_at)
    if to_at is not None:
        touched = touched.where(Event.occurred_at < to_at)
    lines = list(session.exec(select(EventLine, Event).join(Event, Event.id == EventLine.event_id)
                              .where(col(EventLine.event_id).in_(touched))
                              .order_by(Event.occurred_at, Event.id, EventLine.id)).all())
    target_ids = set(session.exec(targets).all())
    units = _by_id(session, Unit, [ln.unit_id for ln, _ in lines])
    places = _Places(session, lines, units)
    by_event: dict[str, list[EventLine]] = {}
    events: dict[str, Event] = {}
    for ln, ev in lines:
        by_event.setdefault(ev.id, []).append(ln)
        events[ev.id] = ev
    rows: list[list[Any]] = []
    for event_id, event_lines in by_event.items():
        rows.extend(_event_rows(events[event_id], event_lines, units, target_ids, places))
    return rows


def _event_rows(event: Event, lines: list[EventLine], units: dict[str, Unit], targets: set[str],
                places: _Places) -> list[list[Any]]:
    kind = EventType(event.type)
    when = event.occurred_at.astimezone(UTC)
    reference = event.reference
    if kind is EventType.PRODUCE:
        order = places.orders.get(event.work_order_id or "")
        reference = order.code if order else reference
        inputs = [ln for ln in lines if ln.role == LineRole.INPUT]
        listed = "; ".join(sorted(f"{units[ln.unit_id].code} {ln.qty:g} {units[ln.unit_id].uom}" for ln in inputs))
        any_input = any(ln.unit_id in targets for ln in inputs)
        chosen = [ln for ln in lines if ln.role == LineRole.OUTPUT and (any_input or ln.unit_id in targets)]
    else:
        chosen = [ln for ln in lines if ln.unit_id in targets and units[ln.unit_id].kind != UnitKind.CONTAINER
                  and ln.role in (LineRole.SUBJECT, LineRole.CONTENT)]
        listed = ""
    rows = []
    for ln in chosen:
        unit = units[ln.unit_id]
        source, source_ref = places.tlc_source(unit)
        at = ln.from_location_id if kind is EventType.SHIP else (ln.to_location_id or event.location_id)
        previous = recipient = ""
        if kind is EventType.RECEIVE:
            previous = places.partner(places.suppliers.get(event.supplier_id or ""))
        elif kind is EventType.RETURN:
            previous = places.partner(places.customers.get(event.customer_id or ""))
        elif kind is EventType.SHIP:
            recipient = places.partner(places.customers.get(event.customer_id or ""))
        rows.append([unit.code, source, source_ref, places.product(unit), ln.qty, unit.uom, CTE[kind],
                     when.date().isoformat(), when.strftime("%H:%M:%S"),
                     places.location(at or event.location_id, event.site_id), previous, recipient, listed,
                     REFERENCE_DOCUMENT[kind], reference])
    return rows


__all__ = ["fsma_rows"]

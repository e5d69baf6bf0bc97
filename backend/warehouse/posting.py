"""Receive, move and pick recorded in sets: the warehouse's high-volume actions.

A `Posting` takes a run of commands in order (one from the REST API, a few hundred from a handheld's upload):
1. it reads what the run needs in a few set queries: events already stored under the commands' ids, suppliers,
   items, locations, units by code and what containers hold, the units' stock rows (locked FOR UPDATE on
   PostgreSQL), the gate rules and the units' inspections;
2. it decides each command in order against that state, in memory, with the refusals every capture gives and the
   gate checks of shared_models.gates; a refused command changes nothing, and the commands after it see the
   state as if it had never been sent;
3. it writes what the accepted commands recorded with one statement per table (backend.db.insert_rows and
   update_rows, which tell the op log), and notes the events for the after-commit hooks.
Nothing here commits: WarehouseService commits per command, the sync upload per chunk of ops.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from backend.auth.principal import Principal
from backend.db import complete_row, insert_rows, update_rows
from backend.errors import DomainError, NotFound
from backend.eventlog.chain import link_rows
from backend.gates.service import GateService
from backend.hooks import note_event
from backend.trace.lookup import items_named, pick_item, seen_location, visible_units
from backend.trace.models import EventLine
from backend.warehouse.errors import (
    EventIdReused,
    GateViolated,
    InsufficientStock,
    SiteMismatch,
    UnitExists,
    WrongTracking,
)
from backend.warehouse.ledger import event_values, fingerprint, uom_qty
from shared_models import commands as cmd
from shared_models import identifiers
from shared_models.bounds import QTY_EPSILON, add_days
from shared_models.enums import EventType, LineRole, Tracking, UnitKind, UnitStatus
from shared_models.gates import GateRuleData, Violation, as_attributes, evaluate, guards
from shared_models.masterdata import Item, Location, Supplier
from shared_models.trace import ContainerContent, Event, StockOnHand, Unit
from shared_models.types import new_id

IN_CHUNK = 500  # codes or ids per IN (...) list


def unit_code(item: Item, *, lot_no: str | None = None, serial: str | None = None) -> str:
    """The one-item-one-code key printed on labels: part no. and lot or serial (shared_models.identifiers)."""
    return identifiers.unit_code(item.part_no, str(lot_no if lot_no is not None else serial))


def expiry_for(item: Item, produced_on: date | None, fallback: date) -> date | None:
    if item.shelf_life_days is None:
        return None
    return add_days(produced_on or fallback, item.shelf_life_days)  # clamped: an expiry never overflows


@dataclass
class Posted:
    """What became of one command: the id of its event (the stored one when it had been recorded before), or the
    refusal. `violations`: gates it broke that were recorded rather than refused (capture made offline)."""

    event_id: str | None = None
    replayed: bool = False
    violations: list[Violation] = field(default_factory=list)
    error: DomainError | None = None


@dataclass(slots=True)
class _NewUnit:
    """A unit received in this run: what the rules read of it (the same names as Unit's)."""

    id: str
    code: str
    kind: UnitKind
    item_id: str
    site_id: str
    status: UnitStatus
    expires_on: date | None
    supplier_id: str | None
    lot_unit_id: str | None


AnyUnit = Unit | _NewUnit


@dataclass(slots=True)
class _Stock:
    id: str
    qty: float
    stored_qty: float | None  # None: a row this run creates


class _Draft:
    """One command's changes, kept apart until every check has passed."""

    def __init__(self, posting: Posting) -> None:
        self.posting = posting
        self.units: list[tuple[_NewUnit, dict[str, Any]]] = []
        self.codes: set[str] = set()
        self.event: dict[str, Any] = {}
        self.lines: list[dict[str, Any]] = []
        self.stock: dict[tuple[str, str], float] = {}
        self.violations: list[Violation] = []

    def on_hand(self, unit_id: str, location_id: str) -> float:
        key = (unit_id, location_id)
        if key in self.stock:
            return self.stock[key]
        held = self.posting.stock.get(key)
        return held.qty if held else 0.0

    def line(self, unit: AnyUnit, role: LineRole, qty: float, *, from_location: Location | None = None,
             to_location: Location | None = None) -> None:
        """As Ledger.line: raises InsufficientStock if `from_location` holds less than `qty`, QtyBelowPrecision if
        `qty` rounds to nothing in the unit's unit of measure."""
        uom = unit.uom if isinstance(unit, Unit) else self.posting.items_by_id[unit.item_id].uom
        qty = uom_qty(qty, uom)
        if from_location is not None:
            have = self.on_hand(unit.id, from_location.id)
            if have + QTY_EPSILON < qty:
                raise InsufficientStock(unit.code, from_location.code, have, qty)
            self.stock[(unit.id, from_location.id)] = round(have - qty, 9)
        if to_location is not None:
            self.stock[(unit.id, to_location.id)] = round(self.on_hand(unit.id, to_location.id) + qty, 9)
        self.lines.append(complete_row(EventLine, {
            "event_id": self.event["id"], "unit_id": unit.id, "role": role, "qty": qty,
            "from_location_id": from_location.id if from_location else None,
            "to_location_id": to_location.id if to_location else None}))


class Posting:
    """`record_gate_violations` as for every capture service: offline, a violated gate does not refuse the
    physical fact; it is recorded on the event and listed in the command's `Posted.violations`."""

    def __init__(self, session: Session, principal: Principal, *, today: date | None = None,
                 record_gate_violations: bool = False) -> None:
        self.session = session
        self.by = principal
        self.gates = GateService(session, today=today)
        self.record_gate_violations = record_gate_violations
        # what the run has read, then what it has recorded so far
        self.events: dict[str, tuple[EventType, str | None]] = {}
        self.suppliers: dict[str, Supplier] = {}
        self.items: list[Item] = []
        self.items_by_id: dict[str, Item] = {}
        self.locations: dict[str, Location] = {}
        self.units: dict[str, AnyUnit] = {}
        self.taken_codes: set[str] = set()
        self.contents: dict[str, list[AnyUnit]] = {}
        self.stock: dict[tuple[str, str], _Stock] = {}
        self.passed: dict[str, frozenset[str]] = {}
        self.rules: list[GateRuleData] = []
        self._written: list[_Draft] = []

    def post(self, commands: list[cmd.Receive | cmd.Move]) -> list[Posted]:
        """A `Posted` per command, in order. Raises only for the database (the caller rolls back)."""
        self._read(commands)
        posted = []
        for c in commands:
            try:
                posted.append(self._decide(c))
            except DomainError as exc:
                posted.append(Posted(error=exc))
        self._write()
        return posted

    # -- deciding ------------------------------------------------------------------------------------------------
    def _decide(self, c: cmd.Receive | cmd.Move) -> Posted:
        event_type = _event_type(c)
        stored = self.events.get(str(c.id))
        if stored is not None:
            if stored != (event_type, fingerprint(c)):
                raise EventIdReused(str(c.id))
            return Posted(event_id=str(c.id), replayed=True)
        draft = _Draft(self)
        if isinstance(c, cmd.Receive):
            self._receive(c, draft)
        else:
            self._relocate(c, event_type, draft)
        self._keep(draft)
        return Posted(event_id=draft.event["id"], violations=draft.violations)

    def _receive(self, c: cmd.Receive, d: _Draft) -> None:
        supplier = self._supplier(c.supplier)
        item = self._item(c.item)
        location = self._location(c.location)
        if item.tracking is Tracking.SERIAL and not c.serials:
            raise WrongTracking(f"{item.part_no} is serial-tracked; list the {c.qty:g} serials received.")
        if item.tracking is not Tracking.SERIAL and c.serials:
            raise WrongTracking(f"{item.part_no} is {item.tracking.value}-tracked; serials are not expected.")
        status = UnitStatus.QUARANTINE if item.needs_iqc else UnitStatus.RELEASED
        expires_on = c.expires_on or expiry_for(item, c.produced_on, c.occurred_at.date())
        common = {"status": status, "lot_no": c.lot_no, "supplier_id": supplier.id,
                  "supplier_lot": c.supplier_lot or None, "produced_on": c.produced_on, "expires_on": expires_on}
        lot = self._new_unit(d, item, UnitKind.LOT, location.site_id, common)
        d.event = complete_row(Event, event_values(c, EventType.RECEIVE, site_id=location.site_id, by=self.by,
                                                   location_id=location.id, supplier_id=supplier.id,
                                                   reference=c.reference))
        if not c.serials:
            d.line(lot, LineRole.SUBJECT, c.qty, to_location=location)
        for serial in c.serials:
            unit = self._new_unit(d, item, UnitKind.SERIAL, location.site_id,
                                  {**common, "serial": serial, "lot_unit_id": lot.id})
            d.line(unit, LineRole.SUBJECT, 1.0, to_location=location)

    def _relocate(self, c: cmd.Move, event_type: EventType, d: _Draft) -> None:
        unit = self._unit(c.unit)
        source = self._location(c.from_location)
        target = self._location(c.to_location)
        if source.site_id != target.site_id:
            raise SiteMismatch(f"{source.code} and {target.code} are on different sites; ship to the other site "
                               f"and receive it there.")
        for u in [unit, *self.contents.get(unit.id, [])]:
            found = self._check(event_type.value, u, target)
            if found and self.record_gate_violations:
                d.violations.extend(found)
            elif found:
                raise GateViolated(event_type.value, found)
        reference = c.reference if isinstance(c, cmd.Pick) else ""
        d.event = complete_row(Event, event_values(c, event_type, site_id=source.site_id, by=self.by,
                                                   location_id=target.id, reference=reference,
                                                   attributes=as_attributes(d.violations)))
        amount = d.on_hand(unit.id, source.id) if c.qty is None else c.qty
        d.line(unit, LineRole.SUBJECT, amount, from_location=source, to_location=target)
        for inner in self.contents.get(unit.id, []):  # a container carries what it holds
            inner_qty = d.on_hand(inner.id, source.id)
            if inner_qty > QTY_EPSILON:
                d.line(inner, LineRole.CONTENT, inner_qty, from_location=source, to_location=target)

    def _check(self, action: str, unit: AnyUnit, target: Location) -> list[Violation]:
        if not guards(self.rules, action):
            return []
        item = self.items_by_id.get(unit.item_id) if unit.item_id else None
        ctx = self.gates.unit_context(action, unit, item, self.passed.get(unit.id, frozenset()),  # type: ignore[arg-type]
                                      target=target)
        return evaluate(self.rules, action, ctx)

    def _new_unit(self, d: _Draft, item: Item, kind: UnitKind, site_id: str, fields: dict[str, Any]) -> _NewUnit:
        code = unit_code(item, lot_no=None if kind is UnitKind.SERIAL else fields["lot_no"],
                         serial=fields.get("serial"))
        if code in self.taken_codes or code in d.codes:
            raise UnitExists(code)
        row = complete_row(Unit, {"code": code, "kind": kind, "item_id": item.id, "site_id": site_id,
                                  "uom": item.uom, **fields})
        unit = _NewUnit(id=row["id"], code=code, kind=kind, item_id=item.id, site_id=site_id, status=row["status"],
                        expires_on=row["expires_on"], supplier_id=row["supplier_id"],
                        lot_unit_id=row["lot_unit_id"])
        d.units.append((unit, row))
        d.codes.add(code)
        return unit

    def _keep(self, d: _Draft) -> None:
        for unit, _row in d.units:
            self.units[unit.code] = unit
        self.taken_codes |= d.codes
        for key, qty in d.stock.items():
            held = self.stock.get(key)
            if held is None:
                self.stock[key] = _Stock(id=new_id(), qty=qty, stored_qty=None)
            else:
                held.qty = qty
        self.events[d.event["id"]] = (d.event["type"], d.event["attributes"]["fingerprint"])
        self._written.append(d)

    # -- lookups: backend.trace.lookup's rule of "find by code", on what the run has read -------------------------
    def _supplier(self, code: str) -> Supplier:
        if code not in self.suppliers:
            raise NotFound("supplier", code)
        return self.suppliers[code]

    def _item(self, ref: str) -> Item:
        return pick_item(ref, self.items)

    def _location(self, code: str) -> Location:
        return seen_location(code, self.locations.get(code), self.by)

    def _unit(self, code: str) -> AnyUnit:
        # Stored units were read through visible_units; one received in this run is held to its site the same way.
        unit = self.units.get(code)
        if unit is None or (isinstance(unit, _NewUnit) and not self.by.sees_site(unit.site_id)):
            raise NotFound("unit", code)
        return unit

    # -- reading and writing in sets -------------------------------------------------------------------------------
    def _read(self, commands: list[cmd.Receive | cmd.Move]) -> None:
        receives = [c for c in commands if isinstance(c, cmd.Receive)]
        moves = [c for c in commands if not isinstance(c, cmd.Receive)]
        exec_ = self.session.exec
        for ids in _chunks(str(c.id) for c in commands):
            for event_id, event_type, attributes in exec_(select(Event.id, Event.type, Event.attributes)
                                                          .where(col(Event.id).in_(ids))):
                self.events[event_id] = (event_type, attributes.get("fingerprint"))
        for codes in _chunks(c.supplier for c in receives):
            self.suppliers.update((s.code, s) for s in exec_(select(Supplier).where(col(Supplier.code).in_(codes))))
        for refs in _chunks(c.item for c in receives):
            self.items += exec_(select(Item).where(items_named(refs))).all()
        self.items_by_id = {i.id: i for i in self.items}
        places = [c.location for c in receives] + [p for c in moves for p in (c.from_location, c.to_location)]
        for codes in _chunks(places):
            self.locations.update((x.code, x) for x in exec_(select(Location).where(col(Location.code).in_(codes))))
        new_codes = [code for c in receives for code in self._codes_received(c)]
        for codes in _chunks(new_codes):
            self.taken_codes.update(exec_(select(Unit.code).where(col(Unit.code).in_(codes))))
        for codes in _chunks(c.unit for c in moves):
            self.units.update((u.code, u) for u in exec_(select(Unit).where(col(Unit.code).in_(codes))
                                                         .where(visible_units(self.by))))
        if not moves:
            return
        containers = [u.id for u in self.units.values() if u.kind is UnitKind.CONTAINER]
        for ids in _chunks(containers):
            for container_id, inner in exec_(select(ContainerContent.container_id, Unit)
                                             .join(Unit, col(Unit.id) == ContainerContent.unit_id)
                                             .where(col(ContainerContent.container_id).in_(ids))
                                             .order_by(Unit.code)):
                self.contents.setdefault(container_id, []).append(inner)
        stored = list({u.id: u for u in [*self.units.values(), *(u for inner in self.contents.values() for u in inner)]
                       if isinstance(u, Unit)}.values())
        for ids in _chunks(u.id for u in stored):
            for row_id, unit_id, location_id, qty in exec_(
                    select(StockOnHand.id, StockOnHand.unit_id, StockOnHand.location_id, StockOnHand.qty)
                    .where(col(StockOnHand.unit_id).in_(ids)).with_for_update()):
                self.stock[(unit_id, location_id)] = _Stock(row_id, qty, qty)
        for ids in _chunks({u.item_id for u in stored if u.item_id} - set(self.items_by_id)):
            self.items_by_id.update((i.id, i) for i in exec_(select(Item).where(col(Item.id).in_(ids))))
        for start in range(0, len(stored), IN_CHUNK):
            self.passed.update(self.gates.passed_stages(stored[start:start + IN_CHUNK]))
        self.rules = self.gates.rule_set()

    def _codes_received(self, c: cmd.Receive) -> list[str]:
        """The codes a receive would create (none when its item is unknown: it will be refused for that)."""
        try:
            item = self._item(c.item)
        except NotFound:
            return []
        return [unit_code(item, lot_no=c.lot_no), *(unit_code(item, serial=s) for s in c.serials)]

    def _write(self) -> None:
        drafts, self._written = self._written, []
        insert_rows(self.session, Unit, [row for d in drafts for _unit, row in d.units])
        events, lines = [d.event for d in drafts], [line for d in drafts for line in d.lines]
        link_rows(self.session, events, lines)  # each event's place in its site's hash chain, before it is stored
        insert_rows(self.session, Event, events)
        insert_rows(self.session, EventLine, lines)
        touched = {key for d in drafts for key in d.stock}
        site_of = {location.id: location.site_id for location in self.locations.values()}
        rows = [{"id": held.id, "unit_id": key[0], "location_id": key[1], "qty": held.qty, "site_id": site_of[key[1]],
                 "stored": held.stored_qty} for key in touched if (held := self.stock[key]).qty != held.stored_qty]
        insert_rows(self.session, StockOnHand, [_without(r, "stored") for r in rows if r["stored"] is None])
        update_rows(self.session, StockOnHand, [_without(r, "stored") for r in rows if r["stored"] is not None],
                    ("qty",))
        for key in touched:
            self.stock[key].stored_qty = self.stock[key].qty
        for d in drafts:
            note_event(self.session, d.event["id"])


def _event_type(c: cmd.Receive | cmd.Move) -> EventType:
    if isinstance(c, cmd.Receive):
        return EventType.RECEIVE
    return EventType.PICK if isinstance(c, cmd.Pick) else EventType.MOVE


def _chunks(values: Iterable[Any]) -> list[list[Any]]:
    unique = list(dict.fromkeys(values))
    return [unique[i:i + IN_CHUNK] for i in range(0, len(unique), IN_CHUNK)]


def _without(row: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != key}

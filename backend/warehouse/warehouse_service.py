"""Warehouse actions: receive, move, pick, ship, count, pack and unpack, each one event in one commit."""

from __future__ import annotations

from sqlalchemy import case, func
from sqlmodel import select

from backend.coding.allocation import next_sscc
from backend.db import atomic
from backend.trace.lookup import customer_by_code, location_by_code, unit_by_code
from backend.trace.models import EventLine
from backend.trace.reach import ReachWriter
from backend.warehouse.capture import EventCapture
from backend.warehouse.errors import GateViolated, SiteMismatch, UnitExists, WrongTracking
from backend.warehouse.posting import Posting
from shared_models import commands as cmd
from shared_models.bounds import QTY_EPSILON
from shared_models.enums import EdgeKind, EventType, LineRole, UnitKind, UnitStatus
from shared_models.gates import as_attributes
from shared_models.gs1 import GS1Error, validate_sscc
from shared_models.masterdata import Location, Site
from shared_models.trace import ContainerContent, Event, Unit


class WarehouseService(EventCapture):
    """Receive, move, pick, ship, count, pack, unpack: one event per command, committed once."""

    # -- receiving and moving: recorded in sets (backend/warehouse/posting.py), here one command at a time ----------
    @atomic
    def receive(self, c: cmd.Receive) -> Event:
        return self._post(c)

    @atomic
    def move(self, c: cmd.Move) -> Event:
        return self._post(c)

    @atomic
    def pick(self, c: cmd.Pick) -> Event:
        return self._post(c)

    def _post(self, c: cmd.Receive | cmd.Move) -> Event:
        [done] = Posting(self.session, self.by, today=self.today,
                         record_gate_violations=self.record_gate_violations).post([c])
        if done.error is not None:
            raise done.error
        self.ledger.replayed = done.replayed
        self.violations.extend(done.violations)
        self.session.commit()
        event = self.session.get(Event, done.event_id)
        assert event is not None
        return event

    def _carry(self, event: Event, unit: Unit, qty: float | None, source: Location,
               target: Location | None) -> None:
        """Moves a unit (and, for a container, everything inside it) out of `source`."""
        amount = self.ledger.on_hand(unit.id, source.id) if qty is None else qty
        self.ledger.line(event, unit, LineRole.SUBJECT, amount, from_location=source, to_location=target)
        if unit.kind is UnitKind.CONTAINER:
            for inner in self.ledger.contents(unit):
                inner_qty = self.ledger.on_hand(inner.id, source.id)
                if inner_qty > QTY_EPSILON:
                    self.ledger.line(event, inner, LineRole.CONTENT, inner_qty, from_location=source,
                                     to_location=target)

    def _gate(self, event_type: EventType, unit: Unit, target: Location | None = None) -> None:
        units = [unit, *(self.ledger.contents(unit) if unit.kind is UnitKind.CONTAINER else [])]
        for u in units:
            found = self.gates.check(event_type.value, u, target=target)
            if found and self.record_gate_violations:
                self.violations.extend(found)
            elif found:
                raise GateViolated(event_type.value, found)

    # -- shipping --------------------------------------------------------------------------------------------
    @atomic
    def ship(self, c: cmd.Ship) -> Event:
        if (done := self.ledger.replay(c, EventType.SHIP)) is not None:
            return done
        customer = customer_by_code(self.session, c.customer)
        resolved = [(unit_by_code(self.session, ln.unit, self.by), ln,
                     location_by_code(self.session, ln.from_location, self.by)) for ln in c.lines]
        sites = {loc.site_id for _, _, loc in resolved}
        if len(sites) > 1:
            raise SiteMismatch("A shipment leaves from one site; these lines come from several.")
        for unit, _, _ in resolved:
            self._gate(EventType.SHIP, unit)
        event = self.ledger.open_event(c, EventType.SHIP, site_id=sites.pop(), by=self.by,
                                       customer_id=customer.id, reference=c.reference,
                                       attributes=as_attributes(self.violations))
        touched: list[Unit] = []
        for unit, ln, source in resolved:
            self._carry(event, unit, ln.qty, source, None)
            touched.append(unit)
            if unit.kind is UnitKind.CONTAINER:
                touched.extend(self.ledger.contents(unit))
        for unit in touched:
            if self.ledger.total_on_hand(unit.id) <= QTY_EPSILON:
                unit.status = UnitStatus.SHIPPED
            unit.shipped_to = sorted({*unit.shipped_to, customer.id})  # puts it in the customer's sync bucket
            unit.version += 1
            self.session.add(unit)
        ReachWriter(self.session).shipped(event)
        self.session.commit()
        return event

    # -- stocktake -------------------------------------------------------------------------------------------
    @atomic
    def count(self, c: cmd.Count) -> Event:
        """Adjusts each unit by counted − book at count time, whatever moved since the handheld looked."""
        if (done := self.ledger.replay(c, EventType.COUNT)) is not None:
            return done
        location = location_by_code(self.session, c.location, self.by)
        units = [(unit_by_code(self.session, ln.unit, self.by), ln) for ln in c.lines]
        counted = []
        event = self.ledger.open_event(c, EventType.COUNT, site_id=location.site_id, by=self.by,
                                       location_id=location.id, reference=c.reference)
        for unit, ln in units:
            book = self.book_at(unit.id, location.id, c)
            adjustment = round(ln.counted_qty - book, 9)
            if adjustment < 0:
                # Stock taken since the count was made can't be counted away twice.
                adjustment = -min(-adjustment, self.ledger.on_hand(unit.id, location.id))
            if adjustment >= 0:
                self.ledger.line(event, unit, LineRole.SUBJECT, adjustment, to_location=location, book_qty=book)
            else:
                self.ledger.line(event, unit, LineRole.SUBJECT, -adjustment, from_location=location,
                                 book_qty=book)
            counted.append({"unit": unit.code, "counted": ln.counted_qty, "book_seen": ln.book_qty_seen,
                            "book_at_count": book, "adjustment": adjustment})
        event.attributes = {**event.attributes, "lines": counted}
        self.session.commit()
        return event

    def book_at(self, unit_id: str, location_id: str, c: cmd.Count) -> float:
        """Book quantity of a unit at a location as of the count's own time."""
        self.session.flush()
        delta = case((EventLine.to_location_id == location_id, EventLine.qty), else_=0.0) - case(
            (EventLine.from_location_id == location_id, EventLine.qty), else_=0.0)
        total = self.session.exec(
            select(func.sum(delta)).join(Event, Event.id == EventLine.event_id)
            .where(EventLine.unit_id == unit_id, Event.occurred_at <= c.occurred_at, Event.id != str(c.id))).one()
        return float(total or 0.0)

    # -- packing ---------------------------------------------------------------------------------------------
    @atomic
    def pack(self, c: cmd.Pack) -> Event:
        if (done := self.ledger.replay(c, EventType.PACK)) is not None:
            return done
        location = location_by_code(self.session, c.location, self.by)
        site = self.session.get(Site, location.site_id)
        assert site is not None
        if c.container:
            try:
                sscc = validate_sscc(c.container)
            except GS1Error as exc:
                raise WrongTracking(f"Container code {c.container}: {exc}") from exc
        else:
            sscc = next_sscc(self.session, site)
        container = self.session.exec(select(Unit).where(Unit.sscc == sscc)).first()
        event = self.ledger.open_event(c, EventType.PACK, site_id=location.site_id, by=self.by,
                                       location_id=location.id, attributes={"sscc": sscc})
        if container is None:
            container = Unit(code=sscc, kind=UnitKind.CONTAINER, sscc=sscc, site_id=location.site_id)
            self.session.add(container)
            self.ledger.line(event, container, LineRole.SUBJECT, 1.0, to_location=location)
        elif self.ledger.on_hand(container.id, location.id) <= QTY_EPSILON:
            raise SiteMismatch(f"Container {sscc} is not at {location.code}.")
        edges = []
        for code in c.units:
            unit = unit_by_code(self.session, code, self.by)
            if unit.id == container.id:
                raise WrongTracking(f"Container {sscc} cannot be packed into itself.")
            here = self.ledger.on_hand(unit.id, location.id)
            if here <= QTY_EPSILON:
                raise SiteMismatch(f"{unit.code} has no stock at {location.code} to pack.")
            packed = self.session.exec(select(ContainerContent).where(ContainerContent.unit_id == unit.id)).first()
            if packed is not None:
                outer = self.session.get(Unit, packed.container_id)
                raise UnitExists(f"{unit.code} (already packed in {outer.code if outer else '?'})")
            self.session.add(ContainerContent(container_id=container.id, unit_id=unit.id, site_id=container.site_id))
            self.ledger.line(event, unit, LineRole.CONTENT, here)
            edges.append(self.ledger.edge(unit, container, here, event, kind=EdgeKind.AGGREGATE))
        ReachWriter(self.session).link(edges)
        self.session.commit()
        return event

    @atomic
    def unpack(self, c: cmd.Unpack) -> Event:
        if (done := self.ledger.replay(c, EventType.UNPACK)) is not None:
            return done
        location = location_by_code(self.session, c.location, self.by)
        container = unit_by_code(self.session, c.container, self.by)
        if container.kind is not UnitKind.CONTAINER:
            raise WrongTracking(f"{container.code} is a {container.kind.value}, not a container.")
        inside = {u.code: u for u in self.ledger.contents(container)}
        wanted = c.units or list(inside)
        missing = [code for code in wanted if code not in inside]
        if missing:
            raise WrongTracking(f"Not in container {container.code}: {', '.join(missing)}.")
        event = self.ledger.open_event(c, EventType.UNPACK, site_id=location.site_id, by=self.by,
                                       location_id=location.id)
        for code in wanted:
            unit = inside[code]
            row = self.session.exec(select(ContainerContent).where(
                ContainerContent.container_id == container.id, ContainerContent.unit_id == unit.id)).one()
            self.session.delete(row)
            self.ledger.line(event, unit, LineRole.CONTENT, self.ledger.on_hand(unit.id, location.id))
        self.session.commit()
        return event

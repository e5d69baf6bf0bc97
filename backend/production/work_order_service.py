"""Create work orders and report production against them."""

from __future__ import annotations

from sqlmodel import select

from backend.db import atomic
from backend.errors import Conflict, InvalidInput, NotFound
from backend.masterdata.models import Bom, BomLine
from backend.production.models import WorkOrder
from backend.trace.lookup import item_by_ref, location_by_code, site_by_code, unit_by_code
from backend.trace.reach import ReachWriter
from backend.trace.walk import reaches
from backend.warehouse.capture import EventCapture
from backend.warehouse.errors import GateViolated, GenealogyCycle, UnitExists, WrongTracking
from backend.warehouse.posting import expiry_for, unit_code
from shared_models import commands as cmd
from shared_models.bounds import QTY_EPSILON
from shared_models.enums import BomStatus, EventType, LineRole, Tracking, UnitKind, UnitStatus, WorkOrderStatus
from shared_models.gates import as_attributes
from shared_models.masterdata import Item
from shared_models.trace import Event, Unit


class ProductionService(EventCapture):
    """Work orders and their production reports (offline reports: see EventCapture)."""

    @atomic
    def create_work_order(self, c: cmd.WorkOrderCreate) -> WorkOrder:
        if self.session.exec(select(WorkOrder).where(WorkOrder.code == c.code)).first():
            raise Conflict(f"Work order {c.code} exists already.", work_order=c.code)
        site = site_by_code(self.session, c.site)
        if not self.by.sees_site(site.id):
            raise NotFound("site", c.site)
        item = item_by_ref(self.session, c.item)
        query = select(Bom).where(Bom.item_id == item.id)
        if c.bom_version is not None:
            bom = self.session.exec(query.where(Bom.version_no == c.bom_version)).first()
            if bom is None:
                raise NotFound("BOM version", f"{item.part_no} v{c.bom_version}")
            if bom.status is BomStatus.DRAFT:
                raise InvalidInput(f"BOM {item.part_no} v{bom.version_no} is a draft; release it first.")
        else:
            bom = self.session.exec(query.where(Bom.status == BomStatus.RELEASED)).first()
        order = WorkOrder(code=c.code, site_id=site.id, item_id=item.id, bom_id=bom.id if bom else None,
                          qty_planned=c.qty_planned)
        self.session.add(order)
        self.session.commit()
        return order

    @atomic
    def report(self, c: cmd.ReportProduction) -> Event:
        """Consumes the inputs and makes the outputs in one transformation event."""
        if (done := self.ledger.replay(c, EventType.PRODUCE)) is not None:
            return done
        order = self.session.exec(select(WorkOrder).where(WorkOrder.code == c.work_order)).first()
        if order is None or not self.by.sees_site(order.site_id):
            raise NotFound("work order", c.work_order)
        if order.status is not WorkOrderStatus.OPEN:
            raise Conflict(f"Work order {order.code} is {order.status.value}.", work_order=order.code)
        item = self.session.get(Item, order.item_id)
        assert item is not None
        location = location_by_code(self.session, c.location, self.by)
        allowed = self._components(order)
        inputs = []
        for given in c.inputs:
            unit = unit_by_code(self.session, given.unit, self.by)
            if unit.kind is UnitKind.CONTAINER:
                raise WrongTracking(f"{unit.code} is a container; consume what is inside it.")
            if allowed is not None and unit.item_id not in allowed:
                raise InvalidInput(f"{unit.code} is not a component in the BOM of work order {order.code}.",
                                   unit=unit.code)
            if found := self.gates.check("consume", unit):
                if not self.record_gate_violations:
                    raise GateViolated("consume", found)
                self.violations.extend(found)
            source = location_by_code(self.session, given.from_location, self.by) if given.from_location \
                else location
            inputs.append((unit, given.qty, source))
        outputs = [(self._output_unit(item, order, out, location, c), out.qty) for out in c.outputs]
        for out_unit, _ in outputs:
            for in_unit, _, _ in inputs:
                if out_unit.id == in_unit.id or reaches(self.session, out_unit.id, in_unit.id):
                    raise GenealogyCycle(out_unit.code, in_unit.code)
        event = self.ledger.open_event(c, EventType.PRODUCE, site_id=order.site_id, by=self.by,
                                       location_id=location.id, work_order_id=order.id,
                                       attributes=as_attributes(self.violations))
        total_out = sum(q for _, q in outputs)
        edges = []
        for in_unit, qty, source in inputs:
            self.ledger.line(event, in_unit, LineRole.INPUT, qty, from_location=source)
            for out_unit, out_qty in outputs:
                edges.append(self.ledger.edge(in_unit, out_unit, round(qty * out_qty / total_out, 9), event))
        for out_unit, out_qty in outputs:
            self.ledger.line(event, out_unit, LineRole.OUTPUT, out_qty, to_location=location)
        for in_unit, _, _ in inputs:
            if self.ledger.total_on_hand(in_unit.id) <= QTY_EPSILON:
                in_unit.status = UnitStatus.CONSUMED
                self.session.add(in_unit)
        ReachWriter(self.session).link(edges)
        self.session.commit()
        return event

    def _components(self, order: WorkOrder) -> set[str] | None:
        if order.bom_id is None:
            return None
        return set(self.session.exec(select(BomLine.component_item_id).where(BomLine.bom_id == order.bom_id)))

    def _output_unit(self, item: Item, order: WorkOrder, out: cmd.ProductionOutput, location: object,
                     c: cmd.ReportProduction) -> Unit:
        kind = UnitKind.SERIAL if out.serial else UnitKind.LOT
        if kind is UnitKind.SERIAL and item.tracking is not Tracking.SERIAL:
            raise WrongTracking(f"{item.part_no} is {item.tracking.value}-tracked; report a lot_no, not a serial.")
        if kind is UnitKind.LOT and item.tracking is Tracking.SERIAL:
            raise WrongTracking(f"{item.part_no} is serial-tracked; report a serial per unit.")
        code = unit_code(item, lot_no=out.lot_no, serial=out.serial)
        existing = self.session.exec(select(Unit).where(Unit.code == code)).first()
        if existing is not None:
            # A lot may be produced in several reports of its own work order; a serial only once.
            if kind is UnitKind.SERIAL or existing.work_order_id != order.id:
                raise UnitExists(code)
            return existing
        produced_on = c.occurred_at.date()
        unit = Unit(code=code, kind=kind, item_id=item.id, lot_no=out.lot_no, serial=out.serial,
                    site_id=order.site_id, work_order_id=order.id, uom=item.uom, status=UnitStatus.RELEASED,
                    produced_on=produced_on, expires_on=expiry_for(item, produced_on, produced_on))
        self.session.add(unit)
        self.session.flush()
        return unit

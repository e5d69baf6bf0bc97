"""Operation reports (报工): who did which operation of a work order, on what equipment, with what result and
process values; and the work in progress between operations that follows from them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, select

from backend.auth.models import User
from backend.auth.principal import Principal
from backend.db import atomic
from backend.errors import Conflict, InvalidInput, NotFound
from backend.gates.service import GateService
from backend.production.errors import OperationIdReused
from backend.production.models import OperationReport, ProcessReading, Route, WorkOrder
from backend.production.route_service import RouteService, in_spec, limits, operation
from backend.trace.lookup import item_by_ref, unit_by_code
from backend.warehouse.errors import GateViolated
from backend.warehouse.ledger import Ledger, fingerprint
from shared_models.enums import WorkOrderStatus
from shared_models.gates import Violation, as_attributes
from shared_models.masterdata import Equipment
from shared_models.production_commands import FinishOperation, ProcessValue, ReportOperation


@dataclass(frozen=True, slots=True)
class WipLine:
    seq: int
    code: str
    name: str
    good_qty: float
    scrap_qty: float
    wip_qty: float      # good reported here minus good reported at the next operation


def measured(values: list[ProcessValue], route: Route, seq: int) -> dict[str, dict[str, Any]]:
    """Each value with the route's limits for it and whether it is in spec (None: no limits)."""
    known = limits(route, seq)
    out = {}
    for v in values:
        limit = known.get(v.name, {})
        lower, upper = limit.get("lower"), limit.get("upper")
        out[v.name] = {"value": v.value, "unit": v.unit or limit.get("unit", ""), "lower": lower, "upper": upper,
                       "in_spec": in_spec(v.value, lower, upper)}
    return out


class OperationService:
    """`record_gate_violations`: as WarehouseService's, for reports made offline: the report is stored with its
    violations and they are left in `violations`. `ledger.replayed` says the last report had been stored before
    (what the sync upload reads)."""

    def __init__(self, session: Session, principal: Principal, *, today: date | None = None,
                 record_gate_violations: bool = False) -> None:
        self.session = session
        self.by = principal
        self.ledger = Ledger(session)
        self.routes = RouteService(session)
        self.gates = GateService(session, today=today)
        self.record_gate_violations = record_gate_violations
        self.violations: list[Violation] = []

    def _begin_command(self) -> None:
        self.ledger.forget()
        self.violations = []

    @atomic
    def report_operation(self, c: ReportOperation) -> OperationReport:
        """Stores the report once per id: a retry returns the stored report; the id reused for another report
        raises OperationIdReused. Refuses (GateViolated) operation N before N−1 unless recording offline."""
        if (done := self._replay(c)) is not None:
            return done
        order = self._work_order(c.work_order)
        if order.status is not WorkOrderStatus.OPEN:
            raise Conflict(f"Work order {order.code} is {order.status.value}.", work_order=order.code)
        route = self.routes.for_work_order(order)
        op = operation(route, c.seq)
        equipment = self._equipment(c.equipment, order, op) if c.equipment else None
        unit = unit_by_code(self.session, c.unit, self.by) if c.unit else None
        found = self.gates.check("operation_report", None, work_order=order, operation_seq=c.seq, route=route)
        if found and not self.record_gate_violations:
            raise GateViolated(f"report operation {c.seq} of {order.code}", found)
        self.violations.extend(found)
        order.route_id = route.id  # pinned: a new route version does not change a started work order
        self.session.add(order)
        report = OperationReport(
            id=str(c.id), work_order_id=order.id, seq=c.seq, operation_code=op["code"], site_id=order.site_id,
            unit_id=unit.id if unit else None, operator_id=self._operator(c.operator),
            equipment_id=equipment.id if equipment else None, started_at=c.started_at, ended_at=c.ended_at,
            good_qty=c.good_qty, scrap_qty=c.scrap_qty,
            params={"measured": measured(c.params, route, c.seq), "fingerprint": fingerprint(c),
                    **as_attributes(found)})
        self.session.add(report)
        self.session.commit()
        return report

    @atomic
    def finish_operation(self, report_id: str, c: FinishOperation) -> OperationReport:
        """Ends a started operation. Finishing it again with the same figures changes nothing; with other
        figures raises Conflict."""
        report = self.get(report_id)
        if report.ended_at is not None:
            if (report.ended_at, report.good_qty, report.scrap_qty) == (c.ended_at, c.good_qty, c.scrap_qty):
                return report
            raise Conflict(f"Operation report {report_id} already ended at {report.ended_at.isoformat()}.",
                           report_id=report_id)
        if c.ended_at < report.started_at:
            raise InvalidInput(f"ended_at {c.ended_at.isoformat()} is before the operation started "
                               f"({report.started_at.isoformat()}).")
        order = self.session.get(WorkOrder, report.work_order_id)
        assert order is not None
        route = self.routes.for_work_order(order)
        report.ended_at, report.good_qty, report.scrap_qty = c.ended_at, c.good_qty, c.scrap_qty
        report.params = {**report.params, "measured": {**report.params.get("measured", {}),
                                                       **measured(c.params, route, report.seq)}}
        self.session.add(report)
        self.session.commit()
        return report

    def get(self, report_id: str) -> OperationReport:
        report = self.session.get(OperationReport, report_id)
        if report is None or not self.by.sees_site(report.site_id):
            raise NotFound("operation report", report_id)
        return report

    def of_work_order(self, code: str) -> list[OperationReport]:
        order = self._work_order(code)
        return list(self.session.exec(select(OperationReport).where(OperationReport.work_order_id == order.id)
                                      .order_by(OperationReport.seq, OperationReport.started_at)).all())

    def readings(self, report_id: str) -> list[ProcessReading]:
        report = self.get(report_id)
        return list(self.session.exec(select(ProcessReading).where(ProcessReading.operation_report_id == report.id)
                                      .order_by(ProcessReading.measured_at)).all())

    # -- work in progress ----------------------------------------------------------------------------------------
    def wip(self, *, work_order: str | None = None, item: str | None = None) -> list[WipLine]:
        """Per operation of the route: good and scrap reported, and the good waiting before the next operation.
        For an item, summed over its open work orders on the item's active route."""
        if (work_order is None) == (item is None):
            raise InvalidInput("Ask for the WIP of one work_order or of one item.")
        if work_order is not None:
            order = self._work_order(work_order)
            return self._wip_lines(self.routes.for_work_order(order), [order])
        found = item_by_ref(self.session, item or "")
        route = self.routes.active(found.id)
        if route is None:
            raise InvalidInput(f"Item {found.part_no} has no route.", item=found.part_no)
        orders = [o for o in self.session.exec(select(WorkOrder).where(
            WorkOrder.item_id == found.id, WorkOrder.status == WorkOrderStatus.OPEN)).all()
            if self.by.sees_site(o.site_id)]
        return self._wip_lines(route, orders)

    def _wip_lines(self, route: Route, orders: list[WorkOrder]) -> list[WipLine]:
        good: dict[int, float] = {}
        scrap: dict[int, float] = {}
        ids = [o.id for o in orders]
        if ids:
            for seq, g, s in self.session.exec(select(OperationReport.seq, OperationReport.good_qty,
                                                      OperationReport.scrap_qty)
                                               .where(OperationReport.work_order_id.in_(ids))).all():  # type: ignore[attr-defined]
                good[seq] = good.get(seq, 0.0) + g
                scrap[seq] = scrap.get(seq, 0.0) + s
        ops = sorted(route.operations, key=lambda op: int(op["seq"]))
        lines = []
        for n, op in enumerate(ops):
            seq = int(op["seq"])
            after = good.get(int(ops[n + 1]["seq"]), 0.0) if n + 1 < len(ops) else 0.0
            lines.append(WipLine(seq=seq, code=op["code"], name=op.get("name", ""), good_qty=good.get(seq, 0.0),
                                 scrap_qty=scrap.get(seq, 0.0), wip_qty=round(good.get(seq, 0.0) - after, 9)))
        return lines

    # -- helpers -------------------------------------------------------------------------------------------------
    def _replay(self, c: ReportOperation) -> OperationReport | None:
        stored = self.session.get(OperationReport, str(c.id))
        if stored is None:
            return None
        if stored.params.get("fingerprint") != fingerprint(c):
            raise OperationIdReused(str(c.id))
        self.ledger.replayed = True
        return stored

    def _work_order(self, code: str) -> WorkOrder:
        order = self.session.exec(select(WorkOrder).where(WorkOrder.code == code)).first()
        if order is None or not self.by.sees_site(order.site_id):
            raise NotFound("work order", code)
        return order

    def _equipment(self, code: str, order: WorkOrder, op: dict[str, Any]) -> Equipment:
        equipment = self.session.exec(select(Equipment).where(Equipment.code == code)).first()
        if equipment is None or equipment.site_id != order.site_id:
            raise NotFound("equipment", code)
        wanted = op.get("equipment_kind") or ""
        if wanted and equipment.kind != wanted:
            raise InvalidInput(f"{code} is {equipment.kind or 'of no kind'} equipment; operation {op['seq']} "
                               f"({op['code']}) needs {wanted}.", equipment=code)
        return equipment

    def _operator(self, username: str | None) -> str | None:
        if username is None:
            return self.by.user_id if self.by.user_id != "system" else None
        user = self.session.exec(select(User).where(User.username == username)).first()
        if user is None:
            raise NotFound("user", username)
        return user.id

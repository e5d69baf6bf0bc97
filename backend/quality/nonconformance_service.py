"""Nonconformance review (不合格品评审, MRB): each step through the workflow with who, when and why, and what
each disposition does to the unit and its stock, in the same commit."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from sqlalchemy import func, text
from sqlmodel import Session, select

from backend.auth.principal import Principal
from backend.db import atomic
from backend.errors import InvalidInput, NotFound
from backend.production.models import WorkOrder
from backend.quality.models import Inspection, Nonconformance, NonconformanceStep
from backend.quality.schemas import DispositionCommand
from backend.warehouse.errors import IllegalTransition
from backend.warehouse.ledger import Ledger
from backend.warehouse.status_service import StatusService
from shared_models import commands as cmd
from shared_models.bounds import QTY_EPSILON
from shared_models.enums import EventType, LineRole, Role, StatusAction, UnitKind, UnitStatus, WorkOrderKind
from shared_models.gates import check_movable
from shared_models.masterdata import Location, Supplier
from shared_models.quality import NONCONFORMANCE_WORKFLOW, Workflow
from shared_models.quality import IllegalTransition as WorkflowRefused
from shared_models.status import RULES, IllegalStatusChange, check_status_change
from shared_models.trace import Event, Unit
from shared_models.types import utcnow


def next_code(session: Session, when: datetime) -> str:
    """NC-YYYYMM-#### in the month of `when` (UTC); on PostgreSQL a lock per month keeps two writers apart."""
    prefix = f"NC-{when.astimezone(UTC):%Y%m}-"
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(prefix.encode()).digest()[:8], "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    last = session.exec(select(Nonconformance.code).where(Nonconformance.code.like(f"{prefix}%"))  # type: ignore[attr-defined]
                        .order_by(func.length(Nonconformance.code).desc(), Nonconformance.code.desc())).first()
    return f"{prefix}{int(last[len(prefix):]) + 1 if last else 1:04d}"


class NonconformanceService:
    def __init__(self, session: Session, *, workflow: Workflow = NONCONFORMANCE_WORKFLOW) -> None:
        self.session = session
        self.workflow = workflow
        self.ledger = Ledger(session)

    def _begin_command(self) -> None:
        self.ledger.forget()

    # -- reading ----------------------------------------------------------------------------------------------
    def get(self, code: str, by: Principal, *, lock: bool = False) -> Nonconformance:
        query = select(Nonconformance).where(Nonconformance.code == code)
        nc = self.session.exec(query.with_for_update() if lock else query).first()
        if nc is None or not by.sees_site(nc.site_id):
            raise NotFound("nonconformance", code)
        return nc

    def list_for(self, by: Principal, *, state: str | None = None, unit_id: str | None = None,
                 limit: int = 100, offset: int = 0) -> list[Nonconformance]:
        query = select(Nonconformance).order_by(Nonconformance.opened_at.desc())  # type: ignore[attr-defined]
        if by.site_id is not None:
            query = query.where(Nonconformance.site_id == by.site_id)
        if state is not None:
            if state not in self.workflow.state_names:
                raise InvalidInput(f"state: {state!r} is not a state of a nonconformance; use one of "
                                   f"{', '.join(self.workflow.state_names)}.", field="state")
            query = query.where(Nonconformance.state == state)
        if unit_id is not None:
            query = query.where(Nonconformance.unit_id == unit_id)
        return list(self.session.exec(query.offset(offset).limit(limit)))

    def steps(self, nc: Nonconformance) -> list[NonconformanceStep]:
        return list(self.session.exec(select(NonconformanceStep).where(NonconformanceStep.nonconformance_id == nc.id)
                                      .order_by(NonconformanceStep.at)))  # type: ignore[arg-type]

    # -- opening ----------------------------------------------------------------------------------------------
    def open_for_failed(self, inspection: Inspection, unit: Unit, why: str, by_user_id: str | None) -> Nonconformance:
        """Adds the nonconformance a failed inspection opens, and its first step, without committing: the
        inspection's commit carries them."""
        # The failed inspection reports the nonconformance on the inspector's authority, whoever recorded it.
        step = self.workflow.start(Role.INSPECTOR.value, {"reason": why, "inspection": inspection.id})
        listed = ", ".join(f"{d['code']} ×{d['count']} ({d['name_en'] or d['characteristic']})"
                           for d in inspection.defects)
        nc = Nonconformance(
            code=next_code(self.session, inspection.occurred_at), unit_id=unit.id, site_id=unit.site_id,
            inspection_id=inspection.id, state=step.target, defects=inspection.defects,
            description=f"{why}. Defects: {listed}. {inspection.note}".strip()[:2000],
            opened_by=by_user_id, opened_at=inspection.occurred_at)
        self.session.add(nc)
        self.session.flush()
        self.session.add(NonconformanceStep(nonconformance_id=nc.id, transition="report", from_state=step.source,
                                            to_state=step.target, by_user_id=by_user_id,
                                            at=inspection.occurred_at, fields=step.fields))
        return nc

    # -- advancing --------------------------------------------------------------------------------------------
    @atomic
    def advance(self, code: str, transition: str, fields: dict[str, Any], by: Principal) -> Nonconformance:
        """Fires `transition` and applies its effect. Raises IllegalTransition (409 illegal_transition, the
        workflow's message as detail, its reason in `context.rule`) and then nothing changed."""
        nc = self.get(code, by, lock=True)
        try:
            step = self.workflow.fire(nc.state, transition, self._role(by, nc.state, transition), fields)
        except WorkflowRefused as exc:
            raise IllegalTransition(str(exc), rule=exc.code, state=exc.state, transition=exc.transition,
                                    allowed=list(exc.allowed), missing=list(exc.missing)) from exc
        now = utcnow()
        unit = self.session.get_one(Unit, nc.unit_id)
        recorded = dict(step.fields)
        disposition = recorded.get("disposition")
        release: cmd.ChangeStatus | None = None
        if disposition == "rework":
            recorded["work_order"] = self._rework(nc, unit).code
        elif disposition == "scrap":
            recorded["event"] = self._scrap(nc, unit, by, transition, now, recorded).id
        elif disposition == "return_to_supplier":
            recorded["event"] = self._return(nc, unit, by, transition, now).id
        elif disposition == "use_as_is" and unit.status in RULES[StatusAction.RELEASE].sources:
            release = cmd.ChangeStatus(id=uuid4(), occurred_at=now, unit=unit.code, action=StatusAction.RELEASE,
                                       reason=f"{nc.code}: use as is, approved by {recorded['approved_by']}"[:500])
            recorded["event"] = str(release.id)
        nc.state = step.target
        if disposition is not None:
            nc.disposition = str(disposition)
        if step.target in self.workflow.final:
            nc.closed_at = now
        nc.version += 1
        nc.updated_at = now
        self.session.add(nc)
        self.session.add(NonconformanceStep(nonconformance_id=nc.id, transition=step.transition,
                                            from_state=step.source, to_state=step.target,
                                            by_user_id=_user_id(by), at=now, fields=recorded))
        if release is None:
            self.session.commit()
        else:
            # StatusService commits: the step and the release land together, or neither does.
            StatusService(self.session, by).change(release)
        return nc

    def _role(self, by: Principal, state: str, transition: str) -> str:
        """Admins act in whichever role the transition asks for; everyone else in their own."""
        if by.role is not Role.ADMIN:
            return by.role.value
        found = next((t for t in self.workflow.transitions_from(state) if t.name == transition), None)
        return found.roles[0] if found is not None and found.roles else by.role.value

    # -- effects ----------------------------------------------------------------------------------------------
    def _rework(self, nc: Nonconformance, unit: Unit) -> WorkOrder:
        if unit.item_id is None:
            raise InvalidInput(f"{unit.code} is a container; rework the units inside it, each on its own "
                               f"nonconformance.", unit=unit.code)
        qty = self.ledger.total_on_hand(unit.id)
        if qty <= QTY_EPSILON:
            raise InvalidInput(f"{unit.code} has no stock on hand to rework.", unit=unit.code)
        order = WorkOrder(code=f"RW-{nc.code}", site_id=unit.site_id, item_id=unit.item_id, qty_planned=qty,
                          kind=WorkOrderKind.REWORK, source=nc.code)
        self.session.add(order)
        self.session.flush()
        nc.work_order_id = order.id
        return order

    def _scrap(self, nc: Nonconformance, unit: Unit, by: Principal, transition: str, now: datetime,
               fields: dict[str, Any]) -> Event:
        """Scraps the unit (and what a container holds) and writes off its stock at every location."""
        units = [unit, *(self.ledger.contents(unit) if unit.kind is UnitKind.CONTAINER else [])]
        try:
            rules = [check_status_change(u.code, u.status, StatusAction.SCRAP, by.role) for u in units]
        except IllegalStatusChange as exc:
            raise IllegalTransition(str(exc), rule=exc.code) from exc
        reason = str(fields.get("reason") or f"scrapped on nonconformance {nc.code}")
        event = self.ledger.open_event(
            DispositionCommand(id=uuid4(), occurred_at=now, nonconformance=nc.code, transition=transition),
            EventType.DISPOSITION, site_id=unit.site_id, by=by, disposition=rules[0].cbv_disposition,
            reference=nc.code, attributes={"action": StatusAction.SCRAP.value, "reason": reason[:500],
                                           "from": {u.code: u.status.value for u in units},
                                           "nonconformance": nc.code})
        for u, rule in zip(units, rules, strict=True):
            self._take_all(event, u)
            u.status = rule.target
            u.version += 1
            self.session.add(u)
        return event

    def _return(self, nc: Nonconformance, unit: Unit, by: Principal, transition: str, now: datetime) -> Event:
        """Sends the unit's stock at every location back to the supplier it came from."""
        if unit.supplier_id is None:
            raise InvalidInput(f"{unit.code} was not received from a supplier (it was made here or is a "
                               f"container); choose another disposition.", unit=unit.code)
        if gone := check_movable(unit.code, unit.status):
            raise IllegalTransition(f"Cannot return to supplier: {gone[0].reason}.", rule=gone[0].rule)
        supplier = self.session.get_one(Supplier, unit.supplier_id)
        event = self.ledger.open_event(
            DispositionCommand(id=uuid4(), occurred_at=now, nonconformance=nc.code, transition=transition),
            EventType.RETURN, site_id=unit.site_id, by=by, supplier_id=supplier.id, disposition="returned",
            reference=nc.code, attributes={"nonconformance": nc.code, "supplier": supplier.code,
                                           "from": {unit.code: unit.status.value}})
        # The goods leave us: CBV's shipping step, not the receiving step of returns that come back to us.
        event.business_step = "shipping"
        self._take_all(event, unit)
        unit.status = UnitStatus.SHIPPED
        unit.version += 1
        self.session.add(unit)
        return event

    def _take_all(self, event: Event, unit: Unit) -> None:
        stock = self.ledger.stock_of(unit.id)
        if not stock:
            self.ledger.line(event, unit, LineRole.SUBJECT, 0.0)
        for location_id, qty in sorted(stock.items()):
            self.ledger.line(event, unit, LineRole.SUBJECT, qty,
                             from_location=self.session.get_one(Location, location_id))


def _user_id(by: Principal) -> str | None:
    return by.user_id if by.user_id != "system" else None

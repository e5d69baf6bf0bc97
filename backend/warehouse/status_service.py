"""Status changes of units, through the state machine in shared_models/status.py, each one an event."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from backend.auth.principal import Principal
from backend.db import atomic
from backend.trace.lookup import unit_by_code
from backend.warehouse.errors import IllegalTransition
from backend.warehouse.ledger import Ledger
from shared_models import commands as cmd
from shared_models.enums import EventType, LineRole, Role, StatusAction, UnitKind
from shared_models.status import IllegalStatusChange, check_status_change
from shared_models.trace import Event


class StatusService:
    """`by_inspection`: the change follows a passed inspection, whose verdict is the authority to release, so the
    inspector who recorded it may release as a QA manager may; the event notes `authority: inspection`."""

    def __init__(self, session: Session, principal: Principal, *, today: date | None = None,
                 by_inspection: bool = False) -> None:
        self.session = session
        self.by = principal
        self.ledger = Ledger(session)
        self.by_inspection = by_inspection

    def _begin_command(self) -> None:
        self.ledger.forget()

    @atomic
    def change(self, c: cmd.ChangeStatus) -> Event:
        if (done := self.ledger.replay(c, EventType.DISPOSITION)) is not None:
            return done
        unit = unit_by_code(self.session, c.unit, self.by)
        units = [unit, *(self.ledger.contents(unit) if unit.kind is UnitKind.CONTAINER else [])]
        inspected = self.by_inspection and c.action is StatusAction.RELEASE and self.by.role is Role.INSPECTOR
        role = Role.QA_MANAGER if inspected else self.by.role
        try:
            rules = [check_status_change(u.code, u.status, c.action, role) for u in units]
        except IllegalStatusChange as exc:
            raise IllegalTransition(str(exc), rule=exc.code) from exc
        event = self.ledger.open_event(c, EventType.DISPOSITION, site_id=unit.site_id, by=self.by,
                                       disposition=rules[0].cbv_disposition,
                                       attributes={"action": c.action.value, "reason": c.reason,
                                                   "from": {u.code: u.status.value for u in units},
                                                   **({"authority": "inspection"} if inspected else {})})
        for u, rule in zip(units, rules, strict=True):
            u.status = rule.target
            u.version += 1
            self.session.add(u)
            self.ledger.line(event, u, LineRole.SUBJECT, 0.0)
        self.session.commit()
        return event

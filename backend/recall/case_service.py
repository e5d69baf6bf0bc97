"""Recall cases (召回): open from codes, a supplier lot or a line and window; block, notify, track returns, close."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from uuid import UUID, uuid4

from sqlalchemy import func, text
from sqlmodel import Session, select

from backend.auth.principal import Principal
from backend.coding.allocation import find_rule, take
from backend.coding.models import NumberKind
from backend.db import atomic
from backend.errors import Forbidden, InvalidInput, NotFound
from backend.fonts import FONT_DIRS
from backend.recall.errors import AlreadyReturned, NotInRecall, OutstandingUnits, RecallStateConflict
from backend.recall.export import notices_csv
from backend.recall.models import IN_STOCK, SHIPPED, RecallCase, RecallUnit
from backend.recall.notices import notices_of
from backend.recall.progress import case_progress, is_back, outstanding, total
from backend.recall.report_pdf import notices_pdf, pdf_fonts
from backend.recall.schemas import (
    BlockResult,
    NoticeCustomer,
    RecallCaseDetail,
    RecallCasePublic,
    RecallProgress,
    RecallUnitPublic,
    ReturnResult,
    ReturnScan,
    SkippedUnit,
    public,
)
from backend.recall.scope_service import scope_of_walk
from backend.recall.seeds import recall_seeds, with_contents
from backend.recall.states import may, state_after
from backend.trace.downstream import materialized_reach
from backend.trace.lookup import location_by_code
from backend.trace.models import EventLine
from backend.trace.resolver import resolve
from backend.warehouse.errors import EventIdReused
from backend.warehouse.ledger import Ledger
from backend.warehouse.status_service import StatusService
from shared_models import commands as cmd
from shared_models.bounds import QTY_EPSILON
from shared_models.enums import EventType, LineRole, RecallState, Role, StatusAction, UnitKind, UnitStatus
from shared_models.masterdata import Customer, Item, Location
from shared_models.status import LIVE
from shared_models.trace import Event, Unit
from shared_models.types import utcnow

# Units in the walk that went to customers, net of what came back already (an earlier recall's returns).
SHIPPED_SQL = """
SELECT l.unit_id, ev.customer_id, SUM(CASE WHEN ev.type = 'ship' THEN l.qty ELSE -l.qty END)
FROM event_line l JOIN {walk} w ON w.unit_id = l.unit_id JOIN unit u ON u.id = l.unit_id
JOIN event ev ON ev.id = l.event_id
WHERE ev.type IN ('ship', 'return') AND ev.customer_id IS NOT NULL AND u.kind <> 'container'
GROUP BY l.unit_id, ev.customer_id HAVING SUM(CASE WHEN ev.type = 'ship' THEN l.qty ELSE -l.qty END) > :epsilon
"""


class RecallService:
    def __init__(self, session: Session, principal: Principal, *, max_depth: int = 12,
                 font_dirs: Sequence[Path] = FONT_DIRS) -> None:
        self.session = session
        self.by = principal
        self.max_depth = max_depth
        self.font_dirs = tuple(font_dirs)
        self.ledger = Ledger(session)

    def _begin_command(self) -> None:
        self.ledger.forget()

    # opening -------------------------------------------------------------------------------------------------
    @atomic
    def open_case(self, title: str, reason: str, *, codes: Sequence[str] | None = None,
                  supplier_lot: tuple[str, str] | None = None, line: str | None = None,
                  window: tuple[datetime, datetime] | None = None) -> RecallCase:
        """Exactly one origin: codes, (supplier code, supplier lot), or line with window (from, to inclusive)."""
        if not title.strip() or not reason.strip():
            raise InvalidInput("A recall needs a title and a reason.")
        seeds, origin = recall_seeds(self.ledger, self.by, codes=codes, supplier_lot=supplier_lot, line=line,
                                     window=window)
        with materialized_reach(self.session, [u.id for u in seeds], self.max_depth) as walk:
            # The units it blocks are the stock lines the scope's in-stock totals count: one computation.
            scope, stock = scope_of_walk(self.session, self.by, walk, [u.code for u in seeds], list_limit=0)
            case = RecallCase(code=self._next_code(), title=title.strip(), reason=reason.strip(),
                              seeds=[u.code for u in seeds], origin=origin,
                              totals={**scope.totals.model_dump(),
                                      "finished_by_item": [c.model_dump() for c in scope.finished_by_item]},
                              created_by=self.by.user_id if self.by.user_id != "system" else None)
            self.session.add(case)
            self.session.flush()
            for held in stock:
                self.session.add(RecallUnit(case_id=case.id, unit_id=held.unit_id, kind=IN_STOCK,
                                            location_id=held.location_id, qty=held.qty))
            shipped = self.session.execute(text(SHIPPED_SQL.format(walk=walk)), {"epsilon": QTY_EPSILON})
            for unit_id, customer_id, qty in shipped.all():
                self.session.add(RecallUnit(case_id=case.id, unit_id=unit_id, kind=SHIPPED,
                                            customer_id=customer_id, qty=round(float(qty), 9)))
        self.session.commit()
        return case

    def _next_code(self) -> str:
        """From the plant's recall-case numbering rule when one is set up (coding); otherwise RC-<date>-<n>,
        counted under the writer lock this command holds."""
        rule = find_rule(self.session, NumberKind.RECALL_CASE, site=None, item=None, item_group=None)
        if rule is not None:
            return take(self.session, rule).numbers[0]
        prefix = f"RC-{utcnow():%Y%m%d}-"
        taken = self.session.exec(select(func.count()).select_from(RecallCase)
                                  .where(RecallCase.code.startswith(prefix))).one()  # type: ignore[attr-defined]
        return f"{prefix}{taken + 1:03d}"

    # reading -------------------------------------------------------------------------------------------------
    def get(self, code: str) -> RecallCase:
        case = self.session.exec(select(RecallCase).where(RecallCase.code == code)).first()
        if case is None:
            raise NotFound("recall case", code)
        return case

    def list_cases(self, state: RecallState | None = None) -> list[RecallCasePublic]:
        query = select(RecallCase).order_by(RecallCase.created_at.desc())  # type: ignore[attr-defined]
        if state is not None:
            query = query.where(RecallCase.state == state)
        return [public(c) for c in self.session.exec(query)]

    def detail(self, code: str) -> RecallCaseDetail:
        case = self.get(code)
        return RecallCaseDetail(**public(case).model_dump(), progress=self.progress(code))

    def units(self, code: str, kind: str | None = None) -> list[RecallUnitPublic]:
        case = self.get(code)
        query = (select(RecallUnit, Unit, Item.part_no, Customer.code, Location.code)
                 .join(Unit, Unit.id == RecallUnit.unit_id).outerjoin(Item, Item.id == Unit.item_id)
                 .outerjoin(Customer, Customer.id == RecallUnit.customer_id)
                 .outerjoin(Location, Location.id == RecallUnit.location_id)
                 .where(RecallUnit.case_id == case.id).order_by(RecallUnit.kind, Unit.code))
        if kind is not None:
            query = query.where(RecallUnit.kind == kind)
        return [RecallUnitPublic(unit=u.code, kind=r.kind, status=u.status.value, part_no=part_no, customer=cust,
                                 location=loc, qty=r.qty, returned_qty=r.returned_qty, returned_at=r.returned_at)
                for r, u, part_no, cust, loc in self.session.exec(query)]

    def progress(self, code: str) -> RecallProgress:
        return case_progress(self.session, self.get(code))

    # blocking ------------------------------------------------------------------------------------------------
    @atomic
    def block(self, code: str) -> BlockResult:
        """Recalls every in-stock unit of the case through the status machine; a second call changes nothing."""
        case = self.get(code)
        self._check(case, "block")
        rows = self.session.exec(select(RecallUnit.unit_id).where(RecallUnit.case_id == case.id,
                                                                  RecallUnit.kind == IN_STOCK)).all()
        units = sorted((u for u in (self.session.get(Unit, i) for i in set(rows)) if u is not None),
                       key=lambda u: u.code)
        recalled, already, skipped, events = [], [], [], []
        reason = f"Recall {case.code}: {case.title}"[:500]
        for unit in units:
            if unit.status is UnitStatus.RECALLED:
                already.append(unit.code)
            elif unit.status not in LIVE:
                skipped.append(SkippedUnit(unit=unit.code, why=f"is {unit.status.value} now"))
            elif not self.by.sees_site(unit.site_id):
                skipped.append(SkippedUnit(unit=unit.code, why="is on a site you may not change"))
            else:
                event = StatusService(self.session, self.by).change(cmd.ChangeStatus(
                    id=uuid4(), occurred_at=utcnow(), unit=unit.code, action=StatusAction.RECALL, reason=reason,
                    note=f"recall {case.code}"))
                recalled.append(unit.code)
                events.append(event.id)
        self._advance(case, "block")
        self.session.commit()
        return BlockResult(case=public(case), recalled=recalled, already_recalled=already, skipped=skipped,
                           events=events)

    # notifying -----------------------------------------------------------------------------------------------
    def notification_list(self, code: str) -> list[NoticeCustomer]:
        """Per customer reached: who to tell, which units, from which shipments. Reading changes no state."""
        return notices_of(self.session, self.get(code))

    @atomic
    def export_csv(self, code: str) -> bytes:
        """The notification list as CSV (see recall/export.py); case → notifying."""
        case = self._notify(code)
        content = notices_csv(case.code, self.notification_list(code))
        self.session.commit()
        return content

    @atomic
    def export_pdf(self, code: str) -> bytes:
        """The notification list as a PDF, one page (or more) per customer; case → notifying.

        Chinese needs a CJK-capable TTF (found under `font_dirs`); without one the PDF still comes out, in a core
        font, with text it cannot draw shown as [?]."""
        case = self._notify(code)
        content = notices_pdf(case, self.notification_list(code), pdf_fonts(self.font_dirs))
        self.session.commit()
        return content

    def _notify(self, code: str) -> RecallCase:
        case = self.get(code)
        self._check(case, "notify")
        self._advance(case, "notify")
        return case

    # returns -------------------------------------------------------------------------------------------------
    @atomic
    def record_return(self, code: str, scanned_code: str, *, location: str, qty: float | None = None,
                      customer: str | None = None, event_id: UUID | None = None,
                      occurred_at: datetime | None = None) -> ReturnResult:
        """A unit (or a carton of them) back from a customer: into stock at `location`, status recalled.

        Raises NotInRecall when it was not shipped under this recall, AlreadyReturned when it is back already.
        A retry with the same `event_id` answers the stored return."""
        case = self.get(code)
        if event_id is not None and (stored := self.session.get(Event, str(event_id))) is not None:
            if stored.type is not EventType.RETURN or stored.attributes.get("recall") != case.code \
                    or stored.attributes.get("scanned") != scanned_code:
                raise EventIdReused(str(event_id))
            return self._return_result(case, stored)
        self._check(case, "record_return")
        c = ReturnScan(id=event_id or uuid4(), occurred_at=occurred_at or utcnow(), recall=code,
                       scanned=scanned_code, qty=qty, location=location, customer=customer)
        place = location_by_code(self.session, location, self.by)
        found = resolve(self.session, self.by, scanned_code)
        if found.unit is None:
            raise InvalidInput(f"'{scanned_code}' is {found.what}; scan the returned unit or carton.")
        scanned = found.unit
        carton = scanned.kind is UnitKind.CONTAINER
        if carton and qty is not None:
            raise InvalidInput(f"{scanned.code} is a carton; it comes back whole, without a quantity.")
        targets = [u for u in with_contents(self.ledger, [scanned]) if u.kind is not UnitKind.CONTAINER] if carton \
            else [scanned]
        if not targets:
            raise InvalidInput(f"Carton {scanned.code} is empty; scan the returned units themselves.")
        rows = self._shipped_rows(case, [u.id for u in targets], customer)
        missing = [u.code for u in targets if u.id not in rows]
        if missing:
            raise NotInRecall(f"{', '.join(missing[:5])} {'is' if len(missing) == 1 else 'are'} not among the units "
                              f"recall {case.code} shipped to customers; check the label or the recall.",
                              units=missing)
        open_rows = {uid: r for uid, r in rows.items() if not is_back(r)}
        if not open_rows:
            back = max((r.returned_at for r in rows.values() if r.returned_at), default=None)
            raise AlreadyReturned(f"{scanned.code} is already returned under recall {case.code}"
                                  + (f" ({back.isoformat()})." if back else "."), unit=scanned.code)
        if len({r.customer_id for r in open_rows.values()}) > 1:
            raise InvalidInput(f"{scanned.code} went to several customers; say which one it came back from.",
                               unit=scanned.code)
        row_of_scanned = open_rows.get(scanned.id)
        if qty is not None and row_of_scanned is not None and qty > outstanding(row_of_scanned) + QTY_EPSILON:
            raise InvalidInput(f"Only {outstanding(row_of_scanned):g} of {scanned.code} is outstanding; "
                               f"{qty:g} scanned.", unit=scanned.code)
        first = next(iter(open_rows.values()))
        event = self.ledger.open_event(c, EventType.RETURN, site_id=place.site_id, by=self.by, location_id=place.id,
                                       customer_id=first.customer_id, reference=case.code[:64],
                                       disposition="recalled", attributes={"recall": case.code,
                                                                           "scanned": scanned_code})
        by_id = {u.id: u for u in targets}
        if carton:
            self.ledger.line(event, scanned, LineRole.SUBJECT, 1.0, to_location=place)
            self._mark_recalled(scanned)
        for unit_id, row in open_rows.items():
            amount = qty if qty is not None else outstanding(row)
            role = LineRole.CONTENT if carton else LineRole.SUBJECT
            self.ledger.line(event, by_id[unit_id], role, amount, to_location=place)
            self._mark_recalled(by_id[unit_id])
            row.returned_qty = round(row.returned_qty + amount, 9)
            row.returned_at = c.occurred_at
            self.session.add(row)
        self._advance(case, "record_return")
        self.session.commit()
        return self._return_result(case, event)

    def _shipped_rows(self, case: RecallCase, unit_ids: list[str], customer: str | None) -> dict[str, RecallUnit]:
        query = select(RecallUnit).where(RecallUnit.case_id == case.id, RecallUnit.kind == SHIPPED,
                                         RecallUnit.unit_id.in_(unit_ids))  # type: ignore[attr-defined]
        if customer:
            c = self.session.exec(select(Customer).where(Customer.code == customer)).first()
            if c is None:
                raise NotFound("customer", customer)
            query = query.where(RecallUnit.customer_id == c.id)
        rows: dict[str, RecallUnit] = {}
        for r in self.session.exec(query):
            # With several customers for one unit, keep the one still owing a return.
            if r.unit_id not in rows or is_back(rows[r.unit_id]):
                rows[r.unit_id] = r
        return rows

    def _mark_recalled(self, unit: Unit) -> None:
        unit.status = UnitStatus.RECALLED
        unit.version += 1  # a new version: handhelds get the recalled status at their next sync
        self.session.add(unit)

    def _return_result(self, case: RecallCase, event: Event) -> ReturnResult:
        lines = list(self.session.exec(select(EventLine, Unit.code, Unit.kind).join(Unit, Unit.id == EventLine.unit_id)
                                       .where(EventLine.event_id == event.id).order_by(Unit.code)))
        c = self.session.get(Customer, event.customer_id)
        loc = self.session.get(Location, event.location_id)
        units = [(code, ln.qty) for ln, code, kind in lines if kind is not UnitKind.CONTAINER]
        return ReturnResult(case=public(case), event_id=event.id, customer=c.code if c else "",
                            location=loc.code if loc else "", units=[u for u, _ in units],
                            qty=total(q for _, q in units))

    # closing -------------------------------------------------------------------------------------------------
    @atomic
    def close(self, code: str, note: str = "") -> RecallCase:
        """Closes when every shipped unit is back; with units outstanding, only a QA manager with a reason."""
        case = self.get(code)
        self._check(case, "close")
        owing = [r for r in self.session.exec(select(RecallUnit).where(
            RecallUnit.case_id == case.id, RecallUnit.kind == SHIPPED)) if not is_back(r)]
        if owing and self.by.role not in (Role.QA_MANAGER, Role.ADMIN):
            raise Forbidden(f"{len(owing)} shipped unit(s) are still out; only a QA manager may close {case.code}.")
        if owing and not note.strip():
            raise OutstandingUnits(f"{len(owing)} shipped unit(s) ({total(outstanding(r) for r in owing):g}) are not "
                                   f"back; give the reason for closing {case.code} without them.",
                                   outstanding_units=len(owing))
        case.totals = {**case.totals, "closing": {
            "note": note.strip(), "by": self.by.username, "outstanding_units": len(owing),
            "outstanding_qty": total(outstanding(r) for r in owing)}}
        case.closed_at = utcnow()
        self._advance(case, "close")
        self.session.commit()
        return case

    # state ---------------------------------------------------------------------------------------------------
    def _check(self, case: RecallCase, action: str) -> None:
        if not may(case.state, action):
            raise RecallStateConflict(case, action)

    def _advance(self, case: RecallCase, action: str) -> None:
        after = state_after(case.state, action)
        if after != case.state:
            case.state = after
            self.session.add(case)


__all__ = ["RecallService"]

"""Recall cases (召回): open from codes, a supplier lot or a line and window; block, notify, track returns, close."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.fonts import FontFace
from pydantic import BaseModel, Field
from sqlalchemy import func, or_, text
from sqlmodel import Session, select

from backend.auth.principal import Principal
from backend.db import atomic
from backend.errors import Conflict, Forbidden, InvalidInput, NotFound
from backend.production.models import OperationReport
from backend.recall.models import RecallCase, RecallUnit
from backend.recall.scope import scope_of_walk
from backend.trace.lookup import location_by_code, supplier_by_code
from backend.trace.resolver import resolve
from backend.trace.walk import materialized_walk
from backend.warehouse.errors import EventIdReused
from backend.warehouse.ledger import EPSILON, Ledger
from backend.warehouse.status import StatusService
from shared_models import commands as cmd
from shared_models.enums import Direction, EventType, LineRole, RecallState, Role, StatusAction, UnitKind, UnitStatus
from shared_models.masterdata import Customer, Equipment, Item, Location
from shared_models.status import LIVE
from shared_models.trace import Event, EventLine, Unit
from shared_models.types import utcnow

IN_STOCK, SHIPPED = "in_stock", "shipped"
FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
LATIN_FONTS = ("DejaVuSans.ttf", "NotoSans-Regular.ttf", "LiberationSans-Regular.ttf", "FreeSans.ttf")
CJK_FONTS = ("DroidSansFallbackFull.ttf", "NotoSansCJK-Regular.ttc", "NotoSansSC-Regular.ttf", "wqy-microhei.ttc",
             "wqy-zenhei.ttc")  # a .ttc: its first face
UNRENDERABLE = "[?]"

# Units in the walk that went to customers, net of what came back already (an earlier recall's returns).
SHIPPED_SQL = """
SELECT l.unit_id, ev.customer_id, SUM(CASE WHEN ev.type = 'ship' THEN l.qty ELSE -l.qty END)
FROM event_line l JOIN {walk} w ON w.unit_id = l.unit_id JOIN unit u ON u.id = l.unit_id
JOIN event ev ON ev.id = l.event_id
WHERE ev.type IN ('ship', 'return') AND ev.customer_id IS NOT NULL AND u.kind <> 'container'
GROUP BY l.unit_id, ev.customer_id HAVING SUM(CASE WHEN ev.type = 'ship' THEN l.qty ELSE -l.qty END) > 1e-9
"""

S = RecallState
ORDER = [S.OPEN, S.BLOCKING, S.NOTIFYING, S.TRACKING, S.CLOSED]
# action → states it may start from, and the state it leads to (a case never moves back).
ACTIONS: dict[str, tuple[frozenset[RecallState], RecallState]] = {
    "block": (frozenset({S.OPEN, S.BLOCKING}), S.BLOCKING),
    "notify": (frozenset({S.BLOCKING, S.NOTIFYING, S.TRACKING, S.CLOSED}), S.NOTIFYING),
    "record_return": (frozenset({S.NOTIFYING, S.TRACKING}), S.TRACKING),
    "close": (frozenset({S.OPEN, S.BLOCKING, S.NOTIFYING, S.TRACKING}), S.CLOSED),
}


# -- errors ------------------------------------------------------------------------------------------------------
class RecallStateConflict(Conflict):
    code = "recall_state"

    def __init__(self, case: RecallCase, action: str) -> None:
        allowed = allowed_actions(case.state)
        super().__init__(f"Recall {case.code} is {case.state.value}; it cannot {action.replace('_', ' ')} "
                         f"(allowed now: {', '.join(allowed) or 'nothing, it is closed'}).",
                         state=case.state.value, allowed=allowed)


class NotInRecall(InvalidInput):
    code = "not_in_recall"


class AlreadyReturned(Conflict):
    code = "already_returned"


class OutstandingUnits(Conflict):
    code = "recall_outstanding"


def allowed_actions(state: RecallState) -> list[str]:
    return [a for a, (sources, _) in ACTIONS.items() if state in sources]


# -- what the API returns ----------------------------------------------------------------------------------------
class RecallCasePublic(BaseModel):
    code: str
    title: str
    reason: str
    state: str
    seeds: list[str]
    origin: dict[str, Any]
    totals: dict[str, Any]
    created_at: datetime
    closed_at: datetime | None
    allowed: list[str]


class CustomerProgress(BaseModel):
    code: str
    name: str
    kind: str
    shipped_units: int
    shipped_qty: float
    returned_units: int
    returned_qty: float
    outstanding_units: int
    outstanding_qty: float


class BlockedStock(BaseModel):
    units: int
    qty: float
    recalled_units: int                 # of those, recalled now
    not_recalled: list[str]             # still live, or consumed/scrapped since the case was opened


class RecallProgress(BaseModel):
    shipped_units: int
    shipped_qty: float
    returned_units: int
    returned_qty: float
    outstanding_units: int
    outstanding_qty: float
    customers: list[CustomerProgress]
    blocked: BlockedStock


class RecallCaseDetail(RecallCasePublic):
    progress: RecallProgress


class RecallUnitPublic(BaseModel):
    unit: str
    kind: str
    status: str
    part_no: str | None
    customer: str | None
    location: str | None
    qty: float
    returned_qty: float
    returned_at: datetime | None


class SkippedUnit(BaseModel):
    unit: str
    why: str


class BlockResult(BaseModel):
    case: RecallCasePublic
    recalled: list[str]
    already_recalled: list[str]
    skipped: list[SkippedUnit]
    events: list[str]


class NoticeShipment(BaseModel):
    reference: str
    shipped_at: datetime
    units: int
    qty: float


class NoticeLine(BaseModel):
    unit: str
    part_no: str | None
    item_name: str | None
    qty: float
    returned_qty: float
    shipments: list[str]


class NoticeCustomer(BaseModel):
    code: str
    name: str
    kind: str
    contact: str
    units: list[str]
    qty: float
    returned_qty: float
    shipments: list[NoticeShipment]
    lines: list[NoticeLine]


class ReturnResult(BaseModel):
    case: RecallCasePublic
    event_id: str
    customer: str
    location: str
    units: list[str]
    qty: float


class ReturnScan(cmd.EventCommand):
    """A returned unit scanned against a recall; `id` makes a retried scan store once."""

    recall: str
    scanned: str = Field(min_length=1, max_length=400)
    qty: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    location: str
    customer: str | None = None


# -- the service -------------------------------------------------------------------------------------------------
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
        given = [name for name, value in (("codes", codes), ("supplier_lot", supplier_lot), ("line", line))
                 if value]
        if len(given) != 1 or (window is not None and not line):
            raise InvalidInput("Open a recall from exactly one of: codes, supplier_lot, line + window "
                               f"(given: {', '.join(given + (['window'] if window else [])) or 'none'}).")
        if codes:
            seeds, origin = self._seeds_from_codes(codes)
        elif supplier_lot:
            seeds, origin = self._seeds_from_supplier_lot(*supplier_lot)
        else:
            assert line is not None
            if window is None:
                raise InvalidInput(f"A recall from line {line} needs a window: from and to times.")
            seeds, origin = self._seeds_from_line(line, *window)
        seeds = self._with_contents(seeds)
        with materialized_walk(self.session, [u.id for u in seeds], Direction.FORWARD, self.max_depth) as walk:
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
            for unit_id, customer_id, qty in self.session.execute(text(SHIPPED_SQL.format(walk=walk))).all():
                self.session.add(RecallUnit(case_id=case.id, unit_id=unit_id, kind=SHIPPED,
                                            customer_id=customer_id, qty=round(float(qty), 9)))
        self.session.commit()
        return case

    def _seeds_from_codes(self, codes: Sequence[str]) -> tuple[list[Unit], dict[str, Any]]:
        units = []
        for code in codes:
            found = resolve(self.session, self.by, code)
            if found.unit is None:
                raise InvalidInput(f"'{code}' is {found.what}; a recall starts from lots, serials or containers.",
                                   code=code)
            units.append(found.unit)
        return units, {"kind": "codes", "codes": list(codes)}

    def _seeds_from_supplier_lot(self, supplier_code: str, lot: str) -> tuple[list[Unit], dict[str, Any]]:
        supplier = supplier_by_code(self.session, supplier_code)
        units = [u for u in self.session.exec(
            select(Unit).where(Unit.supplier_id == supplier.id, Unit.supplier_lot == lot,
                               Unit.kind != UnitKind.CONTAINER).order_by(Unit.code)) if self.by.sees_site(u.site_id)]
        if not units:
            raise NotFound("unit received with supplier lot", f"{supplier.code} {lot}")
        return units, {"kind": "supplier_lot", "supplier": supplier.code, "supplier_lot": lot}

    def _seeds_from_line(self, code: str, start: datetime, end: datetime) -> tuple[list[Unit], dict[str, Any]]:
        if start.tzinfo is None or end.tzinfo is None:
            raise InvalidInput("The window's times need a time zone offset.")
        if end <= start:
            raise InvalidInput(f"The window ends ({end.isoformat()}) before it starts ({start.isoformat()}).")
        produced = (select(Unit).join(EventLine, EventLine.unit_id == Unit.id)
                    .join(Event, Event.id == EventLine.event_id)
                    .where(Event.type == EventType.PRODUCE, EventLine.role == LineRole.OUTPUT,
                           Event.occurred_at >= start, Event.occurred_at <= end))
        location = self.session.exec(select(Location).where(Location.code == code)).first()
        equipment = self.session.exec(select(Equipment).where(Equipment.code == code)).first()
        if location is not None and self.by.sees_site(location.site_id):
            kind = "location"
            units = list(self.session.exec(produced.where(Event.location_id == location.id)))
        elif equipment is not None and self.by.sees_site(equipment.site_id):
            # Equipment shows up in operation reports: what their work orders produced in the window,
            # and any unit a report names itself.
            kind = "equipment"
            reports = list(self.session.exec(select(OperationReport).where(
                OperationReport.equipment_id == equipment.id, OperationReport.started_at <= end,
                or_(OperationReport.ended_at >= start, OperationReport.started_at >= start))))
            orders = sorted({r.work_order_id for r in reports})
            by_order = produced.where(Event.work_order_id.in_(orders))  # type: ignore[union-attr]
            units = list(self.session.exec(by_order)) if orders else []
            named = {r.unit_id for r in reports if r.unit_id} - {u.id for u in units}
            units += [u for u in (self.session.get(Unit, i) for i in sorted(named)) if u is not None]
        else:
            raise NotFound("production location or equipment", code)
        if not units:
            raise InvalidInput(f"Nothing was produced at {code} between {start.isoformat()} and {end.isoformat()}.",
                               line=code)
        units = sorted({u.id: u for u in units}.values(), key=lambda u: u.code)
        return units, {"kind": "line", "line": code, "line_kind": kind, "from_at": start.isoformat(),
                       "to_at": end.isoformat()}

    def _with_contents(self, units: Iterable[Unit]) -> list[Unit]:
        """A container stands for what it holds: its contents (and theirs) become seeds too."""
        seen = {u.id: u for u in units}
        queue = [u for u in seen.values() if u.kind is UnitKind.CONTAINER]
        while queue:
            for inner in self.ledger.contents(queue.pop()):
                if inner.id not in seen:
                    seen[inner.id] = inner
                    if inner.kind is UnitKind.CONTAINER:
                        queue.append(inner)
        return list(seen.values())

    def _next_code(self) -> str:
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
        case = self.get(code)
        rows = list(self.session.exec(select(RecallUnit).where(RecallUnit.case_id == case.id)))
        per: dict[str, list[RecallUnit]] = {}
        for r in rows:
            if r.kind == SHIPPED and r.customer_id:
                per.setdefault(r.customer_id, []).append(r)
        customers = []
        for customer_id, mine in per.items():
            c = self.session.get(Customer, customer_id)
            assert c is not None
            customers.append(_customer_progress(c, mine))
        customers.sort(key=lambda c: (-c.shipped_units, c.code))
        stock = [r for r in rows if r.kind == IN_STOCK]
        status = {u.id: u for u in self.session.exec(select(Unit).where(
            Unit.id.in_({r.unit_id for r in stock})))}  # type: ignore[attr-defined]
        live = sorted({status[r.unit_id].code for r in stock if status[r.unit_id].status is not UnitStatus.RECALLED})
        shipped = [r for r in rows if r.kind == SHIPPED]
        done = [r for r in shipped if _outstanding(r) <= EPSILON]
        return RecallProgress(
            shipped_units=len(shipped), shipped_qty=_sum(r.qty for r in shipped), returned_units=len(done),
            returned_qty=_sum(r.returned_qty for r in shipped), outstanding_units=len(shipped) - len(done),
            outstanding_qty=_sum(_outstanding(r) for r in shipped), customers=customers,
            blocked=BlockedStock(units=len({r.unit_id for r in stock}), qty=_sum(r.qty for r in stock),
                                 recalled_units=len({r.unit_id for r in stock}) - len(live), not_recalled=live))

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
        case = self.get(code)
        query = (select(RecallUnit, Unit.code, Item.part_no, Item.name, Event.id, Event.reference, Event.occurred_at,
                        EventLine.qty)
                 .join(Unit, Unit.id == RecallUnit.unit_id).outerjoin(Item, Item.id == Unit.item_id)
                 .join(EventLine, EventLine.unit_id == RecallUnit.unit_id)
                 .join(Event, (Event.id == EventLine.event_id) & (Event.customer_id == RecallUnit.customer_id))
                 .where(RecallUnit.case_id == case.id, RecallUnit.kind == SHIPPED, Event.type == EventType.SHIP)
                 .order_by(Unit.code, Event.occurred_at))
        drafts: dict[str, _NoticeDraft] = {}
        for row, unit_code, part_no, item_name, event_id, reference, shipped_at, qty in self.session.exec(query):
            assert row.customer_id is not None
            draft = drafts.setdefault(row.customer_id, _NoticeDraft())
            line = draft.lines.setdefault(row.id, NoticeLine(unit=unit_code, part_no=part_no, item_name=item_name,
                                                             qty=row.qty, returned_qty=row.returned_qty, shipments=[]))
            if reference not in line.shipments:
                line.shipments.append(reference)
            shipment = draft.shipments.setdefault(event_id, NoticeShipment(reference=reference, shipped_at=shipped_at,
                                                                           units=0, qty=0.0))
            shipment.units += 1
            shipment.qty = round(shipment.qty + qty, 9)
        notices = []
        for customer_id, draft in drafts.items():
            c = self.session.get(Customer, customer_id)
            assert c is not None
            lines = list(draft.lines.values())
            notices.append(NoticeCustomer(
                code=c.code, name=c.name, kind=c.kind.value, contact=c.contact, units=[ln.unit for ln in lines],
                qty=_sum(ln.qty for ln in lines), returned_qty=_sum(ln.returned_qty for ln in lines),
                shipments=sorted(draft.shipments.values(), key=lambda s: (s.shipped_at, s.reference)), lines=lines))
        return sorted(notices, key=lambda n: (-len(n.units), n.code))

    @atomic
    def export_csv(self, code: str) -> bytes:
        """One row per customer and unit, UTF-8 with a BOM so Excel shows Chinese names; case → notifying."""
        case = self._notify(code)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["recall", "customer_code", "customer_name", "customer_kind", "contact", "unit", "part_no",
                         "item_name", "qty", "returned_qty", "outstanding_qty", "shipments", "shipped_at"])
        for n in self.notification_list(code):
            dates = {s.reference: s.shipped_at.isoformat() for s in n.shipments}
            for ln in n.lines:
                writer.writerow([_cell(v) for v in (
                    case.code, n.code, n.name, n.kind, n.contact, ln.unit, ln.part_no or "", ln.item_name or "",
                    f"{ln.qty:g}", f"{ln.returned_qty:g}", f"{max(ln.qty - ln.returned_qty, 0):g}",
                    "; ".join(ln.shipments), "; ".join(dates[r] for r in ln.shipments))])
        self.session.commit()
        return out.getvalue().encode("utf-8-sig")

    @atomic
    def export_pdf(self, code: str) -> bytes:
        """One page (or more) per customer with its shipments and units; case → notifying.

        Chinese needs a CJK-capable TTF (found under `font_dirs`); without one the PDF still comes out, in a core
        font, with text it cannot draw shown as [?]."""
        case = self._notify(code)
        notices = self.notification_list(code)
        pdf = FPDF(format="A4")
        pdf.set_title(f"Recall {case.code}")
        pdf.set_creator("Lotline")
        fonts = pdf_fonts(self.font_dirs)
        fonts.install(pdf)
        for n in notices:
            _notice_page(pdf, fonts, case, n)
        if not notices:
            pdf.add_page()
            pdf.set_font(fonts.family, size=11)
            pdf.multi_cell(0, 6, fonts.text(f"Recall {case.code}: no shipped unit reached a customer."))
        self.session.commit()
        return bytes(pdf.output())

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
        targets = [u for u in self._with_contents([scanned]) if u.kind is not UnitKind.CONTAINER] if carton \
            else [scanned]
        if not targets:
            raise InvalidInput(f"Carton {scanned.code} is empty; scan the returned units themselves.")
        rows = self._shipped_rows(case, [u.id for u in targets], customer)
        missing = [u.code for u in targets if u.id not in rows]
        if missing:
            raise NotInRecall(f"{', '.join(missing[:5])} {'is' if len(missing) == 1 else 'are'} not among the units "
                              f"recall {case.code} shipped to customers; check the label or the recall.",
                              units=missing)
        open_rows = {uid: r for uid, r in rows.items() if _outstanding(r) > EPSILON}
        if not open_rows:
            back = max((r.returned_at for r in rows.values() if r.returned_at), default=None)
            raise AlreadyReturned(f"{scanned.code} is already returned under recall {case.code}"
                                  + (f" ({back.isoformat()})." if back else "."), unit=scanned.code)
        if len({r.customer_id for r in open_rows.values()}) > 1:
            raise InvalidInput(f"{scanned.code} went to several customers; say which one it came back from.",
                               unit=scanned.code)
        row_of_scanned = open_rows.get(scanned.id)
        if qty is not None and row_of_scanned is not None and qty > _outstanding(row_of_scanned) + EPSILON:
            raise InvalidInput(f"Only {_outstanding(row_of_scanned):g} of {scanned.code} is outstanding; "
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
            amount = qty if qty is not None else _outstanding(row)
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
            if r.unit_id not in rows or _outstanding(rows[r.unit_id]) <= EPSILON:
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
                            qty=_sum(q for _, q in units))

    # closing -------------------------------------------------------------------------------------------------
    @atomic
    def close(self, code: str, note: str = "") -> RecallCase:
        """Closes when every shipped unit is back; with units outstanding, only a QA manager with a reason."""
        case = self.get(code)
        self._check(case, "close")
        owing = [r for r in self.session.exec(select(RecallUnit).where(
            RecallUnit.case_id == case.id, RecallUnit.kind == SHIPPED)) if _outstanding(r) > EPSILON]
        if owing and self.by.role not in (Role.QA_MANAGER, Role.ADMIN):
            raise Forbidden(f"{len(owing)} shipped unit(s) are still out; only a QA manager may close {case.code}.")
        if owing and not note.strip():
            raise OutstandingUnits(f"{len(owing)} shipped unit(s) ({_sum(_outstanding(r) for r in owing):g}) are not "
                                   f"back; give the reason for closing {case.code} without them.",
                                   outstanding_units=len(owing))
        case.totals = {**case.totals, "closing": {
            "note": note.strip(), "by": self.by.username, "outstanding_units": len(owing),
            "outstanding_qty": _sum(_outstanding(r) for r in owing)}}
        case.closed_at = utcnow()
        self._advance(case, "close")
        self.session.commit()
        return case

    # state ---------------------------------------------------------------------------------------------------
    def _check(self, case: RecallCase, action: str) -> None:
        if case.state not in ACTIONS[action][0]:
            raise RecallStateConflict(case, action)

    def _advance(self, case: RecallCase, action: str) -> None:
        target = ACTIONS[action][1]
        if ORDER.index(target) > ORDER.index(case.state):
            case.state = target
            self.session.add(case)


def public(case: RecallCase) -> RecallCasePublic:
    return RecallCasePublic(code=case.code, title=case.title, reason=case.reason, state=case.state.value,
                            seeds=case.seeds, origin=case.origin, totals=case.totals, created_at=case.created_at,
                            closed_at=case.closed_at, allowed=allowed_actions(case.state))


@dataclass
class _NoticeDraft:
    lines: dict[str, NoticeLine] = field(default_factory=dict)
    shipments: dict[str, NoticeShipment] = field(default_factory=dict)


def _outstanding(row: RecallUnit) -> float:
    return max(round(row.qty - row.returned_qty, 9), 0.0)


def _sum(values: Iterable[float]) -> float:
    return round(sum(values), 9)


def _customer_progress(c: Customer, rows: list[RecallUnit]) -> CustomerProgress:
    done = [r for r in rows if _outstanding(r) <= EPSILON]
    return CustomerProgress(code=c.code, name=c.name, kind=c.kind.value, shipped_units=len(rows),
                            shipped_qty=_sum(r.qty for r in rows), returned_units=len(done),
                            returned_qty=_sum(r.returned_qty for r in rows), outstanding_units=len(rows) - len(done),
                            outstanding_qty=_sum(_outstanding(r) for r in rows))


def _cell(value: str) -> str:
    # A cell Excel would read as a formula is kept as text.
    return f"'{value}" if value[:1] in ("=", "+", "-", "@") else value


# -- PDF fonts ---------------------------------------------------------------------------------------------------
@cache
def _cmap(path: Path) -> frozenset[int]:
    with TTFont(path, lazy=True, fontNumber=0) as font:
        return frozenset(font.getBestCmap())


@cache
def _find(dirs: tuple[Path, ...], names: tuple[str, ...]) -> Path | None:
    for name in names:
        for d in dirs:
            if d.is_dir():
                hit = next(iter(sorted(d.rglob(name))), None)
                if hit is not None:
                    return hit
    return None


@dataclass(frozen=True)
class PdfFonts:
    """The fonts a PDF uses: a Latin TTF plus a CJK fallback, either alone, or a core font when none is found."""

    latin: Path | None
    cjk: Path | None

    @property
    def family(self) -> str:
        return "lotline" if self.latin or self.cjk else "helvetica"  # fpdf2 can't hang a TTF fallback on a core font

    def install(self, pdf: FPDF) -> None:
        main = self.latin or self.cjk
        if main is None:
            return
        pdf.add_font("lotline", "", str(main))
        if self.latin and self.cjk:
            pdf.add_font("lotline-cjk", "", str(self.cjk))
            pdf.set_fallback_fonts(["lotline-cjk"])

    def covers(self, ch: str) -> bool:
        if ch == "\n":
            return True
        if self.family == "helvetica":
            return ch.isprintable() and ord(ch) < 256
        return any(ord(ch) in _cmap(p) for p in (self.latin, self.cjk) if p is not None)

    def text(self, value: str) -> str:
        """The text as this PDF can draw it: accents folded, anything else it lacks shown as [?]."""
        if all(self.covers(ch) for ch in value):
            return value
        out: list[str] = []
        for ch in value:
            if not self.covers(ch):
                folded = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
                ch = folded if folded and all(self.covers(c) for c in folded) else UNRENDERABLE
            if ch == UNRENDERABLE and out and out[-1] == UNRENDERABLE:
                continue
            out.append(ch)
        return "".join(out)


def pdf_fonts(dirs: Sequence[Path] = FONT_DIRS) -> PdfFonts:
    dirs = tuple(dirs)
    latin, cjk = _find(dirs, LATIN_FONTS), _find(dirs, CJK_FONTS)
    if latin is None and cjk is not None and not all(ord(c) in _cmap(cjk) for c in "AZaz09-/"):
        cjk = None  # a CJK font without Latin letters can't carry codes alone: use the core font
    return PdfFonts(latin=latin, cjk=cjk)


def _notice_page(pdf: FPDF, fonts: PdfFonts, case: RecallCase, n: NoticeCustomer) -> None:
    t = fonts.text
    pdf.add_page()
    pdf.set_font(fonts.family, size=16)
    pdf.cell(0, 10, t(f"Recall notice 召回通知  {case.code}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(fonts.family, size=10)
    pdf.multi_cell(0, 5, t(f"{case.title}\n{case.reason}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(fonts.family, size=13)
    pdf.cell(0, 8, t(f"{n.code}  {n.name}  ({n.kind})"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(fonts.family, size=10)
    pdf.cell(0, 6, t(f"Contact: {n.contact or '-'}    Units: {len(n.units)}    Qty: {n.qty:g}"),
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    heading = FontFace(emphasis=None, fill_color=(225, 225, 225))
    with pdf.table(col_widths=(50, 60, 30, 30), headings_style=heading, line_height=6) as table:
        table.row([t(h) for h in ("Shipment 发货单", "Shipped at (UTC)", "Units", "Qty")])
        for s in n.shipments:
            table.row([t(s.reference), s.shipped_at.strftime("%Y-%m-%d %H:%M"), str(s.units), f"{s.qty:g}"])
    pdf.ln(4)
    with pdf.table(col_widths=(60, 40, 40, 25, 25), headings_style=heading, line_height=6) as table:
        table.row([t(h) for h in ("Unit 追溯码", "Part no.", "Shipment", "Qty", "Returned")])
        for ln in n.lines:
            table.row([t(ln.unit), t(ln.part_no or ""), t(", ".join(ln.shipments)), f"{ln.qty:g}",
                       f"{ln.returned_qty:g}"])
    if fonts.cjk is None:
        pdf.ln(3)
        pdf.set_font(fonts.family, size=8)
        pdf.multi_cell(0, 4, f"{UNRENDERABLE} marks text this PDF cannot draw (no CJK font installed); "
                             "the CSV export has it in full.")


__all__ = [
    "AlreadyReturned",
    "BlockResult",
    "NotInRecall",
    "NoticeCustomer",
    "OutstandingUnits",
    "PdfFonts",
    "RecallCaseDetail",
    "RecallCasePublic",
    "RecallProgress",
    "RecallService",
    "RecallStateConflict",
    "RecallUnitPublic",
    "ReturnResult",
    "allowed_actions",
    "pdf_fonts",
    "public",
]

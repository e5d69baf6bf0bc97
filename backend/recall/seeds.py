"""Where a recall starts: the units named by codes, a supplier lot, or what a line produced in a window."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, select

from backend.auth.principal import Principal
from backend.errors import InvalidInput, NotFound
from backend.production.models import OperationReport
from backend.trace.lookup import supplier_by_code
from backend.trace.models import EventLine
from backend.trace.resolver import resolve
from backend.warehouse.ledger import Ledger
from shared_models.enums import EventType, LineRole, UnitKind
from shared_models.masterdata import Equipment, Location
from shared_models.trace import Event, Unit


def recall_seeds(ledger: Ledger, by: Principal, *, codes: Sequence[str] | None = None,
                 supplier_lot: tuple[str, str] | None = None, line: str | None = None,
                 window: tuple[datetime, datetime] | None = None) -> tuple[list[Unit], dict[str, Any]]:
    """The seed units and how they were found, from exactly one origin: codes, (supplier code, supplier lot), or
    line with window (from, to inclusive). Containers bring their contents. Raises InvalidInput or NotFound."""
    given = [name for name, value in (("codes", codes), ("supplier_lot", supplier_lot), ("line", line)) if value]
    if len(given) != 1 or (window is not None and not line):
        raise InvalidInput("Open a recall from exactly one of: codes, supplier_lot, line + window "
                           f"(given: {', '.join(given + (['window'] if window else [])) or 'none'}).")
    session = ledger.session
    if codes:
        seeds, origin = _from_codes(session, by, codes)
    elif supplier_lot:
        seeds, origin = _from_supplier_lot(session, by, *supplier_lot)
    else:
        assert line is not None
        if window is None:
            raise InvalidInput(f"A recall from line {line} needs a window: from and to times.")
        seeds, origin = _from_line(session, by, line, *window)
    return with_contents(ledger, seeds), origin


def with_contents(ledger: Ledger, units: Iterable[Unit]) -> list[Unit]:
    """A container stands for what it holds: its contents (and theirs) come with it."""
    seen = {u.id: u for u in units}
    queue = [u for u in seen.values() if u.kind is UnitKind.CONTAINER]
    while queue:
        for inner in ledger.contents(queue.pop()):
            if inner.id not in seen:
                seen[inner.id] = inner
                if inner.kind is UnitKind.CONTAINER:
                    queue.append(inner)
    return list(seen.values())


def _from_codes(session: Session, by: Principal, codes: Sequence[str]) -> tuple[list[Unit], dict[str, Any]]:
    units = []
    for code in codes:
        found = resolve(session, by, code)
        if found.unit is None:
            raise InvalidInput(f"'{code}' is {found.what}; a recall starts from lots, serials or containers.",
                               code=code)
        units.append(found.unit)
    return units, {"kind": "codes", "codes": list(codes)}


def _from_supplier_lot(session: Session, by: Principal, supplier_code: str,
                       lot: str) -> tuple[list[Unit], dict[str, Any]]:
    supplier = supplier_by_code(session, supplier_code)
    units = [u for u in session.exec(
        select(Unit).where(Unit.supplier_id == supplier.id, Unit.supplier_lot == lot,
                           Unit.kind != UnitKind.CONTAINER).order_by(Unit.code)) if by.sees_site(u.site_id)]
    if not units:
        raise NotFound("unit received with supplier lot", f"{supplier.code} {lot}")
    return units, {"kind": "supplier_lot", "supplier": supplier.code, "supplier_lot": lot}


def _from_line(session: Session, by: Principal, code: str, start: datetime,
               end: datetime) -> tuple[list[Unit], dict[str, Any]]:
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput("The window's times need a time zone offset.")
    if end <= start:
        raise InvalidInput(f"The window ends ({end.isoformat()}) before it starts ({start.isoformat()}).")
    produced = (select(Unit).join(EventLine, EventLine.unit_id == Unit.id)
                .join(Event, Event.id == EventLine.event_id)
                .where(Event.type == EventType.PRODUCE, EventLine.role == LineRole.OUTPUT,
                       Event.occurred_at >= start, Event.occurred_at <= end))
    location = session.exec(select(Location).where(Location.code == code)).first()
    equipment = session.exec(select(Equipment).where(Equipment.code == code)).first()
    if location is not None and by.sees_site(location.site_id):
        kind = "location"
        units = list(session.exec(produced.where(Event.location_id == location.id)))
    elif equipment is not None and by.sees_site(equipment.site_id):
        # Equipment shows up in operation reports: what their work orders produced in the window,
        # and any unit a report names itself.
        kind = "equipment"
        reports = list(session.exec(select(OperationReport).where(
            OperationReport.equipment_id == equipment.id, OperationReport.started_at <= end,
            or_(OperationReport.ended_at >= start, OperationReport.started_at >= start))))
        orders = sorted({r.work_order_id for r in reports})
        by_order = produced.where(Event.work_order_id.in_(orders))  # type: ignore[union-attr]
        units = list(session.exec(by_order)) if orders else []
        named = {r.unit_id for r in reports if r.unit_id} - {u.id for u in units}
        units += [u for u in (session.get(Unit, i) for i in sorted(named)) if u is not None]
    else:
        raise NotFound("production location or equipment", code)
    if not units:
        raise InvalidInput(f"Nothing was produced at {code} between {start.isoformat()} and {end.isoformat()}.",
                           line=code)
    units = sorted({u.id: u for u in units}.values(), key=lambda u: u.code)
    return units, {"kind": "line", "line": code, "line_kind": kind, "from_at": start.isoformat(),
                   "to_at": end.isoformat()}


__all__ = ["recall_seeds", "with_contents"]

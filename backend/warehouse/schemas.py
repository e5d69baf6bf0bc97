"""Events as the API returns them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, select

from backend.trace.models import EventLine
from shared_models.masterdata import Location
from shared_models.trace import Event, Unit


class EventLinePublic(BaseModel):
    unit: str
    role: str
    qty: float
    from_location: str | None
    to_location: str | None
    book_qty: float | None = None


class EventPublic(BaseModel):
    id: str
    type: str
    business_step: str
    occurred_at: datetime
    recorded_at: datetime
    device_id: str
    reference: str
    lines: list[EventLinePublic]
    attributes: dict[str, Any]


def event_public(session: Session, event: Event) -> EventPublic:
    rows = session.exec(select(EventLine, Unit.code).join(Unit, Unit.id == EventLine.unit_id)
                        .where(EventLine.event_id == event.id).order_by(EventLine.role, Unit.code)).all()
    loc_ids = {x for line, _ in rows for x in (line.from_location_id, line.to_location_id) if x}
    codes = dict(session.exec(select(Location.id, Location.code).where(Location.id.in_(loc_ids))).all()) \
        if loc_ids else {}
    attributes = {k: v for k, v in event.attributes.items() if k != "fingerprint"}
    return EventPublic(
        id=event.id, type=event.type.value, business_step=event.business_step, occurred_at=event.occurred_at,
        recorded_at=event.recorded_at, device_id=event.device_id, reference=event.reference, attributes=attributes,
        lines=[EventLinePublic(unit=code, role=line.role.value, qty=line.qty,
                               from_location=codes.get(line.from_location_id or ""),
                               to_location=codes.get(line.to_location_id or ""), book_qty=line.book_qty)
               for line, code in rows])

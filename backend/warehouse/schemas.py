"""Events as the API returns them."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, select

from backend.trace.models import EventLine
from shared_models.bounds import EventTime
from shared_models.commands import ChangeStatus, Code
from shared_models.enums import StatusAction
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


class UnitStatusChange(BaseModel):
    """Hold, release or scrap one unit (a container takes its contents along). `id` is made by the caller: a retry
    with the same id records the change once. `unit` takes any scan (plain code such as `PART-1/L2024-01`, a GS1
    element string, a Digital Link URI or an SSCC)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={"examples": [{
        "id": "8f14e45f-ceea-467f-a8c5-4b6d3b3d0f11", "occurred_at": "2026-03-02T08:15:00Z",
        "unit": "(01)09501101530003(10)L2024-01", "reason": "Supplier reported a contaminated batch."}]})
    id: UUID
    occurred_at: EventTime
    unit: Code = Field(description="The unit: plain code (PART/LOT, PART/SERIAL, SSCC) or any scan of its label.")
    reason: str = Field(min_length=1, max_length=500, description="Why; kept on the disposition event.")
    device_id: str = Field(default="", max_length=64)
    note: str = Field(default="", max_length=500)

    def command(self, action: StatusAction) -> ChangeStatus:
        return ChangeStatus(action=action, **self.model_dump())


# Request examples shown in the OpenAPI document: codes as plain text and as scans, both accepted.
_AT = {"id": "0b6f1f3e-5c1a-4a8e-9d0e-3f5b1c2d4e6f", "occurred_at": "2026-03-02T08:15:00+08:00"}
EVENT_EXAMPLES: dict[str, dict[str, Any]] = {
    "receive": {**_AT, "supplier": "SUP-B", "item": "(01)06901234000023(10)C7", "lot_no": "C7", "qty": 10,
                "location": "S1-RCV", "supplier_lot": "SB-2026-031", "expires_on": "2027-03-01"},
    "move": {**_AT, "unit": "CASE-01/C7", "qty": 4, "from_location": "(414)6901234000108", "to_location": "S1-A-01"},
    "pick": {**_AT, "unit": "https://id.example.com/01/06901234000023/10/C7", "from_location": "S1-A-01",
             "to_location": "S1-SHIP", "reference": "PL-1007"},
    "ship": {**_AT, "customer": "CUST-1", "reference": "DN-2026-0042",
             "lines": [{"unit": "(00)069012340000000016", "from_location": "S1-SHIP"}]},
    "count": {**_AT, "location": "S1-A-01", "lines": [{"unit": "CASE-01/C7", "counted_qty": 6, "book_qty_seen": 6}]},
    "pack": {**_AT, "units": ["MTR-01/SN0001", "(01)06901234000016(21)SN0002"], "location": "S1-A-01"},
    "unpack": {**_AT, "container": "069012340000000016", "units": ["MTR-01/SN0001"], "location": "S1-A-01"},
}

"""Who a recall must tell: per customer reached, its units and the shipments that took them there."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, select

from backend.recall.models import SHIPPED, RecallCase, RecallUnit
from backend.recall.progress import total
from backend.recall.schemas import NoticeCustomer, NoticeLine, NoticeShipment
from backend.trace.models import EventLine
from shared_models.enums import EventType
from shared_models.masterdata import Customer, Item
from shared_models.trace import Event, Unit


@dataclass
class _NoticeDraft:
    lines: dict[str, NoticeLine] = field(default_factory=dict)
    shipments: dict[str, NoticeShipment] = field(default_factory=dict)


def notices_of(session: Session, case: RecallCase) -> list[NoticeCustomer]:
    """One notice per customer the case's shipped units reached, most units first. Reads only."""
    query = (select(RecallUnit, Unit.code, Item.part_no, Item.name, Event.id, Event.reference, Event.occurred_at,
                    EventLine.qty)
             .join(Unit, Unit.id == RecallUnit.unit_id).outerjoin(Item, Item.id == Unit.item_id)
             .join(EventLine, EventLine.unit_id == RecallUnit.unit_id)
             .join(Event, (Event.id == EventLine.event_id) & (Event.customer_id == RecallUnit.customer_id))
             .where(RecallUnit.case_id == case.id, RecallUnit.kind == SHIPPED, Event.type == EventType.SHIP)
             .order_by(Unit.code, Event.occurred_at))
    drafts: dict[str, _NoticeDraft] = {}
    for row, unit_code, part_no, item_name, event_id, reference, shipped_at, qty in session.exec(query):
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
        c = session.get(Customer, customer_id)
        assert c is not None
        lines = list(draft.lines.values())
        notices.append(NoticeCustomer(
            code=c.code, name=c.name, kind=c.kind.value, contact=c.contact, units=[ln.unit for ln in lines],
            qty=total(ln.qty for ln in lines), returned_qty=total(ln.returned_qty for ln in lines),
            shipments=sorted(draft.shipments.values(), key=lambda s: (s.shipped_at, s.reference)), lines=lines))
    return sorted(notices, key=lambda n: (-len(n.units), n.code))


__all__ = ["notices_of"]

"""A unit's label data: every field a template can bind (shared_models.labels.FIELDS), read from the database."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, col, func, select

from backend.labels.models import LabelPrint
from backend.trace.models import EventLine
from shared_models.enums import EventType, UnitKind
from shared_models.masterdata import Customer, Item, Site, Supplier
from shared_models.trace import ContainerContent, Event, Unit


def _unit(prefix: str, unit: Unit) -> dict[str, Any]:
    return {f"{prefix}.code": unit.code, f"{prefix}.lot_no": unit.lot_no, f"{prefix}.produced_on": unit.produced_on,
            f"{prefix}.expires_on": unit.expires_on}


def _container(session: Session, container: Unit) -> dict[str, Any]:
    contents = session.exec(select(Unit).join(ContainerContent, col(ContainerContent.unit_id) == Unit.id)
                            .where(ContainerContent.container_id == container.id)).all()
    out: dict[str, Any] = {"container.code": container.code, "container.sscc": container.sscc,
                           "container.content_count": len(contents) or None}
    items = {u.item_id for u in contents}
    if len(items) == 1 and (item_id := items.pop()) is not None:
        item = session.get(Item, item_id)
        out["container.content_gtin"] = item.gtin if item else None
    lots = {u.lot_no for u in contents}
    if len(lots) == 1:
        out["container.content_lot"] = lots.pop()
    return out


def _shipment(session: Session, unit_ids: list[str]) -> dict[str, Any]:
    row = session.exec(select(Event).join(EventLine, col(EventLine.event_id) == Event.id)
                       .where(col(EventLine.unit_id).in_(unit_ids), Event.type == EventType.SHIP)
                       .order_by(col(Event.occurred_at).desc()).limit(1)).first()
    if row is None:
        return {}
    customer = session.get(Customer, row.customer_id) if row.customer_id else None
    return {"shipment.reference": row.reference or None, "shipment.shipped_on": row.occurred_at.date(),
            "shipment.customer_code": customer.code if customer else None,
            "shipment.customer_name": customer.name if customer else None,
            "shipment.ship_to_gln": customer.gln if customer else None}


def unit_fields(session: Session, unit: Unit, *, today: date) -> dict[str, Any]:
    """The unit's own fields, its lot's, item's, container's (the unit itself when it is one, else the container
    holding it), last shipment's, site's and supplier's. Absent values are left out."""
    data: dict[str, Any] = {
        "unit.code": unit.code, "unit.kind": unit.kind.value, "unit.lot_no": unit.lot_no, "unit.serial": unit.serial,
        "unit.sscc": unit.sscc, "unit.uom": unit.uom, "unit.status": unit.status.value,
        "unit.produced_on": unit.produced_on, "unit.expires_on": unit.expires_on,
        "unit.supplier_lot": unit.supplier_lot, "label.printed_on": today,
    }
    lot = unit if unit.kind is UnitKind.LOT else session.get(Unit, unit.lot_unit_id) if unit.lot_unit_id else None
    if lot is not None:
        data |= _unit("lot", lot)
    elif unit.lot_no:  # a serial that names its lot without a lot unit of its own
        data["lot.lot_no"] = unit.lot_no
    item = session.get(Item, unit.item_id) if unit.item_id else None
    if item is not None:
        data |= {"item.part_no": item.part_no, "item.gtin": item.gtin, "item.name": item.name,
                 "item.spec": item.spec or None, "item.uom": item.uom}
    container = unit if unit.kind is UnitKind.CONTAINER else session.exec(
        select(Unit).join(ContainerContent, col(ContainerContent.container_id) == Unit.id)
        .where(ContainerContent.unit_id == unit.id)).first()
    if container is not None:
        data |= _container(session, container)
    data |= _shipment(session, [unit.id] + ([container.id] if container is not None and container is not unit
                                            else []))
    site = session.get(Site, unit.site_id)
    if site is not None:
        data |= {"site.code": site.code, "site.name": site.name, "site.gln": site.gln}
    supplier = session.get(Supplier, unit.supplier_id) if unit.supplier_id else None
    if supplier is not None:
        data |= {"supplier.code": supplier.code, "supplier.name": supplier.name}
    return {k: v for k, v in data.items() if v is not None and v != ""}


def printed_before(session: Session, template_code: str, unit_ids: list[str]) -> set[str]:
    """Of `unit_ids`, those that had a label of this template printed."""
    rows = session.exec(select(LabelPrint.unit_id, func.count()).where(
        LabelPrint.template_code == template_code, col(LabelPrint.unit_id).in_(unit_ids))
        .group_by(LabelPrint.unit_id)).all()
    return {unit_id for unit_id, _ in rows}

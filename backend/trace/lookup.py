"""Find master data and units by the codes people scan or type, within what the caller may see."""

from __future__ import annotations

from sqlalchemy import case, exists, or_
from sqlmodel import Session, select

from backend.auth.principal import Principal
from backend.errors import NotFound
from shared_models.enums import EventType
from shared_models.masterdata import Customer, Item, Location, Site, Supplier
from shared_models.trace import Event, EventLine, Unit


def visible_units(principal: Principal):  # type: ignore[no-untyped-def]
    """A WHERE clause limiting units to the caller's site, or to what was shipped to a distributor."""
    if principal.is_distributor:
        shipped_to_them = (
            select(EventLine.id)
            .join(Event, Event.id == EventLine.event_id)
            .where(EventLine.unit_id == Unit.id, Event.type == EventType.SHIP,
                   Event.customer_id == principal.customer_id)
        )
        return exists(shipped_to_them)
    if principal.site_id is not None:
        return Unit.site_id == principal.site_id
    return True


def unit_by_code(session: Session, code: str, principal: Principal) -> Unit:
    """Raises NotFound alike for a unit that doesn't exist and one the caller may not see."""
    unit = session.exec(select(Unit).where(Unit.code == code).where(visible_units(principal))).first()
    if unit is None:
        raise NotFound("unit", code)
    return unit


def can_see(session: Session, unit: Unit, principal: Principal) -> bool:
    return session.exec(select(Unit.id).where(Unit.id == unit.id).where(visible_units(principal))).first() is not None


def item_by_ref(session: Session, ref: str) -> Item:
    """By part number or GTIN; a part number wins when one item's part number is another's GTIN."""
    item = session.exec(select(Item).where(or_(Item.part_no == ref, Item.gtin == ref.zfill(14)))
                        .order_by(case((Item.part_no == ref, 0), else_=1))).first()
    if item is None:
        raise NotFound("item", ref)
    return item


def location_by_code(session: Session, code: str, principal: Principal) -> Location:
    location = session.exec(select(Location).where(Location.code == code)).first()
    if location is None or not principal.sees_site(location.site_id):
        raise NotFound("location", code)
    return location


def site_by_code(session: Session, code: str) -> Site:
    site = session.exec(select(Site).where(Site.code == code)).first()
    if site is None:
        raise NotFound("site", code)
    return site


def supplier_by_code(session: Session, code: str) -> Supplier:
    supplier = session.exec(select(Supplier).where(Supplier.code == code)).first()
    if supplier is None:
        raise NotFound("supplier", code)
    return supplier


def customer_by_code(session: Session, code: str) -> Customer:
    customer = session.exec(select(Customer).where(Customer.code == code)).first()
    if customer is None:
        raise NotFound("customer", code)
    return customer

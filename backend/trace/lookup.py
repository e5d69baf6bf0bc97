"""Find master data and units by the codes people scan or type, within what the caller may see.

The rule of "find by code", one rule whether the rows come from a query here (one code at a time) or from the sets
backend/warehouse/posting.py reads for a run of commands (many codes at once, decided in memory):
- a code matches exactly as given: no case folding, no trimming here (commands strip surrounding blanks as they are
  read; reading a raw scan is backend/trace/resolver.py's);
- an item is named by its part number or by its GTIN; as a GTIN the reference is read left-padded with zeros to
  14 digits (a GTIN-8, -12 or -13 is that GTIN-14); when one item's part number is another item's GTIN, the part
  number wins;
- a location or a unit the caller may not see (another site's; for a distributor, a unit not shipped to them) is
  not found, exactly like one that does not exist: the answer never tells that the code exists elsewhere;
- suppliers, customers and sites are every caller's;
- what is not found raises NotFound(what, code) with the code as given.
The queries below fetch the candidates; `pick_item` and `seen_location` decide among them for both paths.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import exists, or_
from sqlmodel import Session, col, select

from backend.auth.principal import Principal
from backend.errors import NotFound
from backend.trace.models import EventLine
from shared_models.enums import EventType
from shared_models.masterdata import Customer, Item, Location, Site, Supplier
from shared_models.trace import Event, Unit

GTIN_DIGITS = 14


def as_gtin(ref: str) -> str:
    """`ref` read as a GTIN-14: a shorter GTIN left-padded with zeros."""
    return ref.zfill(GTIN_DIGITS)


def items_named(refs: Sequence[str]) -> Any:
    """A WHERE clause for the items any of `refs` may name (by part number or GTIN): the candidates of
    `pick_item`."""
    return or_(col(Item.part_no).in_(refs), col(Item.gtin).in_([as_gtin(r) for r in refs]))


def pick_item(ref: str, candidates: Iterable[Item]) -> Item:
    """The item `ref` names among `candidates` (which may hold items other references name): by part number
    first, then by GTIN. Raises NotFound("item", ref)."""
    by_gtin = None
    for item in candidates:
        if item.part_no == ref:
            return item
        if by_gtin is None and item.gtin is not None and item.gtin == as_gtin(ref):
            by_gtin = item
    if by_gtin is None:
        raise NotFound("item", ref)
    return by_gtin


def seen_location(code: str, location: Location | None, principal: Principal) -> Location:
    """`location` (the one with `code`, or None) if the caller may see it; raises NotFound("location", code) alike
    for one that does not exist and one on a site the caller does not see."""
    if location is None or not principal.sees_site(location.site_id):
        raise NotFound("location", code)
    return location


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
    """By part number or GTIN (the module's rule); raises NotFound("item", ref)."""
    return pick_item(ref, session.exec(select(Item).where(items_named([ref]))).all())


def location_by_code(session: Session, code: str, principal: Principal) -> Location:
    return seen_location(code, session.exec(select(Location).where(Location.code == code)).first(), principal)


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

"""A small, explicit plant for tests: two sites, a four-level product, users of every role."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from uuid import uuid4

from sqlmodel import Session

from backend.auth.models import User
from backend.auth.passwords import hash_password
from backend.masterdata.models import Bom, BomLine
from shared_models.enums import BomStatus, LocationKind, PartnerKind, Role, Tracking
from shared_models.masterdata import Customer, Item, Location, Site, Supplier

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)

USERS = {
    "admin": (Role.ADMIN, None, None),
    "qa": (Role.QA_MANAGER, None, None),
    "qa2": (Role.QA_MANAGER, "S2", None),
    "picker": (Role.PICKER, "S1", None),
    "picker2": (Role.PICKER, "S2", None),
    "inspector": (Role.INSPECTOR, "S1", None),
    "engineer": (Role.ENGINEER, None, None),
    "dist": (Role.DISTRIBUTOR, None, "DIST-1"),
}


@cache
def _hash(password: str) -> str:
    return hash_password(password)


@dataclass
class Plant:
    sites: dict[str, Site] = field(default_factory=dict)
    items: dict[str, Item] = field(default_factory=dict)
    suppliers: dict[str, Supplier] = field(default_factory=dict)
    customers: dict[str, Customer] = field(default_factory=dict)
    locations: dict[str, Location] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    boms: dict[str, Bom] = field(default_factory=dict)


def build_plant(session: Session) -> Plant:
    p = Plant()
    for code, name, gln in (("S1", "Suzhou plant", "6901234000009"), ("S2", "Shenzhen plant", None)):
        p.sites[code] = Site(code=code, name=name, gln=gln)
    for part, name, tracking, gtin, iqc, life in (
        ("RESIN-01", "PC resin", Tracking.LOT, None, True, 365),
        ("PCB-01", "Meter PCB", Tracking.LOT, None, False, None),
        ("BRD-01", "Main board", Tracking.SERIAL, None, False, None),
        ("MTR-01", "Smart meter", Tracking.SERIAL, "06901234000016", False, None),
        ("CASE-01", "Meter case", Tracking.LOT, "06901234000023", False, None),
    ):
        p.items[part] = Item(part_no=part, name=name, tracking=tracking, gtin=gtin, needs_iqc=iqc,
                             shelf_life_days=life, uom="kg" if part == "RESIN-01" else "pcs")  # resin by weight
    p.suppliers["SUP-A"] = Supplier(code="SUP-A", name="Ningbo Polymer Co.")
    p.suppliers["SUP-B"] = Supplier(code="SUP-B", name="Shenzhen PCB Works")
    p.customers["CUST-1"] = Customer(code="CUST-1", name="State Grid Jiangsu", kind=PartnerKind.CUSTOMER)
    p.customers["DIST-1"] = Customer(code="DIST-1", name="East China Distribution", kind=PartnerKind.DISTRIBUTOR,
                                     regions=["Jiangsu", "Zhejiang"], channels=["utility"])
    p.customers["DIST-2"] = Customer(code="DIST-2", name="South China Distribution", kind=PartnerKind.DISTRIBUTOR,
                                     regions=["Guangdong"])
    session.add_all([*p.sites.values(), *p.items.values(), *p.suppliers.values(), *p.customers.values()])
    session.flush()
    for code, site, gln in (("S1-RCV", "S1", "6901234000108"), ("S1-A-01", "S1", None), ("S1-A-02", "S1", None),
                            ("S1-LINE", "S1", None), ("S1-SHIP", "S1", None), ("S2-A-01", "S2", None)):
        p.locations[code] = Location(code=code, name=code, site_id=p.sites[site].id, kind=LocationKind.BIN, gln=gln)
    session.add_all(p.locations.values())
    for username, (role, site, customer) in USERS.items():
        p.users[username] = User(
            username=username, display_name=username.title(), password_hash=_hash(f"{username}-pass-1"), role=role,
            site_id=p.sites[site].id if site else None,
            customer_id=p.customers[customer].id if customer else None)
    session.add_all(p.users.values())
    for parent, components in (("PCB-01", []), ("BRD-01", [("PCB-01", 1)]),
                               ("MTR-01", [("BRD-01", 1), ("CASE-01", 1)]), ("CASE-01", [("RESIN-01", 0.2)])):
        if not components:
            continue
        bom = Bom(item_id=p.items[parent].id, version_no=1, status=BomStatus.RELEASED, released_at=T0)
        session.add(bom)
        session.flush()
        session.add_all(BomLine(bom_id=bom.id, component_item_id=p.items[c].id, qty_per=q) for c, q in components)
        p.boms[parent] = bom
    session.commit()
    return p


def eid() -> str:
    return str(uuid4())


def at(minutes: int) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()

"""The demo plant: master data from assets/demo/plant.yaml, then a scripted month of shop-floor history.

The history goes through the same services as the shop floor (receive, produce, pack, ship, count), with
deterministic ids and times, so two loads give the same database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from sqlmodel import Session, select

from backend.assets import read_yaml
from backend.auth.models import User
from backend.auth.passwords import hash_password
from backend.auth.principal import SYSTEM
from backend.masterdata.models import Bom, BomLine
from backend.production.work_order_service import ProductionService
from backend.quality.plan_service import load_demo_plans
from backend.warehouse.warehouse_service import WarehouseService
from shared_models import commands as cmd
from shared_models.enums import BomStatus, LocationKind, PartnerKind, Role, Tracking
from shared_models.gs1 import validate_gln, validate_gtin
from shared_models.masterdata import Customer, Equipment, Item, Location, Site, Supplier

PLANT_FILE = Path(__file__).resolve().parents[2] / "assets" / "demo" / "plant.yaml"
START = datetime(2026, 10, 5, 0, 30, tzinfo=UTC)  # 08:30 in Suzhou


def load_plant_file(path: Path = PLANT_FILE) -> dict[str, Any]:
    return read_yaml(path)


def is_seeded(session: Session) -> bool:
    return session.exec(select(Site.id)).first() is not None


def seed_demo(session: Session, path: Path = PLANT_FILE,
              progress: Callable[[str], None] | None = None) -> dict[str, int]:
    plant = load_plant_file(path)
    say = progress or (lambda _: None)
    say("master data")
    _master_data(session, plant)
    say("users")
    _users(session, plant)
    say("history")
    events = _history(session)
    say("inspection plans and incoming inspections")
    load_demo_plans(session)
    inspections = _incoming_inspections(session)
    return {"events": events, "inspections": inspections}


def _master_data(session: Session, plant: dict[str, Any]) -> None:
    sites = {s["code"]: Site(code=s["code"], name=s["name"], gln=_gln(s.get("gln"))) for s in plant["sites"]}
    session.add_all(sites.values())
    items = {i["part_no"]: Item(part_no=i["part_no"], name=i["name"], spec=i.get("spec", ""),
                                uom=i.get("uom", "pcs"), tracking=Tracking(i["tracking"]),
                                gtin=validate_gtin(i["gtin"]) if i.get("gtin") else None,
                                shelf_life_days=i.get("shelf_life_days"), needs_iqc=i.get("needs_iqc", False))
             for i in plant["items"]}
    session.add_all(items.values())
    session.add_all(Supplier(code=s["code"], name=s["name"]) for s in plant["suppliers"])
    session.add_all(Customer(code=c["code"], name=c["name"], kind=PartnerKind(c["kind"]), regions=c.get("regions", []),
                             channels=c.get("channels", [])) for c in plant["customers"])
    session.flush()
    session.add_all(Location(code=loc["code"], name=loc["name"], site_id=sites[loc["site"]].id,
                             kind=LocationKind(loc["kind"]), gln=_gln(loc.get("gln"))) for loc in plant["locations"])
    session.add_all(Equipment(code=e["code"], name=e["name"], site_id=sites[e["site"]].id, kind=e.get("kind", ""))
                    for e in plant["equipment"])
    for b in plant["boms"]:
        bom = Bom(item_id=items[b["item"]].id, version_no=1, status=BomStatus.RELEASED, released_at=START)
        session.add(bom)
        session.flush()
        session.add_all(BomLine(bom_id=bom.id, component_item_id=items[line["component"]].id, qty_per=line["qty_per"])
                        for line in b["lines"])
    session.commit()


def _gln(value: str | None) -> str | None:
    return validate_gln(value) if value else None


def _users(session: Session, plant: dict[str, Any]) -> None:
    password_hash = hash_password(plant["demo_password"])
    for u in plant["users"]:
        site = session.exec(select(Site).where(Site.code == u["site"])).one() if u.get("site") else None
        customer = session.exec(select(Customer).where(Customer.code == u["customer"])).one() \
            if u.get("customer") else None
        session.add(User(username=u["username"], display_name=u["display_name"], password_hash=password_hash,
                         role=Role(u["role"]), site_id=site.id if site else None,
                         customer_id=customer.id if customer else None, locale=u.get("locale", "zh-CN")))
    session.commit()


class _Clock:
    """Deterministic event ids and times: the n-th event of the script always gets the same ones."""

    def __init__(self) -> None:
        self.n = 0
        self.now = START

    def next(self, minutes: float = 7) -> dict[str, Any]:
        self.n += 1
        self.now += timedelta(minutes=minutes)
        return {"id": uuid5(NAMESPACE_URL, f"lotline-demo/{self.n}"), "occurred_at": self.now,
                "device_id": "demo-script"}

    def day(self, days: int = 1) -> None:
        self.now = self.now.replace(hour=0, minute=30) + timedelta(days=days)


def _serials(prefix: str, first: int, count: int) -> Iterator[str]:
    return (f"{prefix}{n:06d}" for n in range(first, first + count))


def _history(session: Session) -> int:
    wh = WarehouseService(session, SYSTEM, today=START.date())
    mo = ProductionService(session, SYSTEM, today=START.date())
    t = _Clock()
    receipts = [
        ("SUP-NBP", "RM-PC-01", "PC2610-A", "NB-88121", 500, "SZ-RM-01"),
        ("SUP-NBP", "RM-PC-01", "PC2610-B", "NB-88167", 500, "SZ-RM-01"),
        ("SUP-SZP", "RM-PCB-01", "PCB2610-01", "SZP-5521", 300, "SZ-RM-02"),
        ("SUP-SZP", "RM-PCB-01", "PCB2610-02", "SZP-5540", 300, "SZ-RM-02"),
        ("SUP-RNT", "RM-MCU-01", "MCU2609-X", "RN-24A17", 1000, "SZ-RM-02"),
        ("SUP-RNT", "RM-MCU-01", "MCU2610-Y", "RN-24B03", 1000, "SZ-RM-02"),
    ]
    for supplier, item, lot, supplier_lot, qty, bin_code in receipts:
        wh.receive(cmd.Receive(**t.next(), supplier=supplier, item=item, lot_no=lot, supplier_lot=supplier_lot,
                               qty=qty, location="SZ-RCV", produced_on=(t.now - timedelta(days=20)).date(),
                               reference=f"ASN-{supplier_lot}"))
        wh.move(cmd.Move(**t.next(3), unit=f"{item}/{lot}", from_location="SZ-RCV", to_location=bin_code))
    t.day()
    for wo, resin, case_lot in (("WO-M-2610-01", "PC2610-A", "CASE261012"), ("WO-M-2610-02", "PC2610-B", "CASE261015")):
        mo.create_work_order(cmd.WorkOrderCreate(code=wo, site="SZ", item="SA-CASE-01", qty_planned=100))
        wh.move(cmd.Move(**t.next(), unit=f"RM-PC-01/{resin}", qty=35, from_location="SZ-RM-01",
                         to_location="SZ-LINE-M"))
        mo.report(cmd.ReportProduction(**t.next(90), work_order=wo, location="SZ-FG-01",
                                       inputs=[cmd.ProductionInput(unit=f"RM-PC-01/{resin}", qty=35,
                                                                   from_location="SZ-LINE-M")],
                                       outputs=[cmd.ProductionOutput(lot_no=case_lot, qty=100)]))
    t.day()
    for wo, pcb, mcu, first in (("WO-S-2610-01", "PCB2610-01", "MCU2609-X", 1),
                                ("WO-S-2610-02", "PCB2610-02", "MCU2610-Y", 61)):
        mo.create_work_order(cmd.WorkOrderCreate(code=wo, site="SZ", item="SA-BRD-01", qty_planned=60))
        for serial in _serials("BRD", first, 60):
            mo.report(cmd.ReportProduction(
                **t.next(2), work_order=wo, location="SZ-LINE-A",
                inputs=[cmd.ProductionInput(unit=f"RM-PCB-01/{pcb}", qty=1, from_location="SZ-RM-02"),
                        cmd.ProductionInput(unit=f"RM-MCU-01/{mcu}", qty=1, from_location="SZ-RM-02")],
                outputs=[cmd.ProductionOutput(serial=serial)]))
        t.day()
    mo.create_work_order(cmd.WorkOrderCreate(code="WO-A-2610-01", site="SZ", item="FG-MTR-01", qty_planned=100))
    for n, serial in enumerate(_serials("SN26", 1, 100)):
        case_lot = "CASE261012" if n < 60 else "CASE261015"
        mo.report(cmd.ReportProduction(
            **t.next(3), work_order="WO-A-2610-01", location="SZ-FG-01",
            inputs=[cmd.ProductionInput(unit=f"SA-BRD-01/BRD{n + 1:06d}", qty=1, from_location="SZ-LINE-A"),
                    cmd.ProductionInput(unit=f"SA-CASE-01/{case_lot}", qty=1, from_location="SZ-FG-01")],
            outputs=[cmd.ProductionOutput(serial=serial)]))
    t.day()
    cartons = []
    for c in range(8):
        event = wh.pack(cmd.Pack(**t.next(), location="SZ-FG-01",
                                 units=[f"FG-MTR-01/SN26{n:06d}" for n in range(c * 10 + 1, c * 10 + 11)]))
        cartons.append(event.attributes["sscc"])
    t.day()
    for customer, reference, batch in (("CUS-SGJS", "DN-2611-001", cartons[0:3]),
                                       ("DST-EC", "DN-2611-002", cartons[3:6]),
                                       ("DST-SC", "DN-2611-003", cartons[6:8])):
        wh.ship(cmd.Ship(**t.next(30), customer=customer, reference=reference,
                         lines=[cmd.ShipLine(unit=sscc, from_location="SZ-FG-01") for sscc in batch]))
    t.day()
    wh.count(cmd.Count(**t.next(), location="SZ-RM-01", reference="CC-2611-01",
                       lines=[cmd.CountLine(unit="RM-PC-01/PC2610-A", counted_qty=464.5, book_qty_seen=465),
                              cmd.CountLine(unit="RM-PC-01/PC2610-B", counted_qty=465, book_qty_seen=465)]))
    wh.receive(cmd.Receive(**t.next(), supplier="SUP-LBL", item="PK-LBL-01", lot_no="LBL2611-07",
                           supplier_lot="KS-0711", qty=40, location="SZ-IQC", reference="ASN-KS-0711"))
    _CLOCK.update(n=t.n, now=t.now)
    return t.n


_CLOCK: dict[str, Any] = {}


def _incoming_inspections(session: Session) -> int:
    """Since IQC plans exist, new resin lots wait in quarantine: one passes its IQC and is released, one fails
    (melt flow out of limits on 3 of 50 samples) and opens a nonconformance."""
    from backend.auth.service import principal_of
    from backend.quality.inspection_service import InspectionService
    from shared_models.quality.commands import RecordInspection

    t = _Clock()
    t.n, t.now = _CLOCK.get("n", 10_000), _CLOCK.get("now", START) + timedelta(days=1)
    wh = WarehouseService(session, SYSTEM, today=t.now.date())
    inspector = principal_of(session.exec(select(User).where(User.username == "inspector")).one())
    for lot, supplier_lot, bad in (("PC2611-C", "NB-88402", 0), ("PC2611-D", "NB-88455", 3)):
        wh.receive(cmd.Receive(**t.next(), supplier="SUP-NBP", item="RM-PC-01", lot_no=lot, supplier_lot=supplier_lot,
                               qty=500, location="SZ-IQC", produced_on=(t.now - timedelta(days=12)).date(),
                               reference=f"ASN-{supplier_lot}"))
        answers = [{"MFI": 13.4 if n < bad else round(9.6 + (n % 7) * 0.1, 1), "MOISTURE": 0.012,
                    "PELLETS": "clean", "PACKAGING": True} for n in range(50)]  # lot 500, level II → n=50
        InspectionService(session, inspector).record(RecordInspection(
            **t.next(20), unit=f"RM-PC-01/{lot}", stage="iqc", answers=answers, note="demo IQC"))
    return 2

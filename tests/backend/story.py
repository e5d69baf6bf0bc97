"""A short production story on the test plant, through the real services.

resin lot R1 ──► case lot C1 ──┐
PCB lot P1  ──► boards B1..B4 ─┴► meters M1..M4 ; M1+M2 packed in a carton shipped to DIST-1,
M3 shipped loose to CUST-1, M4 still in stock at S1-A-02.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from backend.auth.principal import SYSTEM
from backend.production.work_order_service import ProductionService
from backend.warehouse.warehouse_service import WarehouseService
from shared_models import commands as cmd
from tests.factories import T0, at, eid

TODAY = T0.date()


@dataclass
class Story:
    carton: str
    resin: str = "RESIN-01/R1"
    case: str = "CASE-01/C1"
    pcb: str = "PCB-01/P1"
    boards: tuple[str, ...] = tuple(f"BRD-01/B{n}" for n in range(1, 5))
    meters: tuple[str, ...] = tuple(f"MTR-01/M{n}" for n in range(1, 5))


def warehouse(session: Session) -> WarehouseService:
    return WarehouseService(session, SYSTEM, today=TODAY)


def production(session: Session) -> ProductionService:
    return ProductionService(session, SYSTEM, today=TODAY)


def receive(session: Session, item: str, lot: str, qty: float, location: str = "S1-A-01", minute: int = 0,
            supplier: str = "SUP-A", **extra: object) -> None:
    warehouse(session).receive(cmd.Receive(id=eid(), occurred_at=at(minute), supplier=supplier, item=item,
                                           lot_no=lot, qty=qty, location=location, **extra))


def produce(session: Session, wo: str, inputs: list[tuple[str, float]], outputs: list[cmd.ProductionOutput],
            minute: int, location: str = "S1-A-02", from_location: str = "S1-A-01") -> None:
    production(session).report(cmd.ReportProduction(
        id=eid(), occurred_at=at(minute), work_order=wo, location=location,
        inputs=[cmd.ProductionInput(unit=u, qty=q, from_location=from_location) for u, q in inputs],
        outputs=outputs))


def release(session: Session, code: str) -> None:
    """Stands in for a passed IQC until the quality area exists: a plain status change."""
    from sqlmodel import select

    from shared_models.enums import UnitStatus
    from shared_models.trace import Unit

    unit = session.exec(select(Unit).where(Unit.code == code)).one()
    unit.status = UnitStatus.RELEASED
    session.add(unit)
    session.commit()


def tell_story(session: Session) -> Story:
    mo = production(session)
    wh = warehouse(session)
    receive(session, "RESIN-01", "R1", 100, supplier_lot="NB-1")
    release(session, "RESIN-01/R1")
    receive(session, "PCB-01", "P1", 10, supplier="SUP-B", supplier_lot="SZ-9")
    for wo, item in (("WO-C", "CASE-01"), ("WO-B", "BRD-01"), ("WO-M", "MTR-01")):
        mo.create_work_order(cmd.WorkOrderCreate(code=wo, site="S1", item=item, qty_planned=4))
    produce(session, "WO-C", [("RESIN-01/R1", 2)], [cmd.ProductionOutput(lot_no="C1", qty=10)], minute=10)
    for n in range(1, 5):
        produce(session, "WO-B", [("PCB-01/P1", 1)], [cmd.ProductionOutput(serial=f"B{n}")], minute=20 + n)
        produce(session, "WO-M", [(f"BRD-01/B{n}", 1), ("CASE-01/C1", 1)],
                [cmd.ProductionOutput(serial=f"M{n}")], minute=30 + n, from_location="S1-A-02")
    packed = wh.pack(cmd.Pack(id=eid(), occurred_at=at(40), units=["MTR-01/M1", "MTR-01/M2"], location="S1-A-02"))
    carton = packed.attributes["sscc"]
    wh.ship(cmd.Ship(id=eid(), occurred_at=at(50), customer="DIST-1", reference="DN-1",
                     lines=[cmd.ShipLine(unit=carton, from_location="S1-A-02")]))
    wh.ship(cmd.Ship(id=eid(), occurred_at=at(55), customer="CUST-1", reference="DN-2",
                     lines=[cmd.ShipLine(unit="MTR-01/M3", from_location="S1-A-02")]))
    return Story(carton=carton)


def stock(session: Session, code: str) -> dict[str, float]:
    """Location code → quantity on hand for a unit."""
    from sqlmodel import select

    from shared_models.masterdata import Location
    from shared_models.trace import StockOnHand, Unit

    rows = session.exec(select(StockOnHand).join(Unit, Unit.id == StockOnHand.unit_id)
                        .where(Unit.code == code, StockOnHand.qty > 0)).all()
    names = {loc.id: loc.code for loc in session.exec(select(Location)).all()}
    return {names[r.location_id]: r.qty for r in rows}

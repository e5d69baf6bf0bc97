"""The drift check (backend/warehouse/check.py) sees a projection off by the smallest quantity a line can carry."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from backend.warehouse.check import DRIFT_TOLERANCE, stock_drift
from shared_models.bounds import QTY_EPSILON, UNKNOWN_UOM_DECIMALS
from shared_models.enums import Tracking
from shared_models.masterdata import Item
from shared_models.trace import StockOnHand, Unit
from tests.backend.story import receive
from tests.factories import Plant

SMALLEST = 10.0 ** -UNKNOWN_UOM_DECIMALS  # a unit of measure the table does not know keeps micro-units


def test_the_drift_tolerance_lies_between_float_noise_and_the_smallest_quantity() -> None:
    assert QTY_EPSILON < DRIFT_TOLERANCE < SMALLEST


@pytest.mark.parametrize("book", [10.000001, 1000.000001, 2.500001])  # the first two: x - (x - 1e-6) < 1e-6 in floats
def test_a_projection_short_by_the_smallest_quantity_is_drift(session: Session, plant: Plant, book: float) -> None:
    session.add(Item(part_no="WID-01", name="Widget", uom="widget", tracking=Tracking.LOT))
    session.commit()
    receive(session, "WID-01", "W1", book)
    assert stock_drift(session) == []
    unit = session.exec(select(Unit).where(Unit.code == "WID-01/W1")).one()
    short = round(book - SMALLEST, UNKNOWN_UOM_DECIMALS)
    session.execute(update(StockOnHand).where(StockOnHand.unit_id == unit.id).values(qty=short))  # type: ignore[arg-type]
    [drift] = stock_drift(session)
    assert (drift.unit_id, drift.from_events, drift.projected) == (unit.id, book, short)

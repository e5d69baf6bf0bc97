"""How far a recall case has come: shipped units back from each customer, and the stock it blocked."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, select

from backend.recall.models import IN_STOCK, SHIPPED, RecallCase, RecallUnit
from backend.recall.schemas import BlockedStock, CustomerProgress, RecallProgress
from shared_models.bounds import QTY_EPSILON
from shared_models.enums import UnitStatus
from shared_models.masterdata import Customer
from shared_models.trace import Unit


def outstanding(row: RecallUnit) -> float:
    """What a customer still owes of a unit: never below zero."""
    return max(round(row.qty - row.returned_qty, 9), 0.0)


def is_back(row: RecallUnit) -> bool:
    return outstanding(row) <= QTY_EPSILON


def total(values: Iterable[float]) -> float:
    return round(sum(values), 9)


def case_progress(session: Session, case: RecallCase) -> RecallProgress:
    rows = list(session.exec(select(RecallUnit).where(RecallUnit.case_id == case.id)))
    per: dict[str, list[RecallUnit]] = {}
    for r in rows:
        if r.kind == SHIPPED and r.customer_id:
            per.setdefault(r.customer_id, []).append(r)
    customers = []
    for customer_id, mine in per.items():
        c = session.get(Customer, customer_id)
        assert c is not None
        customers.append(_customer_progress(c, mine))
    customers.sort(key=lambda c: (-c.shipped_units, c.code))
    stock = [r for r in rows if r.kind == IN_STOCK]
    status = {u.id: u for u in session.exec(select(Unit).where(
        Unit.id.in_({r.unit_id for r in stock})))}  # type: ignore[attr-defined]
    live = sorted({status[r.unit_id].code for r in stock if status[r.unit_id].status is not UnitStatus.RECALLED})
    shipped = [r for r in rows if r.kind == SHIPPED]
    done = [r for r in shipped if is_back(r)]
    return RecallProgress(
        shipped_units=len(shipped), shipped_qty=total(r.qty for r in shipped), returned_units=len(done),
        returned_qty=total(r.returned_qty for r in shipped), outstanding_units=len(shipped) - len(done),
        outstanding_qty=total(outstanding(r) for r in shipped), customers=customers,
        blocked=BlockedStock(units=len({r.unit_id for r in stock}), qty=total(r.qty for r in stock),
                             recalled_units=len({r.unit_id for r in stock}) - len(live), not_recalled=live))


def _customer_progress(c: Customer, rows: list[RecallUnit]) -> CustomerProgress:
    done = [r for r in rows if is_back(r)]
    return CustomerProgress(code=c.code, name=c.name, kind=c.kind.value, shipped_units=len(rows),
                            shipped_qty=total(r.qty for r in rows), returned_units=len(done),
                            returned_qty=total(r.returned_qty for r in rows), outstanding_units=len(rows) - len(done),
                            outstanding_qty=total(outstanding(r) for r in rows))


__all__ = ["case_progress", "is_back", "outstanding", "total"]

"""Recall scope: forward from suspect units to finished goods, stock on hand to block, and customers reached.

Every count of units counts distinct units; quantities are totalled per unit of measure (kg and pcs never add).
A finished unit is a lot or serial that a work order produced (`unit.work_order_id` is set, which only
production does) and that went into nothing further (no transform edge out of it). Received material that
nobody consumed is stock to block, not a finished good; a container stands for its contents and is neither.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlmodel import Session

from backend.auth.principal import Principal
from backend.errors import InvalidInput
from backend.trace.resolver import resolve
from backend.trace.schemas import ItemCount, QtyByUom, RecallScope, RecallTotals, StockAt
from backend.trace.service import customers_reached
from backend.trace.walk import materialized_walk
from shared_models.enums import Direction

FINISHED_WHERE = """
u.kind <> 'container' AND u.work_order_id IS NOT NULL AND NOT EXISTS (
  SELECT 1 FROM genealogy_edge e WHERE e.parent_id = u.id AND e.kind = 'transform')
"""

FINISHED_BY_ITEM_SQL = f"""
SELECT i.part_no, i.name, COUNT(*) FROM {{walk}} w JOIN unit u ON u.id = w.unit_id JOIN item i ON i.id = u.item_id
WHERE {FINISHED_WHERE}
GROUP BY i.part_no, i.name ORDER BY COUNT(*) DESC, i.part_no
"""

FINISHED_CODES_SQL = f"""
SELECT u.code, u.site_id FROM {{walk}} w JOIN unit u ON u.id = w.unit_id
WHERE {FINISHED_WHERE}
ORDER BY u.code LIMIT :limit
"""

# One row per unit and location: the scope's in-stock figures and a recall case's blocked units both come
# from these rows (containers stand for their contents, which have rows of their own).
STOCK_SQL = """
SELECT s.unit_id, s.location_id, l.code, l.name, st.code, u.uom, s.qty
FROM stock_on_hand s JOIN {walk} w ON w.unit_id = s.unit_id JOIN unit u ON u.id = s.unit_id
JOIN location l ON l.id = s.location_id JOIN site st ON st.id = l.site_id
WHERE s.qty > 0 AND u.kind <> 'container'
ORDER BY st.code, l.code, u.uom, u.code
"""

# Gross shipments, as the per-customer list counts them; a unit has one unit of measure, so the distinct
# counts per uom add up to the distinct count overall.
SHIPPED_BY_UOM_SQL = """
SELECT u.uom, COUNT(DISTINCT l.unit_id), SUM(l.qty)
FROM event_line l JOIN {walk} w ON w.unit_id = l.unit_id JOIN unit u ON u.id = l.unit_id
JOIN event ev ON ev.id = l.event_id
WHERE ev.type = 'ship' AND ev.customer_id IS NOT NULL AND u.kind <> 'container'
GROUP BY u.uom ORDER BY u.uom
"""


@dataclass(frozen=True)
class StockLine:
    """One unit's quantity at one location: what a recall of the scope blocks."""

    unit_id: str
    location_id: str
    location: str
    location_name: str
    site: str
    uom: str
    qty: float


def recall_scope(session: Session, principal: Principal, codes: list[str], *, max_depth: int,
                 list_limit: int = 1000) -> RecallScope:
    """Everything downstream of `codes`; every code must name a unit, or nothing is answered."""
    seeds: dict[str, str] = {}
    for code in codes:
        found = resolve(session, principal, code)
        if found.unit is None:
            raise InvalidInput(f"'{code}' is {found.what}; a recall starts from lots, serials or containers.",
                               code=code)
        seeds[found.unit.id] = found.unit.code
    with materialized_walk(session, list(seeds), Direction.FORWARD, max_depth) as walk:
        scope, _ = scope_of_walk(session, principal, walk, list(seeds.values()), list_limit=list_limit)
    return scope


def scope_of_walk(session: Session, principal: Principal, walk: str, seeds: Sequence[str], *,
                  list_limit: int) -> tuple[RecallScope, list[StockLine]]:
    """The scope of a materialized forward walk, with the stock lines its in-stock figures count."""
    in_scope = session.execute(text(f"SELECT COUNT(*) FROM {walk}")).scalar_one()
    by_item = [ItemCount(part_no=r[0], name=r[1], units=r[2])
               for r in session.execute(text(FINISHED_BY_ITEM_SQL.format(walk=walk)))]
    listed = [r[0] for r in session.execute(text(FINISHED_CODES_SQL.format(walk=walk)), {"limit": list_limit})
              if principal.sees_site(r[1])]
    stock = [StockLine(unit_id=r[0], location_id=r[1], location=r[2], location_name=r[3], site=r[4], uom=r[5],
                       qty=float(r[6]))
             for r in session.execute(text(STOCK_SQL.format(walk=walk)))]
    shipped_by_uom = [QtyByUom(uom=r[0], units=r[1], qty=round(float(r[2]), 9))
                      for r in session.execute(text(SHIPPED_BY_UOM_SQL.format(walk=walk)))]
    shipped = customers_reached(session, walk)
    totals = RecallTotals(
        units_in_scope=in_scope, finished_units=sum(c.units for c in by_item),
        in_stock_units=len({ln.unit_id for ln in stock}), in_stock_by_uom=_by_uom(stock),
        shipped_units=sum(q.units for q in shipped_by_uom), shipped_by_uom=shipped_by_uom, customers=len(shipped))
    scope = RecallScope(seeds=list(seeds), finished_by_item=by_item, finished_units=listed,
                        finished_units_listed=len(listed), in_stock=_stock_at(stock), shipped=shipped, totals=totals)
    return scope, stock


def _stock_at(stock: Iterable[StockLine]) -> list[StockAt]:
    groups: dict[tuple[str, str, str, str], list[StockLine]] = {}
    for ln in stock:  # already in site, location, uom order
        groups.setdefault((ln.site, ln.location, ln.location_name, ln.uom), []).append(ln)
    return [StockAt(location=location, location_name=name, site=site, uom=uom, units=len({ln.unit_id for ln in g}),
                    qty=round(sum(ln.qty for ln in g), 9))
            for (site, location, name, uom), g in groups.items()]


def _by_uom(stock: Iterable[StockLine]) -> list[QtyByUom]:
    groups: dict[str, list[StockLine]] = {}
    for ln in stock:
        groups.setdefault(ln.uom, []).append(ln)
    return [QtyByUom(uom=uom, units=len({ln.unit_id for ln in g}), qty=round(sum(ln.qty for ln in g), 9))
            for uom, g in sorted(groups.items())]


__all__ = ["StockLine", "recall_scope", "scope_of_walk"]

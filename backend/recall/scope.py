"""Recall scope: forward from suspect units to finished goods, stock still on hand, and customers reached."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session

from backend.auth.principal import Principal
from backend.errors import InvalidInput
from backend.trace.resolver import resolve
from backend.trace.schemas import ItemCount, RecallScope, RecallTotals, StockAt
from backend.trace.service import customers_reached
from backend.trace.walk import materialized_walk
from shared_models.enums import Direction

# End units: reached, not a container, and not consumed into anything further.
FINISHED_WHERE = """
u.kind <> 'container' AND NOT EXISTS (
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

STOCK_SQL = """
SELECT l.code, l.name, st.code, COUNT(DISTINCT s.unit_id), SUM(s.qty)
FROM stock_on_hand s JOIN {walk} w ON w.unit_id = s.unit_id JOIN unit u ON u.id = s.unit_id
JOIN location l ON l.id = s.location_id JOIN site st ON st.id = l.site_id
WHERE s.qty > 0 AND u.kind <> 'container'
GROUP BY l.code, l.name, st.code ORDER BY st.code, l.code
"""


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
        in_scope = session.execute(text(f"SELECT COUNT(*) FROM {walk}")).scalar_one()
        by_item = [ItemCount(part_no=r[0], name=r[1], units=r[2])
                   for r in session.execute(text(FINISHED_BY_ITEM_SQL.format(walk=walk)))]
        listed = [r[0] for r in session.execute(text(FINISHED_CODES_SQL.format(walk=walk)), {"limit": list_limit})
                  if principal.sees_site(r[1])]
        stock = [StockAt(location=r[0], location_name=r[1], site=r[2], units=r[3], qty=float(r[4]))
                 for r in session.execute(text(STOCK_SQL.format(walk=walk)))]
        shipped = customers_reached(session, walk)
    totals = RecallTotals(
        units_in_scope=in_scope, finished_units=sum(c.units for c in by_item),
        in_stock_units=sum(s.units for s in stock), in_stock_qty=sum(s.qty for s in stock),
        shipped_units=sum(c.units for c in shipped), shipped_qty=sum(c.qty for c in shipped),
        customers=len(shipped))
    return RecallScope(seeds=list(seeds.values()), finished_by_item=by_item, finished_units=listed,
                       finished_units_listed=len(listed), in_stock=stock, shipped=shipped, totals=totals)

"""Recall scope: forward from suspect units to finished goods, stock on hand to block, and customers reached.

Every count of units counts distinct units; quantities are totalled per unit of measure (kg and pcs never add).
A finished unit is a lot or serial that a work order produced (`unit.work_order_id` is set, which only
production does) and that went into nothing further (no transform edge out of it). Received material that
nobody consumed is stock to block, not a finished good; a container stands for its contents and is neither.

One seed is answered from the reachability (backend/trace/reach.py): its per-ancestor figures, and two probes
sized to the answer. Several seeds, or a depth limit shallower than the seed's reach, read the reachability into a
temporary table shaped like the walk's and count it with the walk's queries; `recall_scope_by_walk` is the
recursive walk itself, the reference the bench and the property tests hold the fast path to.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlmodel import Session

from backend.auth.principal import Principal
from backend.errors import InvalidInput
from backend.trace.downstream import (
    Reach,
    customers_of,
    materialized_reach,
    reach_of,
    shipped_by_uom,
    shipped_from,
)
from backend.trace.resolver import resolve
from backend.trace.schemas import ItemCount, QtyByUom, RecallScope, RecallTotals, StockAt
from backend.trace.walk import customers_reached, materialized_walk
from shared_models.enums import Direction, UnitKind
from shared_models.masterdata import Item
from shared_models.trace import Unit

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


# The one-seed path: the seed's own rows with what its reach rows and per-ancestor figures name.
REACHED_FINISHED_SQL = """
SELECT u.code, u.site_id FROM reach r JOIN reach_node d ON d.node = r.descendant JOIN unit u ON u.id = d.unit_id
WHERE r.ancestor = :node AND d.finished ORDER BY u.code LIMIT :limit
"""
# A wide scope holds much of what was ever finished: walking the codes in order and probing each is shorter.
FINISHED_IN_REACH_SQL = """
SELECT u.code, u.site_id FROM unit u CROSS JOIN reach_node d
WHERE d.unit_id = u.id AND d.finished
  AND EXISTS (SELECT 1 FROM reach r WHERE r.ancestor = :node AND r.descendant = d.node)
ORDER BY u.code LIMIT :limit
"""
ITEMS_REACHED_SQL = """
SELECT i.part_no, i.name, SUM(ri.finished) FROM reach_item ri JOIN item i ON i.id = ri.item_id
WHERE ri.ancestor = :node GROUP BY i.part_no, i.name
"""
_STOCK_COLUMNS = "SELECT s.unit_id, s.location_id, l.code, l.name, st.code, u.uom, s.qty"
_STOCK_JOINS = """JOIN unit u ON u.id = s.unit_id
JOIN location l ON l.id = s.location_id JOIN site st ON st.id = l.site_id
WHERE s.qty > 0 AND u.kind <> 'container'"""
STOCK_REACHED_SQL = f"""{_STOCK_COLUMNS}
FROM (SELECT d.unit_id FROM reach r JOIN reach_node d ON d.node = r.descendant WHERE r.ancestor = :node
      UNION ALL SELECT id FROM unit WHERE id = :seed) reached
JOIN stock_on_hand s ON s.unit_id = reached.unit_id {_STOCK_JOINS}
ORDER BY st.code, l.code, u.uom, u.code
"""
# A scope wider than the stock: probe each stock row instead.
STOCK_IN_REACH_SQL = f"""{_STOCK_COLUMNS}
FROM stock_on_hand s {_STOCK_JOINS}
  AND (s.unit_id = :seed OR EXISTS (SELECT 1 FROM reach_node d JOIN reach r ON r.descendant = d.node
                                    WHERE d.unit_id = s.unit_id AND r.ancestor = :node))
ORDER BY st.code, l.code, u.uom, u.code
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
    seeds = _seeds(session, principal, codes)
    if len(seeds) == 1:
        unit = seeds[0]
        reach = reach_of(session, unit.id)
        if reach.complete_within(max_depth):
            return _scope_of_one(session, principal, unit, reach, list_limit=list_limit)
    with materialized_reach(session, [u.id for u in seeds], max_depth) as walk:
        scope, _ = scope_of_walk(session, principal, walk, [u.code for u in seeds], list_limit=list_limit)
    return scope


def recall_scope_by_walk(session: Session, principal: Principal, codes: list[str], *, max_depth: int,
                         list_limit: int = 1000) -> RecallScope:
    """The same answer by the recursive walk over the edges: the reference."""
    seeds = _seeds(session, principal, codes)
    with materialized_walk(session, [u.id for u in seeds], Direction.FORWARD, max_depth) as walk:
        scope, _ = scope_of_walk(session, principal, walk, [u.code for u in seeds], list_limit=list_limit)
    return scope


def _seeds(session: Session, principal: Principal, codes: list[str]) -> list[Unit]:
    seeds: dict[str, Unit] = {}
    for code in codes:
        found = resolve(session, principal, code)
        if found.unit is None:
            raise InvalidInput(f"'{code}' is {found.what}; a recall starts from lots, serials or containers.",
                               code=code)
        seeds[found.unit.id] = found.unit
    return list(seeds.values())


def _scope_of_one(session: Session, principal: Principal, seed: Unit, reach: Reach, *,
                  list_limit: int) -> RecallScope:
    """One seed whose whole reach lies within the depth asked: read, not walked."""
    node = reach.node if reach.node is not None else -1
    own_finished = reach.finished if reach.node is not None else (
        seed.work_order_id is not None and seed.kind is not UnitKind.CONTAINER)
    counts: dict[tuple[str, str], int] = {(r[0], r[1]): int(r[2]) for r in session.execute(
        text(ITEMS_REACHED_SQL), {"node": node})}
    if own_finished and seed.item_id is not None:
        item = session.get_one(Item, seed.item_id)
        counts[(item.part_no, item.name)] = counts.get((item.part_no, item.name), 0) + 1
    by_item = sorted((ItemCount(part_no=p, name=n, units=c) for (p, n), c in counts.items() if c),
                     key=lambda i: (-i.units, i.part_no))
    finished = sum(i.units for i in by_item)
    listed = _finished_codes(session, seed, reach, own_finished, finished, list_limit)
    stock_rows = session.execute(text("SELECT COUNT(*) FROM stock_on_hand")).scalar_one()
    sql = STOCK_REACHED_SQL if reach.descendants <= stock_rows else STOCK_IN_REACH_SQL
    stock = [StockLine(unit_id=r[0], location_id=r[1], location=r[2], location_name=r[3], site=r[4], uom=r[5],
                       qty=float(r[6])) for r in session.execute(text(sql), {"node": node, "seed": seed.id})]
    shipped = shipped_from(session, reach)
    customers = customers_of(session, shipped)
    by_uom = shipped_by_uom(shipped)
    totals = RecallTotals(
        units_in_scope=1 + reach.descendants, finished_units=finished,
        in_stock_units=len({ln.unit_id for ln in stock}), in_stock_by_uom=_by_uom(stock),
        shipped_units=sum(q.units for q in by_uom), shipped_by_uom=by_uom, customers=len(customers))
    visible = [code for code, site in listed if principal.sees_site(site)]
    return RecallScope(seeds=[seed.code], finished_by_item=by_item, finished_units=visible,
                       finished_units_listed=len(visible), in_stock=_stock_at(stock), shipped=customers, totals=totals)


def _finished_codes(session: Session, seed: Unit, reach: Reach, own_finished: bool, finished: int,
                    limit: int) -> list[tuple[str, str]]:
    """The first `limit` finished units in scope by code, with their site: from the reach rows, or, when the
    scope holds a large share of all finished units, by probing the finished units in code order."""
    if limit <= 0 or finished == 0:
        return []
    listed: list[tuple[str, str]] = [(seed.code, seed.site_id)] if own_finished else []
    if finished > len(listed):
        # Probing walks about limit × units / finished codes; the reach rows are `descendants` lookups.
        units = session.execute(text("SELECT MAX(node) FROM reach_node")).scalar_one() or 0
        sql = FINISHED_IN_REACH_SQL if limit * units / finished < reach.descendants else REACHED_FINISHED_SQL
        listed += [(r[0], r[1]) for r in session.execute(text(sql), {"node": reach.node, "limit": limit})]
    return sorted(listed)[:limit]


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


__all__ = ["StockLine", "recall_scope", "recall_scope_by_walk", "scope_of_walk"]

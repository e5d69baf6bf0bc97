"""Trace: the genealogy graph around one unit, backward to its origins or forward to where it went, read from the
reachability (backend/trace/reach.py) a page at a time, complete: no node is left out, the cursor leads on.

A page costs one pass over the trace's reach rows to order them, then the page's own rows; the totals and, going
forward, the shipments and customers reached come from the per-ancestor figures with the first page.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import bindparam, text
from sqlmodel import Session

from backend.auth.principal import Principal
from backend.errors import InvalidInput
from backend.trace.downstream import Reach, customers_of, materialized_reach, reach_of, shipments_of, shipped_from
from backend.trace.resolver import resolve
from backend.trace.schemas import CustomerReached, Shipment, TraceEdge, TraceGraph, TraceNode
from backend.trace.walk import SHIPMENT_SQL, aware, customers_reached, node_of_row
from shared_models.enums import Direction

# The trace's units other than the root: forward its reach rows as ancestor, backward as descendant.
_SIDE = {Direction.FORWARD: ("ancestor", "descendant"), Direction.BACKWARD: ("descendant", "ancestor")}
PAGE_SQL = """
SELECT t.unit_id, t.depth, u.code FROM (
  SELECT d.unit_id, r.depth FROM reach r JOIN reach_node d ON d.node = r.{far}
  WHERE r.{near} = :node AND r.depth <= :max_depth
  UNION ALL SELECT id, 0 FROM unit WHERE id = :root
) t JOIN unit u ON u.id = t.unit_id
WHERE t.depth > :after_depth OR (t.depth = :after_depth AND u.code > :after_code)
ORDER BY t.depth, u.code LIMIT :limit
"""
# Backward, the units before the page (ancestors are few): their edges to parents on the page belong to it.
EARLIER_SQL = PAGE_SQL.replace("WHERE t.depth > :after_depth OR (t.depth = :after_depth AND u.code > :after_code)",
                               "WHERE t.depth < :after_depth OR (t.depth = :after_depth AND u.code <= :after_code)"
                               ).replace("LIMIT :limit", "")
COUNT_SQL = "SELECT COUNT(*) FROM reach WHERE {near} = :node AND depth <= :max_depth"
DETAIL_SQL = """
SELECT u.id, u.code, u.kind, u.status, 0, i.part_no, i.name, u.lot_no, u.serial, u.sscc,
       sp.code AS supplier, u.supplier_lot, u.expires_on, u.site_id,
       COALESCE((SELECT SUM(s.qty) FROM stock_on_hand s WHERE s.unit_id = u.id), 0) AS on_hand
FROM unit u LEFT JOIN item i ON i.id = u.item_id LEFT JOIN supplier sp ON sp.id = u.supplier_id
WHERE u.id IN :ids
"""
# The edges from units given by id (on the `page` side) to units of the trace (the `other` side), with where those
# stand in it (depth, code; the root at 0, ''), no deeper than :cap. Every unit has few parents; a lot may have
# thousands of children, which the reach rows and the depth cap turn away before their rows are read. CROSS JOIN
# keeps SQLite from starting at the trace's reach rows when the cap makes them look few (PostgreSQL plans freely).
EDGES_SQL = """
SELECT e.id, e.parent_id, e.child_id, e.qty, e.kind, e.event_id, ev.type, ev.occurred_at, r.depth, u.code
FROM genealogy_edge e CROSS JOIN reach_node o CROSS JOIN reach r JOIN unit u ON u.id = o.unit_id
JOIN event ev ON ev.id = e.event_id
WHERE e.{page} IN :ids AND o.unit_id = e.{other} AND r.{far} = o.node AND r.{near} = :node AND r.depth <= :cap
UNION ALL
SELECT e.id, e.parent_id, e.child_id, e.qty, e.kind, e.event_id, ev.type, ev.occurred_at, 0, ''
FROM genealogy_edge e JOIN event ev ON ev.id = e.event_id WHERE e.{page} IN :ids AND e.{other} = :root
"""
# Where a unit stands in the trace, if it is in it.
PLACES_SQL = """
SELECT d.unit_id, r.depth, u.code FROM reach_node d CROSS JOIN reach r JOIN unit u ON u.id = d.unit_id
WHERE d.unit_id IN :ids AND r.{far} = d.node AND r.{near} = :node AND r.depth <= :max_depth
"""
Key = tuple[int, str]


def trace(session: Session, principal: Principal, code: str, direction: Direction, *, max_depth: int,
          max_nodes: int, cursor: str | None = None) -> TraceGraph:
    """A page of at most `max_nodes` units after `cursor` (the first page without one). Raises InvalidInput for a
    code that names no unit or a cursor of another trace."""
    found = resolve(session, principal, code)
    if found.unit is None:
        raise InvalidInput(f"'{code}' is {found.what}, not a lot, serial unit or container; trace needs a unit.",
                           kind=found.kind)
    root_unit = found.unit
    reach = reach_of(session, root_unit.id)
    near, far = _SIDE[direction]
    node = reach.node if reach.node is not None else -1
    after: Key = (-1, "")
    if cursor is not None:
        after = _after(session, cursor, root_unit.id, direction, max_depth, node, root_unit.code)
    params = {"node": node, "max_depth": max_depth, "root": root_unit.id, "after_depth": after[0],
              "after_code": after[1]}
    rows = session.execute(text(PAGE_SQL.format(near=near, far=far)), {**params, "limit": max_nodes + 1}).all()
    more = len(rows) > max_nodes
    page: dict[str, Key] = {r[0]: (r[1], r[2]) for r in rows[:max_nodes]}
    nodes = _nodes(session, principal, page)
    edges = _edges(session, direction, page, params) if page else []
    if direction is Direction.FORWARD and reach.complete_within(max_depth):
        total = 1 + reach.descendants
    else:
        total = 1 + session.execute(text(COUNT_SQL.format(near=near)), params).scalar_one()
    shipments: list[Shipment] = []
    customers: list[CustomerReached] = []
    if direction is Direction.FORWARD and cursor is None:
        shipments, customers = _shipments(session, reach, max_depth)
    root = next((n for n in nodes if n.id == root_unit.id), None) or _nodes(session, principal,
                                                                             {root_unit.id: (0, root_unit.code)})[0]
    last = rows[max_nodes - 1][0] if more else None
    return TraceGraph(root=root, direction=direction.value, max_depth=max_depth, nodes=nodes, edges=edges,
                      shipments=shipments, customers=customers, truncated=more, total_nodes=total,
                      next_cursor=_cursor(direction, max_depth, root_unit.id, last) if last else None)


def _nodes(session: Session, principal: Principal, page: dict[str, Key]) -> list[TraceNode]:
    rows = {r[0]: r for part in _chunks(list(page)) for r in session.execute(
        text(DETAIL_SQL).bindparams(bindparam("ids", expanding=True)), {"ids": part})}
    return [node_of_row((*rows[uid][:4], page[uid][0], *rows[uid][5:]), principal) for uid in page]


def _edges(session: Session, direction: Direction, page: dict[str, Key], params: dict[str, Any]) -> list[TraceEdge]:
    """Edges between units of the trace, each on the page of its later unit: the page's units' edges to their
    parents, and to their children that come earlier."""
    near, far = _SIDE[direction]
    places: dict[str, Key] = dict(page)
    found: dict[str, tuple[Any, ...]] = {}

    def edges_from(ids: list[str], side: str, cap: int) -> Iterator[Any]:
        other = "parent_id" if side == "child_id" else "child_id"
        sql = text(EDGES_SQL.format(page=side, other=other, near=near, far=far)).bindparams(
            bindparam("ids", expanding=True))
        for part in _chunks(ids):
            for r in session.execute(sql, {**params, "ids": part, "cap": cap}):
                places.setdefault(r[1] if other == "parent_id" else r[2], (r[8], r[9]))
                yield r

    for r in edges_from(list(page), "child_id", params["max_depth"]):
        found[r[0]] = tuple(r[:8])
    if direction is Direction.BACKWARD:  # children earlier in the trace, from their side: ancestors are few
        earlier = {r[0]: (r[1], r[2]) for r in session.execute(text(EARLIER_SQL.format(near=near, far=far)), params)}
        places.update(earlier)
        found.update((r[0], tuple(r[:8])) for r in edges_from(list(earlier), "child_id", params["max_depth"])
                     if r[1] in page)
    else:  # forward, from the page's side: a child comes earlier only if it lies no deeper
        levels: dict[int, list[str]] = {}
        for uid, (depth, _code) in page.items():
            levels.setdefault(depth, []).append(uid)
        for level, at_level in sorted(levels.items()):
            found.update((r[0], tuple(r[:8])) for r in edges_from(at_level, "parent_id", level))
    edges = []
    for _id, parent, child, qty, kind, event_id, event_type, occurred_at in found.values():
        later = max((parent, child), key=places.__getitem__)  # the root, at (0, …), comes first of all
        if later in page:
            edges.append(TraceEdge(parent_id=parent, child_id=child, qty=float(qty), kind=kind, event_id=event_id,
                                   event_type=event_type, occurred_at=aware(session, occurred_at)))
    return sorted(edges, key=lambda e: (e.occurred_at, e.parent_id, e.child_id))


def _shipments(session: Session, reach: Reach, max_depth: int) -> tuple[list[Shipment], list[CustomerReached]]:
    if reach.complete_within(max_depth):
        shipped = shipped_from(session, reach)
        return shipments_of(session, shipped), customers_of(session, shipped)
    with materialized_reach(session, [reach.unit_id], max_depth) as walk:
        shipments = [Shipment(event_id=r[0], reference=r[1], shipped_at=aware(session, r[2]), customer_code=r[3],
                              customer_name=r[4], customer_kind=r[5], units=r[6], qty=float(r[7]))
                     for r in session.execute(text(SHIPMENT_SQL.format(walk=walk)))]
        return shipments, customers_reached(session, walk)


def _cursor(direction: Direction, max_depth: int, root_id: str, last_id: str) -> str:
    raw = json.dumps([1, direction.value, max_depth, root_id, last_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _after(session: Session, cursor: str, root_id: str, direction: Direction, max_depth: int, node: int,
           root_code: str) -> Key:
    """The (depth, code) of the unit a cursor names, which must come from this same trace."""
    try:
        version, way, depth, root, last = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError, binascii.Error) as exc:
        raise InvalidInput("The cursor is not one a trace gave out.", cursor=cursor[:80]) from exc
    if (version, way, depth, root) != (1, direction.value, max_depth, root_id):
        raise InvalidInput("The cursor belongs to another trace (code, direction or depth differ).",
                           cursor=cursor[:80])
    if last == root_id:
        return (0, root_code)
    near, far = _SIDE[direction]
    row = session.execute(text(PLACES_SQL.format(near=near, far=far)).bindparams(bindparam("ids", expanding=True)),
                          {"node": node, "max_depth": max_depth, "ids": [last]}).first()
    if row is None:
        raise InvalidInput("The cursor's unit is no longer in this trace.", cursor=cursor[:80])
    return (row[1], row[2])


def _chunks(values: list[str], size: int = 4000) -> list[list[str]]:
    return [values[i:i + size] for i in range(0, len(values), size)]

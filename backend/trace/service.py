"""Trace: the genealogy graph around one unit, backward to its origins or forward to where it went, read from the
reachability (backend/trace/reach.py) a page at a time, complete: no node is left out, the cursor leads on.

Units come nearest first, and within a depth in the order they entered the genealogy (their node number): an
order the reach rows' index holds, so a page reads its own rows and nothing else of the units. The totals and,
going forward, the shipments and customers reached come from the per-ancestor figures with the first page.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import TextClause, text
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
# Units are looked up by node one at a time (a scalar subquery): PostgreSQL, taking the trace for a few hundred
# rows, would otherwise read the whole of reach_node into a hash.
PAGE_SQL = """
SELECT (SELECT d.unit_id FROM reach_node d WHERE d.node = t.node), t.depth, t.node FROM (
  SELECT r.{far} AS node, r.depth FROM reach r
  WHERE r.{near} = :node AND r.depth <= :max_depth
    AND (r.depth > :after_depth OR (r.depth = :after_depth AND r.{far} > :after_node))
  ORDER BY r.depth, r.{far} LIMIT :limit
) t ORDER BY t.depth, t.node
"""
# Backward, the units before the page (ancestors are few): their edges to parents on the page belong to it.
EARLIER_SQL = """
SELECT (SELECT d.unit_id FROM reach_node d WHERE d.node = r.{far}), r.depth, r.{far} FROM reach r
WHERE r.{near} = :node AND r.depth <= :max_depth
  AND (r.depth < :after_depth OR (r.depth = :after_depth AND r.{far} <= :after_node))
"""
COUNT_SQL = "SELECT COUNT(*) FROM reach WHERE {near} = :node AND depth <= :max_depth"
# IN_IDS takes one JSON array of ids (see _by_ids): both planners read it as a short list and look each id up by
# index, where a 5,000-element PostgreSQL array made them scan all of genealogy_edge or unit instead.
DETAIL_SQL = """
SELECT u.id, u.code, u.kind, u.status, 0, i.part_no, i.name, u.lot_no, u.serial, u.sscc,
       sp.code AS supplier, u.supplier_lot, u.expires_on, u.site_id,
       COALESCE((SELECT SUM(s.qty) FROM stock_on_hand s WHERE s.unit_id = u.id), 0) AS on_hand
FROM unit u LEFT JOIN item i ON i.id = u.item_id LEFT JOIN supplier sp ON sp.id = u.supplier_id
WHERE u.id IN_IDS
"""
# The edges from units given by id (on the `page` side) to units of the trace (the `other` side), with where those
# stand in it (depth, node; the root at 0, 0), no deeper than :cap. The edges come first (MATERIALIZED), then where
# their other units stand, each unit once (the thousands of edges of a lot share it; CROSS JOIN holds that order on
# SQLite), then the events of the edges kept.
EDGES_SQL = """
WITH e AS MATERIALIZED (
  SELECT id, parent_id, child_id, qty, kind, event_id FROM genealogy_edge WHERE {page} IN_IDS),
o AS MATERIALIZED (
  SELECT n.unit_id, r.depth, r.{far} AS node FROM (SELECT DISTINCT {other} AS unit_id FROM e) u
  CROSS JOIN reach_node n CROSS JOIN reach r
  WHERE n.unit_id = u.unit_id AND r.{far} = n.node AND r.{near} = :node AND r.depth <= :cap
  UNION ALL SELECT CAST(:root AS TEXT), 0, 0)
SELECT e.id, e.parent_id, e.child_id, e.qty, e.kind, e.event_id, ev.type, ev.occurred_at, o.depth, o.node
FROM e JOIN o ON o.unit_id = e.{other} JOIN event ev ON ev.id = e.event_id
"""
Key = tuple[int, int]  # (depth, node): a unit's place in the trace's order


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
    after = _after(cursor, root_unit.id, direction, max_depth) if cursor is not None else None
    params = {"node": node, "max_depth": max_depth, "root": root_unit.id,
              "after_depth": after[0] if after else 0, "after_node": after[1] if after else 0}
    page: dict[str, Key] = {root_unit.id: (0, 0)} if after is None else {}  # the root opens the first page
    rows = session.execute(text(PAGE_SQL.format(near=near, far=far)),
                           {**params, "limit": max_nodes + 1 - len(page)}).all()
    page.update((r[0], (r[1], r[2])) for r in rows)
    more = len(page) > max_nodes
    last: Key | None = None
    if more:
        page.pop(rows[-1][0])
        last = (rows[-2][1], rows[-2][2]) if len(rows) > 1 else (0, 0)
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
    root = nodes[0] if after is None else _nodes(session, principal, {root_unit.id: (0, 0)})[0]
    return TraceGraph(root=root, direction=direction.value, max_depth=max_depth, nodes=nodes, edges=edges,
                      shipments=shipments, customers=customers, truncated=more, total_nodes=total,
                      next_cursor=_cursor(direction, max_depth, root_unit.id, last) if last else None)


def _by_ids(session: Session, sql: str) -> TextClause:
    """`sql` with its IN_IDS taking :ids, one JSON array of ids, whatever its length."""
    if session.get_bind().dialect.name == "postgresql":
        return text(sql.replace("IN_IDS", "IN (SELECT value FROM json_array_elements_text(CAST(:ids AS json)))"))
    return text(sql.replace("IN_IDS", "IN (SELECT value FROM json_each(:ids))"))


def _ids(values: Iterable[str]) -> str:
    return json.dumps(list(values), separators=(",", ":"))


def _nodes(session: Session, principal: Principal, page: dict[str, Key]) -> list[TraceNode]:
    rows = {r[0]: r for r in session.execute(_by_ids(session, DETAIL_SQL), {"ids": _ids(page)}).all()}
    return [node_of_row((*rows[uid][:4], page[uid][0], *rows[uid][5:]), principal) for uid in page]


def _edges(session: Session, direction: Direction, page: dict[str, Key], params: dict[str, Any]) -> list[TraceEdge]:
    """Edges between units of the trace, each on the page of its later unit: the page's units' edges to their
    parents, and to their children that come earlier (on the first page those are all on it: none to look for)."""
    near, far = _SIDE[direction]
    places: dict[str, Key] = dict(page)
    found: dict[str, tuple[Any, ...]] = {}

    def edges_from(ids: Iterable[str], side: str, cap: int) -> Iterator[Any]:
        other = "parent_id" if side == "child_id" else "child_id"
        sql = _by_ids(session, EDGES_SQL.format(page=side, other=other, near=near, far=far))
        for r in session.execute(sql, {**params, "ids": _ids(ids), "cap": cap}).all():
            places.setdefault(r[1] if other == "parent_id" else r[2], (r[8], r[9]))
            yield r

    for r in edges_from(page, "child_id", params["max_depth"]):
        found[r[0]] = tuple(r[:8])
    if direction is Direction.BACKWARD:  # children earlier in the trace, from their side: ancestors are few
        earlier = {r[0]: (r[1], r[2]) for r in session.execute(text(EARLIER_SQL.format(near=near, far=far)), params)}
        if params["root"] not in page:
            earlier[params["root"]] = (0, 0)  # the root opened the first page
        places.update(earlier)
        found.update((r[0], tuple(r[:8])) for r in edges_from(earlier, "child_id", params["max_depth"])
                     if r[1] in page)
    elif params["root"] not in page:  # forward, from the page's side: a child comes earlier only if no deeper
        levels: dict[int, list[str]] = {}
        for uid, (depth, _node) in page.items():
            levels.setdefault(depth, []).append(uid)
        for level, at_level in sorted(levels.items()):
            found.update((r[0], tuple(r[:8])) for r in edges_from(at_level, "parent_id", level))
    edges = []
    for _id, parent, child, qty, kind, event_id, event_type, occurred_at in found.values():
        later = max((parent, child), key=places.__getitem__)  # the root, at (0, 0), comes first of all
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


def _cursor(direction: Direction, max_depth: int, root_id: str, last: Key) -> str:
    raw = json.dumps([2, direction.value, max_depth, root_id, *last], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _after(cursor: str, root_id: str, direction: Direction, max_depth: int) -> Key:
    """The place in the trace a cursor names, which must come from this same trace."""
    try:
        version, way, depth, root, *last = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        place = (int(last[0]), int(last[1]))
    except (ValueError, TypeError, IndexError, binascii.Error) as exc:
        raise InvalidInput("The cursor is not one a trace gave out.", cursor=cursor[:80]) from exc
    if (version, way, depth, root) != (2, direction.value, max_depth, root_id):
        raise InvalidInput("The cursor belongs to another trace (code, direction or depth differ).",
                           cursor=cursor[:80])
    return place

"""The trace explorer's picture: a code's backward and forward traces (backend/trace) merged into one graph of
nodes on signed levels (inputs left of the code, what it went into right of it) and links input → output."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from backend.auth.principal import Principal
from backend.trace.schemas import TraceGraph, TraceNode
from backend.trace.service import trace
from shared_models.enums import Direction

EXPLORE_DEPTH = 2     # steps each way drawn at first; clicking a node adds one more step each way from it
EXPLORE_NODES = 300   # units per direction, at most: a picture with more is unreadable on a phone


def node_view(node: TraceNode, level: int) -> dict[str, Any]:
    lot = node.lot_no or node.serial or node.sscc or ""
    return {"id": node.id, "code": node.code, "kind": node.kind, "status": node.status, "level": level,
            "part_no": node.part_no or "", "item": node.item_name or node.part_no or node.kind, "lot": lot,
            "qty": round(node.qty_on_hand, 6), "supplier": node.supplier or "", "supplier_lot": node.supplier_lot or "",
            "redacted": node.redacted}


def explore(session: Session, principal: Principal, code: str, *, depth: int = EXPLORE_DEPTH,
            max_nodes: int = EXPLORE_NODES, max_depth: int = 12) -> dict[str, Any]:
    """{root, nodes, links, customers, truncated}: both directions from `code`, `depth` steps each (at most the
    configured max_depth). Raises what the trace service raises (an unknown code: NotFound)."""
    depth = max(1, min(depth, max_depth))
    back = trace(session, principal, code, Direction.BACKWARD, max_depth=depth, max_nodes=max_nodes)
    forth = trace(session, principal, code, Direction.FORWARD, max_depth=depth, max_nodes=max_nodes)
    nodes: dict[str, dict[str, Any]] = {}
    for graph, sign in ((back, -1), (forth, 1)):
        for node in graph.nodes:
            nodes.setdefault(node.id, node_view(node, sign * node.depth))
    links = {(e.parent_id, e.child_id): e for e in [*back.edges, *forth.edges]}
    return {
        "root": node_view(back.root, 0),
        "nodes": list(nodes.values()),
        "links": [{"source": e.parent_id, "target": e.child_id, "qty": round(e.qty, 6), "event": e.event_type,
                   "at": e.occurred_at.isoformat()} for e in links.values()
                  if e.parent_id in nodes and e.child_id in nodes],
        "customers": [{"code": c.code, "name": c.name, "units": c.units, "qty": c.qty} for c in forth.customers],
        "truncated": _truncated(back) or _truncated(forth),
    }


def _truncated(graph: TraceGraph) -> bool:
    return graph.truncated or graph.next_cursor is not None

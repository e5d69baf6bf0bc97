"""What the reachability tests hold every answer to: the recursive walk (backend/trace/walk.py), and the
reachability recomputed from the edges (backend/trace/reach_build.py)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from backend.auth.principal import SYSTEM
from backend.recall.scope_service import recall_scope, recall_scope_by_walk
from backend.trace.reach_build import reach_drift
from backend.trace.schemas import TraceGraph
from backend.trace.service import trace
from backend.trace.walk import trace_by_walk
from shared_models.enums import Direction


def rounded(value: Any) -> Any:
    """Floats to 6 places, all the way down: sums of the same quantities added in another order."""
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [rounded(v) for v in value]
    return value


def assert_no_drift(session: Session) -> None:
    session.flush()
    drift = reach_drift(session.connection())
    assert not drift, drift.problems


def assert_scope_as_walked(session: Session, codes: list[str], max_depth: int = 12) -> None:
    fast = recall_scope(session, SYSTEM, codes, max_depth=max_depth)
    walked = recall_scope_by_walk(session, SYSTEM, codes, max_depth=max_depth)
    assert rounded(fast.model_dump()) == rounded(walked.model_dump()), codes


def paged_trace(session: Session, code: str, direction: Direction, *, page: int, max_depth: int = 12) -> TraceGraph:
    """Every page of a trace, joined; checks on the way that each edge arrives with or after both its units."""
    first = trace(session, SYSTEM, code, direction, max_depth=max_depth, max_nodes=page)
    nodes, edges, graph = list(first.nodes), list(first.edges), first
    seen = {n.id for n in nodes}
    assert all(e.parent_id in seen and e.child_id in seen for e in edges)
    while graph.next_cursor is not None:
        assert graph.truncated and len(graph.nodes) == page
        graph = trace(session, SYSTEM, code, direction, max_depth=max_depth, max_nodes=page,
                      cursor=graph.next_cursor)
        assert graph.total_nodes == first.total_nodes and graph.shipments == [] == graph.customers
        seen |= {n.id for n in graph.nodes}
        assert all(e.parent_id in seen and e.child_id in seen for e in graph.edges)
        nodes += graph.nodes
        edges += graph.edges
    assert not graph.truncated
    return first.model_copy(update={"nodes": nodes, "edges": edges, "truncated": False, "next_cursor": None})


def assert_trace_as_walked(session: Session, code: str, direction: Direction, *, page: int = 2,
                           max_depth: int = 12) -> None:
    paged = paged_trace(session, code, direction, page=page, max_depth=max_depth)
    walked = trace_by_walk(session, SYSTEM, code, direction, max_depth=max_depth, max_nodes=10**9)
    assert paged.total_nodes == walked.total_nodes == len(paged.nodes)
    by_place = sorted(paged.nodes, key=lambda n: (n.depth, n.code))  # pages come by depth, then node number
    assert [n.model_dump() for n in by_place] == [n.model_dump() for n in walked.nodes]
    assert paged.nodes[0].id == paged.root.id and [n.depth for n in paged.nodes] == sorted(n.depth for n in paged.nodes)
    key = lambda e: (e.parent_id, e.child_id, e.event_id)  # noqa: E731
    assert sorted(map(key, paged.edges)) == sorted(map(key, walked.edges))
    assert len(paged.edges) == len(walked.edges)  # each edge once
    assert rounded([s.model_dump() for s in paged.shipments]) == rounded([s.model_dump() for s in walked.shipments])
    assert rounded([c.model_dump() for c in paged.customers]) == rounded([c.model_dump() for c in walked.customers])

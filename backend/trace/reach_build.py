"""The reachability computed from the edges and shipments alone: to fill it (migration 0009, the scale seeder, a
repair) and to prove it (`lotline check`).

One pass in memory over the whole graph, ancestor by ancestor (a breadth-first walk from each, so each pair gets
its shortest depth), streaming what it finds: no database-side recursion, and memory for the graph, not for the
pairs (about 28 million at a million units).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.engine import Connection

from backend.trace.models import EventLine, GenealogyEdge, Reach, ReachItem, ReachNode, ReachShipment, ShippedLine
from shared_models.enums import EdgeKind, EventType, UnitKind
from shared_models.trace import Event, Unit
from shared_models.types import UTCDateTime
from sync.server.bulk import insert_many

BATCH = 50_000
TABLES: tuple[Table, ...] = tuple(m.__table__ for m in (Reach, ReachItem, ReachShipment, ShippedLine,  # type: ignore[attr-defined]
                                                        ReachNode))
Progress = Callable[[str], None]


@dataclass(slots=True)
class _Line:
    event_id: str
    customer_id: str
    occurred_at: datetime
    uom: str
    container: bool
    qty: float
    first_to_customer: bool = False
    first_shipment: bool = False


@dataclass
class Graph:
    """The edges and shipments as node numbers, with what the per-ancestor figures read of each node."""

    node_of: dict[str, int]
    unit_of: list[str]                      # node → unit id (index 0 unused)
    children: list[list[int]]
    finished: list[bool]
    item: list[str | None]
    lines: dict[int, list[_Line]] = field(default_factory=dict)

    def walk(self, start: int) -> dict[int, int]:
        """Descendant → shortest depth, breadth first (a cycle ends where it meets a node already seen)."""
        found: dict[int, int] = {}
        frontier, depth = [start], 0
        children = self.children
        while frontier:
            depth += 1
            nxt = []
            for node in frontier:
                for child in children[node]:
                    if child not in found and child != start:
                        found[child] = depth
                        nxt.append(child)
            frontier = nxt
        return found


def load(conn: Connection, node_of: dict[str, int] | None = None) -> Graph:
    """Reads the graph. `node_of`: the numbering to keep (the stored one, to prove it); otherwise units are numbered
    1, 2, ... in the order they were made. The edges are read twice rather than held as text (3.5 million at a
    million units)."""
    unit, edge, line, event = (Unit.__table__, GenealogyEdge.__table__, EventLine.__table__,  # type: ignore[attr-defined]
                               Event.__table__)  # type: ignore[attr-defined]
    shipped = conn.execute(
        select(line.c.unit_id, event.c.id, event.c.customer_id, event.c.occurred_at, func.sum(line.c.qty))
        .join(event, event.c.id == line.c.event_id)
        .where(event.c.type == EventType.SHIP, event.c.customer_id.is_not(None))
        .group_by(line.c.unit_id, event.c.id, event.c.customer_id, event.c.occurred_at)
        .order_by(event.c.occurred_at, event.c.id, line.c.unit_id)).all()
    wanted: set[str] = {r[0] for r in shipped}
    consumed: set[str] = set()
    for p, c, kind in conn.execute(select(edge.c.parent_id, edge.c.child_id, edge.c.kind)).yield_per(BATCH):
        wanted.add(p)
        wanted.add(c)
        if kind == EdgeKind.TRANSFORM:
            consumed.add(p)
    same: dict[Any, Any] = {}  # one string object per item id, uom and kind
    facts: dict[str, tuple[Any, ...]] = {}
    for uid, kind, item_id, uom, work_order_id in conn.execute(
            select(unit.c.id, unit.c.kind, unit.c.item_id, unit.c.uom, unit.c.work_order_id)
            .order_by(unit.c.created_at, unit.c.id)).yield_per(BATCH):
        if uid in wanted:
            facts[uid] = (same.setdefault(kind, kind) == UnitKind.CONTAINER, same.setdefault(item_id, item_id),
                          same.setdefault(uom, uom), work_order_id is not None)
    del wanted
    if node_of is None:
        node_of = {uid: n for n, uid in enumerate(facts, start=1)}
    size = max(node_of.values(), default=0) + 1
    unit_of = [""] * size
    finished: list[bool] = [False] * size
    item: list[str | None] = [None] * size
    for uid, n in node_of.items():
        unit_of[n] = uid
        if uid in facts:
            container, item[n], _uom, made = facts[uid]
            finished[n] = made and not container and uid not in consumed
    del consumed
    graph = Graph(node_of, unit_of, [[] for _ in range(size)], finished, item)
    children = graph.children
    for p, c in conn.execute(select(edge.c.parent_id, edge.c.child_id)).yield_per(BATCH):
        a, b = node_of.get(p), node_of.get(c)
        if a is not None and b is not None:
            children[a].append(b)
    for n in range(size):
        if len(children[n]) > 1:
            children[n] = sorted(set(children[n]))
    seen: dict[int, set[str]] = defaultdict(set)
    for uid, event_id, customer_id, occurred_at, qty in shipped:  # first shipments first
        if uid not in node_of or uid not in facts:
            continue
        n = node_of[uid]
        container, _item, uom, _made = facts[uid]
        graph.lines.setdefault(n, []).append(_Line(event_id, customer_id, occurred_at, uom, container,
                                                   round(float(qty), 9), customer_id not in seen[n], not seen[n]))
        seen[n].add(customer_id)
    return graph


@dataclass(slots=True)
class Reached:
    """What one ancestor reaches: its rows of reach, reach_item and reach_shipment."""

    node: int
    pairs: dict[int, int]
    items: dict[str, int]
    shipments: dict[tuple[str, str], list[Any]]


def reached(graph: Graph) -> Iterator[Reached]:
    """Every numbered node with what it reaches, in node order."""
    lines, finished, item = graph.lines, graph.finished, graph.item
    for node in range(1, len(graph.unit_of)):
        if not graph.unit_of[node]:
            continue
        pairs = graph.walk(node)
        items: dict[str, int] = defaultdict(int)
        shipments: dict[tuple[str, str], list[Any]] = {}
        for d in pairs:
            if finished[d] and item[d] is not None:
                items[item[d]] += 1  # type: ignore[index]
            for ln in lines.get(d, ()):
                row = shipments.setdefault((ln.event_id, ln.uom), [ln.customer_id, ln.occurred_at, 0, 0, 0, 0.0])
                if not ln.container:
                    row[2] += 1
                    row[3] += ln.first_to_customer
                    row[4] += ln.first_shipment
                    row[5] = round(row[5] + ln.qty, 9)
        yield Reached(node, pairs, dict(items), shipments)


def rebuild(conn: Connection, progress: Progress | None = None) -> dict[str, int]:
    """Empties the reachability's tables and fills them from the edges and shipments; returns row counts.
    Runs in the caller's transaction."""
    say = progress or (lambda _msg: None)
    for table in TABLES:
        conn.execute(table.delete())
    reverse = next(i for i in Reach.__table__.indexes if i.name == "ix_reach_descendant")  # type: ignore[attr-defined]
    reverse.drop(conn)  # built once at the end, sorted, instead of row by row in descendant order
    say("reading the genealogy")
    graph = load(conn)
    node_rows, reach_rows, item_rows, shipment_rows = [], [], [], []
    counts = dict.fromkeys(("reach_node", "reach", "reach_item", "reach_shipment", "shipped_line"), 0)
    writer = _Writer(conn)
    say(f"walking from {len(graph.node_of):,} units")
    for r in reached(graph):
        node_rows.append((r.node, graph.unit_of[r.node], graph.finished[r.node], len(r.pairs),
                          max(r.pairs.values(), default=0)))
        reach_rows.extend((r.node, d, n) for d, n in sorted(r.pairs.items()))
        item_rows.extend((r.node, i, n) for i, n in sorted(r.items.items()))
        shipment_rows.extend((r.node, e, u, *v) for (e, u), v in sorted(r.shipments.items()))
        if len(reach_rows) >= BATCH or len(node_rows) >= BATCH:
            _write_all(writer, counts, node_rows, reach_rows, item_rows, shipment_rows)
    _write_all(writer, counts, node_rows, reach_rows, item_rows, shipment_rows)
    counts["shipped_line"] = writer.write(ShippedLine.__table__, [  # type: ignore[attr-defined]
        (n, ln.event_id, ln.customer_id, ln.occurred_at, ln.uom, ln.container, ln.qty, ln.first_to_customer,
         ln.first_shipment) for n, held in sorted(graph.lines.items()) for ln in held])
    say("indexing")
    reverse.create(conn)
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT setval(pg_get_serial_sequence('reach_node', 'node'), "
                          "COALESCE(MAX(node), 0) + 1, false) FROM reach_node"))
    return counts


def _write_all(writer: _Writer, counts: dict[str, int], *rows: list[tuple[Any, ...]]) -> None:
    for table, held in zip((ReachNode, Reach, ReachItem, ReachShipment), rows, strict=True):
        counts[table.__tablename__] += writer.write(table.__table__, held)  # type: ignore[attr-defined]


class _Writer:
    """Rows as tuples in the table's column order: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def write(self, table: Table, rows: list[tuple[Any, ...]]) -> int:
        n = len(rows)
        if not rows:
            return 0
        names = [c.name for c in table.columns]
        if self.conn.dialect.name == "postgresql":
            schema = self.conn.dialect.identifier_preparer.format_table(table)
            with self.conn.connection.driver_connection.cursor() as cur, \
                    cur.copy(f"COPY {schema} ({', '.join(names)}) FROM STDIN") as copy:  # type: ignore[union-attr]
                for row in rows:
                    copy.write_row(row)
        elif any(isinstance(c.type, UTCDateTime) for c in table.columns):  # values the column type converts
            insert_many(self.conn, table, [dict(zip(names, row, strict=True)) for row in rows])
        else:  # ints, text, floats and flags go to sqlite3 as they are
            self.conn.exec_driver_sql(f"INSERT INTO {table.name} ({', '.join(names)}) "
                                      f"VALUES ({', '.join('?' * len(names))})", rows)
        rows.clear()
        return n


# -- proving it -------------------------------------------------------------------------------------------------
@dataclass
class ReachDrift:
    """Where the stored reachability disagrees with the edges and shipments; `problems` names the first few."""

    pairs_missing: int = 0
    pairs_extra: int = 0
    depth_wrong: int = 0
    nodes_wrong: int = 0
    items_wrong: int = 0
    shipments_wrong: int = 0
    lines_wrong: int = 0
    problems: list[str] = field(default_factory=list)

    def note(self, what: str, problem: str) -> None:
        setattr(self, what, getattr(self, what) + 1)
        if len(self.problems) < 50:
            self.problems.append(problem)

    def __bool__(self) -> bool:
        return any((self.pairs_missing, self.pairs_extra, self.depth_wrong, self.nodes_wrong, self.items_wrong,
                    self.shipments_wrong, self.lines_wrong))


def reach_drift(conn: Connection) -> ReachDrift:
    """Recomputes the reachability from the edges and shipments with the stored node numbers and compares it with
    what is stored, row by row; empty (falsy) when all is well."""
    drift = ReachDrift()
    node_tab = ReachNode.__table__  # type: ignore[attr-defined]
    stored_nodes = {r.unit_id: r for r in conn.execute(select(node_tab))}
    graph = load(conn, {u: r.node for u, r in stored_nodes.items()})
    units = set(graph.unit_of)
    for uid in _needing_nodes(conn) - units:
        drift.note("nodes_wrong", f"unit {uid} has edges or shipments but no reach_node")
    _check_lines(conn, graph, drift)  # and takes the stored first-shipment marks, which follow commit order
    pair_rows = _ByAncestor(conn, Reach.__table__, ("descendant", "depth"))  # type: ignore[attr-defined]
    item_rows = _ByAncestor(conn, ReachItem.__table__, ("item_id", "finished"))  # type: ignore[attr-defined]
    ship_rows = _ByAncestor(conn, ReachShipment.__table__,  # type: ignore[attr-defined]
                             ("event_id", "uom", "customer_id", "occurred_at", "units", "first_to_customer",
                              "first_shipment", "qty"))
    for r in reached(graph):
        uid = graph.unit_of[r.node]
        held = stored_nodes[uid]
        if held.finished != graph.finished[r.node] or held.descendants != len(r.pairs) \
                or held.depth < max(r.pairs.values(), default=0):
            drift.note("nodes_wrong", f"reach_node {r.node} (unit {uid}): finished {held.finished}, "
                                      f"{held.descendants} descendants, depth {held.depth}; the edges say "
                                      f"{graph.finished[r.node]}, {len(r.pairs)}, {max(r.pairs.values(), default=0)}")
        stored = {d: n for d, n in pair_rows.take(r.node)}
        for d, n in r.pairs.items():
            if d not in stored:
                drift.note("pairs_missing", f"{r.node} → {d} (depth {n}) missing")
            elif stored[d] != n:
                drift.note("depth_wrong", f"{r.node} → {d}: depth {stored[d]}, the edges say {n}")
        for d in stored.keys() - r.pairs.keys():
            drift.note("pairs_extra", f"{r.node} → {d} stored, but no edges lead there")
        items = {i: n for i, n in item_rows.take(r.node) if n}
        if items != r.items:
            drift.note("items_wrong", f"reach_item of {r.node}: {items}, the edges say {r.items}")
        ships = {(e, u): [c, _utc(t), *rest] for e, u, c, t, *rest in ship_rows.take(r.node)}
        if not _same_shipments(ships, r.shipments):
            drift.note("shipments_wrong", f"reach_shipment of {r.node} differs from its shipped descendants")
    for what, rows in (("pairs_extra", pair_rows), ("items_wrong", item_rows), ("shipments_wrong", ship_rows)):
        for ancestor in rows.left():
            drift.note(what, f"rows of ancestor {ancestor}, which is no reach_node")
    return drift


def _needing_nodes(conn: Connection) -> set[str]:
    return set(conn.execute(text(
        "SELECT parent_id FROM genealogy_edge UNION SELECT child_id FROM genealogy_edge UNION "
        "SELECT l.unit_id FROM event_line l JOIN event ev ON ev.id = l.event_id "
        "WHERE ev.type = 'ship' AND ev.customer_id IS NOT NULL")).scalars())


def _check_lines(conn: Connection, graph: Graph, drift: ReachDrift) -> None:
    """shipped_line against the ship events: the same lines, and one first shipment per unit and customer."""
    line = ShippedLine.__table__  # type: ignore[attr-defined]
    stored = {(r.node, r.event_id): r for r in conn.execute(select(line))}
    expected = {(n, ln.event_id): ln for n, held in graph.lines.items() for ln in held}
    for key in expected.keys() - stored.keys():
        drift.note("lines_wrong", f"shipment {key[1]} of node {key[0]} has no shipped_line")
    for key in stored.keys() - expected.keys():
        drift.note("lines_wrong", f"shipped_line {key} matches no shipment")
    firsts: dict[tuple[int, str], int] = defaultdict(int)
    first_any: dict[int, int] = defaultdict(int)
    for (node, event_id), r in stored.items():
        want = expected.get((node, event_id))
        if want is not None:
            if (r.customer_id, r.uom, bool(r.container)) != (want.customer_id, want.uom, want.container) \
                    or not _close(r.qty, want.qty):
                drift.note("lines_wrong", f"shipped_line {node}/{event_id} differs from its event lines")
            want.first_to_customer, want.first_shipment = bool(r.first_to_customer), bool(r.first_shipment)
        firsts[(node, r.customer_id)] += r.first_to_customer
        first_any[node] += r.first_shipment
    for (node, customer_id), n in firsts.items():
        if n != 1:
            drift.note("lines_wrong", f"node {node} has {n} first shipments to customer {customer_id}")
    for node, n in first_any.items():
        if n != 1:
            drift.note("lines_wrong", f"node {node} has {n} first shipments")


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


def _same_shipments(stored: dict[tuple[str, str], list[Any]], computed: dict[tuple[str, str], list[Any]]) -> bool:
    if stored.keys() != computed.keys():
        return False
    for key, (customer, at, units, first_c, first_s, qty) in stored.items():
        want = computed[key]
        if [customer, at, units, first_c, first_s] != [want[0], _utc(want[1]), *want[2:5]] \
                or not _close(qty, want[5]):
            return False
    return True


class _ByAncestor:
    """Stored rows of a per-ancestor table, read once in ancestor order and handed out one ancestor at a time."""

    def __init__(self, conn: Connection, table: Table, columns: tuple[str, ...]) -> None:
        self._skipped: list[int] = []
        self._rows = iter(conn.execute(select(table.c.ancestor, *(table.c[c] for c in columns))
                                       .order_by(table.c.ancestor)).yield_per(BATCH))
        self._head: Any = next(self._rows, None)

    def take(self, ancestor: int) -> list[tuple[Any, ...]]:
        """The rows of `ancestor`; rows of smaller ancestors not taken before are skipped (left() reports them)."""
        out = []
        while self._head is not None and self._head[0] <= ancestor:
            if self._head[0] == ancestor:
                out.append(tuple(self._head[1:]))
            else:
                self._skipped.append(self._head[0])
            self._head = next(self._rows, None)
        return out

    def left(self) -> list[int]:
        rest = [r[0] for r in self._rows] + ([self._head[0]] if self._head is not None else [])
        return sorted(set(self._skipped + rest))


def _utc(value: datetime | str) -> datetime:
    parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)

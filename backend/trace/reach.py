"""Keeps the reachability (backend/trace/models.py) in the transaction of every edge and every shipment.

The services call `ReachWriter.link` after they add genealogy edges (produce, pack) and `ReachWriter.shipped`
after they record a shipment, before they commit: what a recall reads is then always what the edges say. Edges
and shipments are never deleted (unpack, returns, scrap and status changes leave them, as they leave the walk),
so the reachability only grows; a finished unit stops being one when a transform edge consumes it.

On PostgreSQL the writers take one transaction-scoped advisory lock: two transactions adding edges that meet
(one makes lot L, the other consumes it) must not each miss the other's half of a new path.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, bindparam, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from backend.trace.models import GenealogyEdge, Reach, ReachItem, ReachNode, ReachShipment, ShippedLine
from shared_models.enums import EdgeKind
from shared_models.trace import Event
from sync.server.bulk import insert_many

LOCK_KEY = 0x5EAC4  # pg_advisory_xact_lock key of the reachability's writers
IN_CHUNK = 900      # ids per IN (...) list
NODE: Table = ReachNode.__table__  # type: ignore[attr-defined]
REACH: Table = Reach.__table__  # type: ignore[attr-defined]
ITEM: Table = ReachItem.__table__  # type: ignore[attr-defined]
LINE: Table = ShippedLine.__table__  # type: ignore[attr-defined]
SHIPMENT: Table = ReachShipment.__table__  # type: ignore[attr-defined]

# A unit is finished when a work order made it, it is no container, and no transform edge consumed it.
FINISHED_SQL = """
SELECT u.id, u.work_order_id IS NOT NULL AND u.kind <> 'container' AND NOT EXISTS (
  SELECT 1 FROM genealogy_edge e WHERE e.parent_id = u.id AND e.kind = 'transform')
FROM unit u WHERE u.id IN :ids
"""


@dataclass(slots=True)
class _Facts:
    """What the aggregates read of a unit."""

    item_id: str | None
    uom: str
    container: bool


def lock(session: Session) -> None:
    """Serialises the reachability's writers until the transaction ends (PostgreSQL; SQLite has one writer)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})


def chunks(values: Iterable[Any], size: int = IN_CHUNK) -> list[list[Any]]:
    unique = list(dict.fromkeys(values))
    return [unique[i:i + size] for i in range(0, len(unique), size)]


class ReachWriter:
    """Adds to the reachability what one command recorded; commits nothing."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # -- edges ---------------------------------------------------------------------------------------------------
    def link(self, edges: Sequence[GenealogyEdge]) -> None:
        """Everything the new `edges` connect: pairs with their shortest depth, descendant counts, finished counts
        per item and the shipments newly reached."""
        if not edges:
            return
        self.session.flush()
        lock(self.session)
        nodes = self.nodes([u for e in edges for u in (e.parent_id, e.child_id)])
        consumed = {nodes[e.parent_id] for e in edges if e.kind is EdgeKind.TRANSFORM}
        self._consume(consumed)
        into: dict[int, list[int]] = {}  # edges into one unit (a produce's output, a carton) are joined at once
        for edge in edges:
            into.setdefault(nodes[edge.child_id], []).append(nodes[edge.parent_id])
        for child, parents in into.items():
            self._connect(parents, child)

    def _consume(self, consumed: set[int]) -> None:
        """Finished units a transform edge consumed: no longer finished, and no longer counted by their ancestors."""
        gone = [n for (n,) in rows_in(self.session, "SELECT node FROM reach_node WHERE finished AND node IN :ids",
                                      sorted(consumed))]
        if not gone:
            return
        self.session.connection().execute(NODE.update().where(NODE.c.node.in_(gone)).values(finished=False))
        facts = self.facts(gone)
        minus: dict[tuple[int, str], int] = defaultdict(int)
        for ancestor, node, _depth in self.ancestors(gone):
            item = facts[node].item_id
            if item is not None:
                minus[(ancestor, item)] -= 1
        self._add_items(minus)

    def _connect(self, parents: list[int], child: int) -> None:
        """New edges parents → child: every ancestor of a parent (and the parent) now reaches the child and all it
        reaches, each pair at its shortest depth."""
        above: dict[int, int] = {}  # ancestor → shortest path to the child
        for a, n in [*((p, 0) for p in parents), *((a, d) for a, _p, d in self.ancestors(parents))]:
            above[a] = min(above.get(a, n + 1), n + 1)
        below = {child: 0, **{d: depth for _a, d, depth in self.descendants([child])}}
        held = self.held(list(above), list(below))
        new: list[tuple[int, int, int]] = []
        shorter: list[tuple[int, int, int]] = []
        for a, da in above.items():
            for d, dd in below.items():
                if a == d:
                    continue  # a cycle the data slipped in: no unit reaches itself
                depth = da + dd
                known = held.get((a, d))
                if known is None:
                    new.append((a, d, depth))
                elif depth < known:
                    shorter.append((a, d, depth))
        if shorter:
            self.session.connection().execute(
                REACH.update().where(REACH.c.ancestor == bindparam("a"), REACH.c.descendant == bindparam("d"))
                .values(depth=bindparam("new_depth")), [{"a": a, "d": d, "new_depth": n} for a, d, n in shorter])
        if new:
            self.added(new)

    def added(self, pairs: list[tuple[int, int, int]]) -> None:
        """Stores new (ancestor, descendant, depth) pairs and what they add to the per-ancestor figures."""
        pairs.sort()
        insert_many(self.session.connection(), REACH,
                    [{"ancestor": a, "descendant": d, "depth": n} for a, d, n in pairs])
        counts: dict[int, list[int]] = {}
        for a, _d, n in pairs:
            held = counts.setdefault(a, [0, 0])
            held[0] += 1
            held[1] = max(held[1], n)
        greatest = func.greatest if self.session.get_bind().dialect.name == "postgresql" else func.max
        self.session.connection().execute(
            NODE.update().where(NODE.c.node == bindparam("n"))
            .values(descendants=NODE.c.descendants + bindparam("k"), depth=greatest(NODE.c.depth, bindparam("deep"))),
            [{"n": a, "k": k, "deep": depth} for a, (k, depth) in sorted(counts.items())])
        finished = self.finished_items({d for _a, d, _n in pairs})
        plus: dict[tuple[int, str], int] = defaultdict(int)
        for a, d, _n in pairs:
            if d in finished:
                plus[(a, finished[d])] += 1
        self._add_items(plus)
        lines: dict[int, list[Any]] = defaultdict(list)
        for ids in chunks(sorted({d for _a, d, _n in pairs})):
            for row in self.session.connection().execute(select(*LINE.c).where(LINE.c.node.in_(ids))):
                lines[row[0]].append(tuple(row))
        if lines:
            self._add_shipments([(a, line) for a, d, _n in pairs for line in lines.get(d, ())])

    # -- shipments -----------------------------------------------------------------------------------------------
    def shipped(self, event: Event) -> None:
        """A shipment's lines, per unit, and what each ancestor of a shipped unit now reaches of it."""
        assert event.customer_id is not None, "a shipment goes to a customer"
        self.session.flush()
        lock(self.session)
        per_unit: dict[str, float] = defaultdict(float)
        for unit_id, qty in self.session.execute(
                text("SELECT unit_id, qty FROM event_line WHERE event_id = :e ORDER BY unit_id"), {"e": event.id}):
            per_unit[unit_id] = round(per_unit[unit_id] + qty, 9)
        if not per_unit:
            return
        nodes = self.nodes(per_unit)
        facts = self.facts(list(nodes.values()))
        seen: dict[int, set[str]] = defaultdict(set)
        for node, customer_id in rows_in(self.session, "SELECT node, customer_id FROM shipped_line WHERE node IN :ids",
                                         sorted(nodes.values())):
            seen[node].add(customer_id)
        rows = []
        for unit_id, qty in per_unit.items():
            node = nodes[unit_id]
            f = facts[node]
            rows.append({"node": node, "event_id": event.id, "customer_id": event.customer_id,
                         "occurred_at": event.occurred_at, "uom": f.uom, "container": f.container, "qty": qty,
                         "first_to_customer": event.customer_id not in seen[node],
                         "first_shipment": not seen[node]})
        rows.sort(key=lambda r: r["node"])
        insert_many(self.session.connection(), LINE, rows)
        by_node = {r["node"]: r for r in rows}
        self._add_shipments([(a, _line(by_node[n])) for a, n, _d in self.ancestors(list(by_node))])

    def _add_shipments(self, reached: Iterable[tuple[int, Sequence[Any]]]) -> None:
        """Adds (ancestor, shipped line) contributions to reach_shipment, one row per ancestor, event and uom."""
        sums: dict[tuple[int, str, str], list[Any]] = {}
        for a, (_node, event_id, customer_id, occurred_at, uom, container, qty, first_c, first_s) in reached:
            row = sums.setdefault((a, event_id, uom), [customer_id, occurred_at, 0, 0, 0, 0.0])
            if not container:
                row[2] += 1
                row[3] += int(bool(first_c))
                row[4] += int(bool(first_s))
                row[5] = round(row[5] + qty, 9)
        self._add(SHIPMENT, ("ancestor", "event_id", "uom"),
                  [{"ancestor": a, "event_id": e, "uom": u, "customer_id": r[0], "occurred_at": r[1], "units": r[2],
                    "first_to_customer": r[3], "first_shipment": r[4], "qty": r[5]}
                   for (a, e, u), r in sorted(sums.items())],
                  ("units", "first_to_customer", "first_shipment", "qty"))

    def _add_items(self, counts: dict[tuple[int, str], int]) -> None:
        self._add(ITEM, ("ancestor", "item_id"),
                  [{"ancestor": a, "item_id": i, "finished": n} for (a, i), n in sorted(counts.items())], ("finished",))

    # -- reading -------------------------------------------------------------------------------------------------
    def nodes(self, unit_ids: Iterable[str]) -> dict[str, int]:
        """Unit id → node, numbering the units that have none yet (their finished flag read from the unit)."""
        wanted = list(dict.fromkeys(unit_ids))
        found = node_numbers(self.session, wanted)
        missing = [u for u in wanted if u not in found]
        if missing:
            finished = dict(rows_in(self.session, FINISHED_SQL, missing))
            self.session.connection().execute(NODE.insert(), [
                {"unit_id": u, "finished": bool(finished[u]), "descendants": 0, "depth": 0} for u in missing])
            found.update(node_numbers(self.session, missing))
        return found

    def ancestors(self, nodes: Iterable[int]) -> list[tuple[Any, ...]]:
        """(ancestor, node, depth) for every ancestor of `nodes`."""
        return rows_in(self.session, "SELECT ancestor, descendant, depth FROM reach WHERE descendant IN :ids",
                       sorted(nodes))

    def descendants(self, nodes: Iterable[int]) -> list[tuple[Any, ...]]:
        """(node, descendant, depth) for every descendant of `nodes`."""
        return rows_in(self.session, "SELECT ancestor, descendant, depth FROM reach WHERE ancestor IN :ids",
                       sorted(nodes))

    def held(self, ancestors: list[int], descendants: list[int]) -> dict[tuple[int, int], int]:
        """Stored pairs among `ancestors` × `descendants`, with their depth."""
        held: dict[tuple[int, int], int] = {}
        for part in chunks(sorted(ancestors), 400):
            held.update(((a, d), n) for a, d, n in rows_in(
                self.session, f"SELECT ancestor, descendant, depth FROM reach WHERE descendant IN :ids "
                              f"AND ancestor IN ({', '.join(str(int(a)) for a in part)})", sorted(descendants), 400))
        return held

    def facts(self, nodes: Iterable[int]) -> dict[int, _Facts]:
        return {node: _Facts(item_id, uom, kind == "container") for node, item_id, uom, kind in rows_in(
            self.session, "SELECT n.node, u.item_id, u.uom, u.kind FROM reach_node n JOIN unit u ON u.id = n.unit_id "
                          "WHERE n.node IN :ids", sorted(nodes))}

    def finished_items(self, nodes: Iterable[int]) -> dict[int, str]:
        """Finished node → its item, among `nodes`."""
        return dict(rows_in(self.session, "SELECT n.node, u.item_id FROM reach_node n JOIN unit u ON u.id = n.unit_id "
                                          "WHERE n.finished AND u.item_id IS NOT NULL AND n.node IN :ids",
                            sorted(nodes)))

    # -- writing -------------------------------------------------------------------------------------------------
    def _add(self, table: Table, keys: tuple[str, ...], rows: list[dict[str, Any]], added: tuple[str, ...]) -> None:
        """INSERTs `rows`; where the key is stored already, adds their `added` columns to the stored ones."""
        if not rows:
            return
        dialect = self.session.get_bind().dialect.name
        stmt = (postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table))
        stmt = stmt.on_conflict_do_update(index_elements=list(keys),
                                          set_={c: table.c[c] + stmt.excluded[c] for c in added})
        self.session.connection().execute(stmt, rows)


def node_numbers(session: Session, unit_ids: Iterable[str]) -> dict[str, int]:
    """Unit id → node, for the units that have one."""
    return dict(rows_in(session, "SELECT unit_id, node FROM reach_node WHERE unit_id IN :ids", unit_ids))


def rows_in(session: Session, sql: str, ids: Iterable[Any], size: int = IN_CHUNK) -> list[tuple[Any, ...]]:
    """The rows of `sql`, whose `IN :ids` takes `ids` a chunk at a time."""
    stmt = text(sql).bindparams(bindparam("ids", expanding=True))
    return [tuple(r) for part in chunks(ids, size) for r in session.execute(stmt, {"ids": part})]


def _line(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["node"], row["event_id"], row["customer_id"], row["occurred_at"], row["uom"], row["container"],
            row["qty"], row["first_to_customer"], row["first_shipment"])

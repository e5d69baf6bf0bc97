"""Reading the reachability: what one unit reaches downstream (its descendants, the shipments and customers they
went to) without walking the graph, and any set of seeds' scope as a temporary table like the walk's."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from uuid import uuid4

from sqlalchemy import bindparam, text
from sqlmodel import Session, select

from backend.trace.models import ReachNode, ReachShipment, ShippedLine
from backend.trace.schemas import CustomerReached, QtyByUom, Shipment
from shared_models.masterdata import Customer
from shared_models.trace import Event


@dataclass(frozen=True, slots=True)
class Reach:
    """A unit's place in the reachability: no node means no edges and no shipments."""

    unit_id: str
    node: int | None
    descendants: int = 0
    depth: int = 0        # an upper bound of its descendants' depth
    finished: bool = False

    def complete_within(self, max_depth: int) -> bool:
        """Whether a walk of `max_depth` reaches every descendant: the per-ancestor figures then answer it."""
        return self.depth <= max_depth


@dataclass(frozen=True, slots=True)
class Shipped:
    """What of one shipment, in one unit of measure, a scope reaches (see ReachShipment)."""

    event_id: str
    uom: str
    customer_id: str
    occurred_at: datetime
    units: int
    first_to_customer: int
    first_shipment: int
    qty: float


def reach_of(session: Session, unit_id: str) -> Reach:
    row = session.exec(select(ReachNode.node, ReachNode.descendants, ReachNode.depth, ReachNode.finished)  # type: ignore[call-overload]
                       .where(ReachNode.unit_id == unit_id)).first()
    return Reach(unit_id, None) if row is None else Reach(unit_id, *row)


def shipped_from(session: Session, reach: Reach) -> list[Shipped]:
    """The shipments a unit and everything downstream of it reached: its descendants' per-ancestor rows and the
    unit's own lines, in one form."""
    if reach.node is None:
        return []
    rs, ln = ReachShipment, ShippedLine
    found = [Shipped(*r) for r in session.exec(  # type: ignore[call-overload]
        select(rs.event_id, rs.uom, rs.customer_id, rs.occurred_at, rs.units, rs.first_to_customer, rs.first_shipment,
               rs.qty).where(rs.ancestor == reach.node))]
    for event_id, uom, customer_id, at, container, qty, first_c, first_s in session.exec(  # type: ignore[call-overload]
            select(ln.event_id, ln.uom, ln.customer_id, ln.occurred_at, ln.container, ln.qty, ln.first_to_customer,
                   ln.first_shipment).where(ln.node == reach.node)):
        found.append(Shipped(event_id, uom, customer_id, at, 0, 0, 0, 0.0) if container else
                     Shipped(event_id, uom, customer_id, at, 1, int(first_c), int(first_s), qty))
    return found


def customers_of(session: Session, shipped: Sequence[Shipped]) -> list[CustomerReached]:
    """Per customer reached: shipments, distinct units (containers aside), quantity, first and last shipment."""
    groups: dict[str, list[Shipped]] = {}
    for s in shipped:
        groups.setdefault(s.customer_id, []).append(s)
    names = _customers(session, list(groups))
    out = [CustomerReached(code=names[c][0], name=names[c][1], kind=names[c][2], shipments=len({s.event_id for s in g}),
                           units=sum(s.first_to_customer for s in g), qty=round(sum(s.qty for s in g), 9),
                           first_shipped_at=min(s.occurred_at for s in g),
                           last_shipped_at=max(s.occurred_at for s in g))
           for c, g in groups.items()]
    return sorted(out, key=lambda c: (-c.units, c.code))


def shipments_of(session: Session, shipped: Sequence[Shipped]) -> list[Shipment]:
    """Per shipment reached: its customer, the distinct units (containers aside) and their quantity."""
    groups: dict[str, list[Shipped]] = {}
    for s in shipped:
        groups.setdefault(s.event_id, []).append(s)
    names = _customers(session, list({s.customer_id for s in shipped}))
    refs: dict[str, str] = {}
    ids = list(groups)
    for start in range(0, len(ids), 900):
        refs.update((i, r) for i, r in session.exec(  # type: ignore[call-overload]
            select(Event.id, Event.reference).where(Event.id.in_(ids[start:start + 900]))))  # type: ignore[attr-defined]
    out = []
    for event_id, g in groups.items():
        c = names[g[0].customer_id]
        out.append(Shipment(event_id=event_id, reference=refs[event_id], shipped_at=g[0].occurred_at,
                            customer_code=c[0], customer_name=c[1], customer_kind=c[2],
                            units=sum(s.units for s in g), qty=round(sum(s.qty for s in g), 9)))
    return sorted(out, key=lambda s: (s.shipped_at, s.reference))


def shipped_by_uom(shipped: Sequence[Shipped]) -> list[QtyByUom]:
    """Distinct units shipped (to anyone, containers aside) and their quantity, per unit of measure."""
    groups: dict[str, list[Shipped]] = {}
    for s in shipped:
        groups.setdefault(s.uom, []).append(s)
    return [QtyByUom(uom=uom, units=sum(s.first_shipment for s in g), qty=round(sum(s.qty for s in g), 9))
            for uom, g in sorted(groups.items()) if any(s.units for s in g)]


def _customers(session: Session, ids: list[str]) -> dict[str, tuple[str, str, str]]:
    if not ids:
        return {}
    return {c.id: (c.code, c.name, c.kind.value) for c in session.exec(
        select(Customer).where(Customer.id.in_(ids)))}  # type: ignore[attr-defined]


@contextmanager
def materialized_reach(session: Session, seeds: Sequence[str], max_depth: int) -> Iterator[str]:
    """The seeds and what they reach within `max_depth`, as a temporary table (unit_id, depth) shaped like
    backend.trace.walk.materialized_walk's, read from the reachability instead of walked."""
    name = f"reach_{uuid4().hex[:12]}"
    stmt = text(f"""CREATE TEMPORARY TABLE {name} AS
SELECT unit_id, MIN(depth) AS depth FROM (
  SELECT u.id AS unit_id, 0 AS depth FROM unit u WHERE u.id IN :seeds
  UNION ALL
  SELECT d.unit_id, r.depth FROM reach_node a JOIN reach r ON r.ancestor = a.node
  JOIN reach_node d ON d.node = r.descendant
  WHERE a.unit_id IN :seeds AND r.depth <= :max_depth
) found GROUP BY unit_id""").bindparams(bindparam("seeds", expanding=True))
    session.execute(stmt, {"seeds": list(seeds), "max_depth": max_depth})
    session.execute(text(f"CREATE INDEX ix_{name} ON {name} (unit_id)"))
    session.execute(text(f"ANALYZE {name}"))  # as the walk's: planners start from it only with statistics
    try:
        yield name
    finally:
        session.execute(text(f"DROP TABLE IF EXISTS {name}"))

"""Genealogy edges and the reachability kept beside them (server-only tables).

The reachability answers "everything downstream of this unit" without walking the graph: `reach` holds every
(ancestor, descendant) pair the edges connect, with the length of the shortest path, over small integer node
numbers (`reach_node`); `reach_item` and `reach_shipment` keep, per ancestor, what a recall counts of its
descendants. backend/trace/reach.py keeps them in the transaction of every edge and shipment;
backend/trace/reach_build.py rebuilds them from the edges and proves them (`lotline check`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Integer, PrimaryKeyConstraint, SmallInteger, UniqueConstraint
from sqlalchemy.orm import relationship
from sqlmodel import Field, Relationship, SQLModel

from shared_models.enums import EdgeKind, LineRole
from shared_models.trace import Event
from shared_models.types import UTCDateTime, enum_type, new_id


class GenealogyEdge(SQLModel, table=True):
    """Input unit → output unit, with the quantity and the event that joined them."""

    __tablename__ = "genealogy_edge"
    __table_args__ = (
        UniqueConstraint("parent_id", "child_id", "event_id", name="uq_edge"),
        Index("ix_edge_child", "child_id", "parent_id"),
        Index("ix_edge_parent", "parent_id", "child_id"),
    )
    id: str = Field(default_factory=new_id, primary_key=True)
    parent_id: str = Field(foreign_key="unit.id")
    child_id: str = Field(foreign_key="unit.id")
    kind: EdgeKind = Field(default=EdgeKind.TRANSFORM, sa_type=enum_type(EdgeKind))
    qty: float
    event_id: str = Field(foreign_key="event.id")


class ReachNode(SQLModel, table=True):
    """A unit that has an edge or a shipment, numbered for `reach`, with what recall reads of it."""

    __tablename__ = "reach_node"
    node: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    unit_id: str = Field(foreign_key="unit.id", unique=True, max_length=36)
    # made by a work order, not a container, and gone into nothing further by a transform edge
    finished: bool
    descendants: int = 0   # rows of `reach` with this node as ancestor
    depth: int = 0         # no descendant lies deeper: an upper bound (a shorter path found later leaves it)


class Reach(SQLModel, table=True):
    """`descendant` is reached from `ancestor` by edges; `depth` is the shortest such path (no pair of a unit
    with itself)."""

    __tablename__ = "reach"
    __table_args__ = (
        PrimaryKeyConstraint("ancestor", "descendant", postgresql_include=["depth"]),
        Index("ix_reach_descendant", "descendant", "ancestor", postgresql_include=["depth"]),
        {"sqlite_with_rowid": False},
    )
    ancestor: int = Field(primary_key=True)
    descendant: int = Field(primary_key=True)
    depth: int = Field(sa_type=SmallInteger)


class ReachItem(SQLModel, table=True):
    """How many finished units of one item an ancestor reaches (rows at 0 may stay)."""

    __tablename__ = "reach_item"
    __table_args__ = (PrimaryKeyConstraint("ancestor", "item_id"), {"sqlite_with_rowid": False})
    ancestor: int = Field(primary_key=True)
    item_id: str = Field(primary_key=True, max_length=36)
    finished: int


class ShippedLine(SQLModel, table=True):
    """One unit's part in one shipment: what the reachability's shipment figures are made of. `first_to_customer`
    marks the unit's first shipment to that customer, `first_shipment` its first shipment at all, so distinct
    units add up from per-shipment rows."""

    __tablename__ = "shipped_line"
    __table_args__ = (PrimaryKeyConstraint("node", "event_id"), Index("ix_shipped_line_event", "event_id"))
    node: int = Field(primary_key=True)
    event_id: str = Field(primary_key=True, foreign_key="event.id", max_length=36)
    customer_id: str = Field(foreign_key="customer.id", max_length=36)
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    uom: str = Field(max_length=16)
    container: bool
    qty: float               # the unit's lines on the shipment, added
    first_to_customer: bool
    first_shipment: bool


class ReachShipment(SQLModel, table=True):
    """What of one shipment an ancestor reaches, per unit of measure: distinct units (containers aside), how many
    of them shipped to this customer or at all for the first time, and their quantity. A row with 0 units says a
    container in reach went out on it."""

    __tablename__ = "reach_shipment"
    __table_args__ = (PrimaryKeyConstraint("ancestor", "event_id", "uom"),)
    ancestor: int = Field(primary_key=True)
    event_id: str = Field(primary_key=True, max_length=36)
    uom: str = Field(primary_key=True, max_length=16)
    customer_id: str = Field(max_length=36)
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    units: int
    first_to_customer: int
    first_shipment: int
    qty: float


class EventLine(SQLModel, table=True):
    """One unit's part in an event; stock on hand is the sum of these lines."""

    __tablename__ = "event_line"
    __table_args__ = (Index("ix_eventline_unit_role", "unit_id", "role"),)
    id: str = Field(default_factory=new_id, primary_key=True)
    event_id: str = Field(foreign_key="event.id", index=True)
    unit_id: str = Field(foreign_key="unit.id")
    role: LineRole = Field(sa_type=enum_type(LineRole))
    qty: float
    from_location_id: str | None = Field(default=None, foreign_key="location.id")
    to_location_id: str | None = Field(default=None, foreign_key="location.id")
    book_qty: float | None = None  # count events: what the book said at count time
    # Tells the unit of work that an event goes in before its lines: mappers it cannot order by a relationship it
    # flushes by class path, and backend.trace.models.EventLine sorts before shared_models.trace.Event.
    event: Event | None = Relationship(sa_relationship=relationship(Event))

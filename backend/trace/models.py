"""Genealogy edges: which unit went into which (server-only table)."""

from __future__ import annotations

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from shared_models.enums import EdgeKind
from shared_models.types import enum_type, new_id


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

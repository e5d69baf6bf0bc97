"""Bills of materials (server-only tables)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from shared_models.enums import BomStatus
from shared_models.types import UTCDateTime, enum_type, new_id, utcnow


class Bom(SQLModel, table=True):
    """One version of an item's bill of materials; released versions are immutable."""

    __table_args__ = (UniqueConstraint("item_id", "version_no"),)
    id: str = Field(default_factory=new_id, primary_key=True)
    item_id: str = Field(foreign_key="item.id", index=True)
    version_no: int = Field(ge=1)
    status: BomStatus = Field(default=BomStatus.DRAFT, sa_type=enum_type(BomStatus))
    note: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    released_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class BomLine(SQLModel, table=True):
    __tablename__ = "bom_line"
    __table_args__ = (UniqueConstraint("bom_id", "component_item_id"),)
    id: str = Field(default_factory=new_id, primary_key=True)
    bom_id: str = Field(foreign_key="bom.id", index=True)
    component_item_id: str = Field(foreign_key="item.id")
    qty_per: float = Field(gt=0)

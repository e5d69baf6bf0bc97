"""Recall cases and the units they reach (server-only tables)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from shared_models.enums import RecallState
from shared_models.types import UTCDateTime, enum_type, json_dict, json_list, new_id, utcnow


class RecallCase(SQLModel, table=True):
    __tablename__ = "recall_case"
    id: str = Field(default_factory=new_id, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    title: str = Field(max_length=200)
    reason: str = Field(max_length=2000)
    seeds: list[str] = json_list()            # unit codes the scope starts from
    origin: dict[str, Any] = json_dict()           # how the seeds were found: codes, supplier lot, line + window
    state: RecallState = Field(default=RecallState.OPEN, sa_type=enum_type(RecallState))
    totals: dict[str, Any] = json_dict()           # the scope's totals when it was taken
    created_by: str | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# RecallUnit.kind: blocked where it stands, or out at a customer.
IN_STOCK, SHIPPED = "in_stock", "shipped"


class RecallUnit(SQLModel, table=True):
    """A unit a recall reaches: blocked in stock, or shipped to a customer and expected back."""

    __tablename__ = "recall_unit"
    __table_args__ = (UniqueConstraint("case_id", "unit_id", "customer_id"),)
    id: str = Field(default_factory=new_id, primary_key=True)
    case_id: str = Field(foreign_key="recall_case.id", index=True)
    unit_id: str = Field(foreign_key="unit.id", index=True)
    kind: str = Field(max_length=16)           # IN_STOCK | SHIPPED
    customer_id: str | None = Field(default=None, foreign_key="customer.id")
    location_id: str | None = Field(default=None, foreign_key="location.id")
    qty: float
    returned_qty: float = 0.0
    returned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

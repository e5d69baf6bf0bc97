"""Inspection plans, inspections with their photos, nonconformances and their steps (server-only tables)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, LargeBinary
from sqlmodel import Field, SQLModel

from shared_models.enums import InspectionStage
from shared_models.masterdata import Versioned
from shared_models.types import UTCDateTime, enum_type, json_dict, json_list, new_id, utcnow


class InspectionPlan(Versioned, table=True):
    """A form: per item (or any item when item_id is empty) and stage, its characteristics and sampling."""

    __tablename__ = "inspection_plan"
    id: str = Field(default_factory=new_id, primary_key=True)
    code: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=200)
    item_id: str | None = Field(default=None, foreign_key="item.id", index=True)
    stage: InspectionStage = Field(sa_type=enum_type(InspectionStage))
    aql: str = Field(default="1.0", max_length=8)
    level: str = Field(default="II", max_length=4)
    characteristics: list[dict[str, Any]] = json_list()   # Characteristic.from_dict each
    defect_codes: list[dict[str, Any]] = json_list()      # {code, name_en, name_zh, severity}
    active: bool = Field(default=True)


class Inspection(SQLModel, table=True):
    """One inspection of a unit against a plan; its id is made on the handheld."""

    __table_args__ = (Index("ix_inspection_unit_stage", "unit_id", "stage"),)
    id: str = Field(primary_key=True, max_length=36)
    plan_id: str = Field(foreign_key="inspection_plan.id")
    unit_id: str = Field(foreign_key="unit.id")
    stage: InspectionStage = Field(sa_type=enum_type(InspectionStage))
    site_id: str = Field(foreign_key="site.id", index=True)
    lot_size: float
    sample_size: int
    accept: int
    reject: int
    defective_units: int = 0
    answers: dict[str, Any] = json_dict()
    defects: list[dict[str, Any]] = json_list()           # {code, count, characteristic}
    verdict: str = Field(max_length=8)                     # pass | fail
    inspector_id: str | None = Field(default=None, foreign_key="app_user.id")
    device_id: str = Field(default="", max_length=64)
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    note: str = Field(default="", max_length=500)


class InspectionPhoto(SQLModel, table=True):
    __tablename__ = "inspection_photo"
    id: str = Field(default_factory=new_id, primary_key=True)
    inspection_id: str = Field(foreign_key="inspection.id", index=True)
    characteristic: str = Field(max_length=64)
    content_type: str = Field(max_length=32)
    size_bytes: int
    sha256: str = Field(max_length=64)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    taken_at: datetime = Field(sa_type=UTCDateTime)


class Nonconformance(Versioned, table=True):
    """不合格品: follows the NONCONFORMANCE workflow (shared_models/quality/nonconformance.py)."""

    id: str = Field(default_factory=new_id, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    unit_id: str = Field(foreign_key="unit.id", index=True)
    site_id: str = Field(foreign_key="site.id", index=True)
    inspection_id: str | None = Field(default=None, foreign_key="inspection.id")
    state: str = Field(max_length=32)
    disposition: str | None = Field(default=None, max_length=32)
    description: str = Field(default="", max_length=2000)
    defects: list[dict[str, Any]] = json_list()
    opened_by: str | None = Field(default=None, foreign_key="app_user.id")
    opened_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    work_order_id: str | None = Field(default=None, foreign_key="work_order.id")  # the rework order


class NonconformanceStep(SQLModel, table=True):
    """Who did what, when and why, at each step of a nonconformance."""

    __tablename__ = "nonconformance_step"
    id: str = Field(default_factory=new_id, primary_key=True)
    nonconformance_id: str = Field(foreign_key="nonconformance.id", index=True)
    transition: str = Field(max_length=64)
    from_state: str | None = Field(default=None, max_length=32)
    to_state: str = Field(max_length=32)
    by_user_id: str | None = Field(default=None, foreign_key="app_user.id")
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    fields: dict[str, Any] = json_dict()

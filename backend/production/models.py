"""Work orders, routes, operation reports and process readings (server-only tables)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from shared_models.enums import WorkOrderKind, WorkOrderStatus
from shared_models.types import UTCDateTime, enum_type, json_dict, json_list, new_id, utcnow


class Route(SQLModel, table=True):
    """工艺路线: an item's ordered operations, each with its process parameters and their limits."""

    __table_args__ = (UniqueConstraint("item_id", "version_no"),)
    id: str = Field(default_factory=new_id, primary_key=True)
    item_id: str = Field(foreign_key="item.id", index=True)
    version_no: int = Field(default=1)
    active: bool = Field(default=True)
    # [{seq, code, name, equipment_kind, params: [{name, unit, lower, upper}]}]
    operations: list[dict[str, Any]] = json_list()


class OperationReport(SQLModel, table=True):
    """报工: one operation done on a work order; its id is made where it is reported."""

    __tablename__ = "operation_report"
    __table_args__ = (Index("ix_opreport_equipment_time", "equipment_id", "started_at"),)
    id: str = Field(primary_key=True, max_length=36)
    work_order_id: str = Field(foreign_key="work_order.id", index=True)
    seq: int
    operation_code: str = Field(max_length=64)
    site_id: str = Field(foreign_key="site.id")
    unit_id: str | None = Field(default=None, foreign_key="unit.id")
    operator_id: str | None = Field(default=None, foreign_key="app_user.id")
    equipment_id: str | None = Field(default=None, foreign_key="equipment.id")
    started_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    good_qty: float = 0.0
    scrap_qty: float = 0.0
    params: dict[str, Any] = json_dict()
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ProcessReading(SQLModel, table=True):
    """A process parameter from equipment (MQTT), attached to the operation running on it at that time."""

    __tablename__ = "process_reading"
    __table_args__ = (Index("ix_reading_equipment_time", "equipment_id", "measured_at"),)
    id: str = Field(default_factory=new_id, primary_key=True)
    equipment_id: str = Field(foreign_key="equipment.id")
    name: str = Field(max_length=64)
    value: float
    unit: str = Field(default="", max_length=16)
    measured_at: datetime = Field(sa_type=UTCDateTime)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    operation_report_id: str | None = Field(default=None, foreign_key="operation_report.id", index=True)
    lower: float | None = None
    upper: float | None = None
    in_spec: bool | None = None
    source: str = Field(default="", max_length=200)


class WorkOrder(SQLModel, table=True):
    __tablename__ = "work_order"
    id: str = Field(default_factory=new_id, primary_key=True)
    code: str = Field(max_length=64, unique=True, index=True)
    site_id: str = Field(foreign_key="site.id")
    item_id: str = Field(foreign_key="item.id")
    bom_id: str | None = Field(default=None, foreign_key="bom.id")
    qty_planned: float
    status: WorkOrderStatus = Field(default=WorkOrderStatus.OPEN, sa_type=enum_type(WorkOrderStatus))
    kind: WorkOrderKind = Field(default=WorkOrderKind.PRODUCTION, sa_type=enum_type(WorkOrderKind))
    route_id: str | None = Field(default=None, foreign_key="route.id")
    source: str = Field(default="", max_length=64)  # what it is for: e.g. the nonconformance a rework answers
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

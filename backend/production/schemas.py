"""What the production API answers, and the MQTT reading it takes from equipment."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from backend.auth.models import User
from backend.production.models import OperationReport, ProcessReading, Route, WorkOrder
from shared_models.commands import AwareDatetime
from shared_models.masterdata import Equipment, Item
from shared_models.trace import Unit


class WorkOrderPublic(BaseModel):
    id: str
    code: str
    item_id: str
    bom_id: str | None
    qty_planned: float
    status: str


class RoutePublic(BaseModel):
    id: str
    item: str
    version_no: int
    active: bool
    operations: list[dict[str, Any]]


class MeasuredPublic(BaseModel):
    name: str
    value: float
    unit: str
    lower: float | None
    upper: float | None
    in_spec: bool | None


class OperationReportPublic(BaseModel):
    id: str
    work_order: str
    seq: int
    operation_code: str
    operator: str | None
    equipment: str | None
    unit: str | None
    started_at: datetime
    ended_at: datetime | None
    good_qty: float
    scrap_qty: float
    params: list[MeasuredPublic]
    gate_violations: list[dict[str, Any]]


class ReadingPublic(BaseModel):
    name: str
    value: float
    unit: str
    measured_at: datetime
    lower: float | None
    upper: float | None
    in_spec: bool | None
    source: str


class WipLinePublic(BaseModel):
    seq: int
    code: str
    name: str
    good_qty: float
    scrap_qty: float
    wip_qty: float


class MqttReading(BaseModel):
    """One process reading in an MQTT message from equipment (see backend/production/mqtt.py)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=64)
    value: Annotated[float, Field(strict=True, allow_inf_nan=False)]  # a number: not a string, not a bool
    unit: str = Field(default="", max_length=16)
    measured_at: AwareDatetime


def work_order_public(wo: WorkOrder) -> WorkOrderPublic:
    return WorkOrderPublic(id=wo.id, code=wo.code, item_id=wo.item_id, bom_id=wo.bom_id,
                           qty_planned=wo.qty_planned, status=wo.status.value)


def route_public(db: Session, route: Route) -> RoutePublic:
    item = db.get(Item, route.item_id)
    return RoutePublic(id=route.id, item=item.part_no if item else route.item_id, version_no=route.version_no,
                       active=route.active, operations=list(route.operations))


def report_public(db: Session, r: OperationReport) -> OperationReportPublic:
    def code(model: type[Any], key: str | None, attr: str = "code") -> str | None:
        row = db.get(model, key) if key else None
        return getattr(row, attr) if row is not None else None

    return OperationReportPublic(
        id=r.id, work_order=code(WorkOrder, r.work_order_id) or r.work_order_id, seq=r.seq,
        operation_code=r.operation_code, operator=code(User, r.operator_id, "username"),
        equipment=code(Equipment, r.equipment_id), unit=code(Unit, r.unit_id), started_at=r.started_at,
        ended_at=r.ended_at, good_qty=r.good_qty, scrap_qty=r.scrap_qty,
        params=[MeasuredPublic(name=name, **values) for name, values in r.params.get("measured", {}).items()],
        gate_violations=list(r.params.get("gate_violations", [])))


def reading_public(r: ProcessReading) -> ReadingPublic:
    return ReadingPublic(name=r.name, value=r.value, unit=r.unit, measured_at=r.measured_at, lower=r.lower,
                         upper=r.upper, in_spec=r.in_spec, source=r.source)

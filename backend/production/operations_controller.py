"""Routes, operation reports and work in progress over HTTP, under /api/production."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, JSONBody
from pydantic import BaseModel
from sqlmodel import Session

from backend.auth.guards import allow
from backend.auth.models import User
from backend.deps import Caller, Db
from backend.production.models import OperationReport, ProcessReading, Route, WorkOrder
from backend.production.operations import OperationService
from backend.production.routes import RouteService
from shared_models.enums import Role
from shared_models.masterdata import Equipment, Item
from shared_models.production_commands import FinishOperation, ReportOperation, RouteCreate
from shared_models.trace import Unit

PLANNERS = allow(Role.QA_MANAGER, Role.ENGINEER)


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


class OperationsController(Controller):
    path = "/api/production"
    tags = ["production"]
    guards = [allow(Role.QA_MANAGER, Role.ENGINEER, Role.PICKER)]

    @post("/routes", guards=[PLANNERS], sync_to_thread=True)
    def create_route(self, data: JSONBody[RouteCreate], db: Db) -> RoutePublic:
        return route_public(db, RouteService(db).create(data))

    @get("/routes", sync_to_thread=True)
    def routes_of_item(self, item: FromQuery[str], db: Db) -> list[RoutePublic]:
        return [route_public(db, r) for r in RouteService(db).of_item(item)]

    @get("/routes/{route_id:str}", sync_to_thread=True)
    def get_route(self, route_id: FromPath[str], db: Db) -> RoutePublic:
        return route_public(db, RouteService(db).get(route_id))

    @post("/operations", sync_to_thread=True)
    def report_operation(self, data: JSONBody[ReportOperation], db: Db,
                         principal: Caller) -> OperationReportPublic:
        return report_public(db, OperationService(db, principal).report_operation(data))

    @post("/operations/{report_id:str}/finish", sync_to_thread=True)
    def finish_operation(self, report_id: FromPath[str], data: JSONBody[FinishOperation], db: Db,
                         principal: Caller) -> OperationReportPublic:
        return report_public(db, OperationService(db, principal).finish_operation(report_id, data))

    @get("/operations", sync_to_thread=True)
    def operations_of_work_order(self, work_order: FromQuery[str], db: Db,
                                 principal: Caller) -> list[OperationReportPublic]:
        return [report_public(db, r) for r in OperationService(db, principal).of_work_order(work_order)]

    @get("/operations/{report_id:str}", sync_to_thread=True)
    def get_operation(self, report_id: FromPath[str], db: Db, principal: Caller) -> OperationReportPublic:
        return report_public(db, OperationService(db, principal).get(report_id))

    @get("/operations/{report_id:str}/readings", sync_to_thread=True)
    def readings(self, report_id: FromPath[str], db: Db, principal: Caller) -> list[ReadingPublic]:
        return [reading_public(r) for r in OperationService(db, principal).readings(report_id)]

    @get("/wip", sync_to_thread=True)
    def wip(self, db: Db, principal: Caller, work_order: FromQuery[str | None] = None,
            item: FromQuery[str | None] = None) -> list[WipLinePublic]:
        lines = OperationService(db, principal).wip(work_order=work_order, item=item)
        return [WipLinePublic(seq=w.seq, code=w.code, name=w.name, good_qty=w.good_qty, scrap_qty=w.scrap_qty,
                              wip_qty=w.wip_qty) for w in lines]

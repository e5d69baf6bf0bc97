"""Production over HTTP: work orders and production reports under /api/work-orders; routes, operation reports
and work in progress under /api/production."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from backend.auth.guards import allow
from backend.deps import Caller, Db
from backend.production.operation_service import OperationService
from backend.production.route_service import RouteService
from backend.production.schemas import (
    OperationReportPublic,
    ReadingPublic,
    RoutePublic,
    WipLinePublic,
    WorkOrderPublic,
    reading_public,
    report_public,
    route_public,
    work_order_public,
)
from backend.production.work_order_service import ProductionService
from backend.warehouse.schemas import EventPublic, event_public
from shared_models import commands as cmd
from shared_models.enums import Role
from shared_models.production_commands import FinishOperation, ReportOperation, RouteCreate

SHOP_FLOOR = allow(Role.QA_MANAGER, Role.ENGINEER, Role.PICKER)
PLANNERS = allow(Role.QA_MANAGER, Role.ENGINEER)


class ProductionController(Controller):
    path = "/api/work-orders"
    tags = ["production"]
    guards = [SHOP_FLOOR]

    @post("/", sync_to_thread=True)
    def create(self, data: JSONBody[cmd.WorkOrderCreate], db: Db, principal: Caller) -> WorkOrderPublic:
        """Creates a work order: item, site, planned quantity and BOM version."""
        return work_order_public(ProductionService(db, principal).create_work_order(data))

    @post("/report", sync_to_thread=True)
    def report(self, data: JSONBody[cmd.ReportProduction], db: Db, principal: Caller) -> EventPublic:
        """Reports production against a work order: input units consumed (genealogy edges) and output units made
        (lots or serials)."""
        return event_public(db, ProductionService(db, principal).report(data))


class OperationsController(Controller):
    path = "/api/production"
    tags = ["production"]
    guards = [SHOP_FLOOR]

    @post("/routes", guards=[PLANNERS], sync_to_thread=True)
    def create_route(self, data: JSONBody[RouteCreate], db: Db) -> RoutePublic:
        """Creates a route: the ordered operations an item goes through."""
        return route_public(db, RouteService(db).create(data))

    @get("/routes", sync_to_thread=True)
    def routes_of_item(self, item: FromQuery[str], db: Db) -> list[RoutePublic]:
        """The routes of an item."""
        return [route_public(db, r) for r in RouteService(db).of_item(item)]

    @get("/routes/{route_id:str}", sync_to_thread=True)
    def get_route(self, route_id: FromPath[str], db: Db) -> RoutePublic:
        """One route with its operations."""
        return route_public(db, RouteService(db).get(route_id))

    @post("/operations", sync_to_thread=True)
    def report_operation(self, data: JSONBody[ReportOperation], db: Db,
                         principal: Caller) -> OperationReportPublic:
        """Starts an operation report (a unit at an operation on equipment); process parameters are read while
        it runs."""
        return report_public(db, OperationService(db, principal).report_operation(data))

    @post("/operations/{report_id:str}/finish", sync_to_thread=True)
    def finish_operation(self, report_id: FromPath[str], data: JSONBody[FinishOperation], db: Db,
                         principal: Caller) -> OperationReportPublic:
        """Finishes an operation report with its result; the unit hands over to the next operation."""
        return report_public(db, OperationService(db, principal).finish_operation(report_id, data))

    @get("/operations", sync_to_thread=True)
    def operations_of_work_order(self, work_order: FromQuery[str], db: Db,
                                 principal: Caller) -> list[OperationReportPublic]:
        """The operation reports of a work order."""
        return [report_public(db, r) for r in OperationService(db, principal).of_work_order(work_order)]

    @get("/operations/{report_id:str}", sync_to_thread=True)
    def get_operation(self, report_id: FromPath[str], db: Db, principal: Caller) -> OperationReportPublic:
        """One operation report."""
        return report_public(db, OperationService(db, principal).get(report_id))

    @get("/operations/{report_id:str}/readings", sync_to_thread=True)
    def readings(self, report_id: FromPath[str], db: Db, principal: Caller) -> list[ReadingPublic]:
        """The process parameter readings (e.g. temperature, pressure) taken during an operation."""
        return [reading_public(r) for r in OperationService(db, principal).readings(report_id)]

    @get("/wip", sync_to_thread=True)
    def wip(self, db: Db, principal: Caller, work_order: FromQuery[str | None] = None,
            item: FromQuery[str | None] = None) -> list[WipLinePublic]:
        """Work in progress: units per operation, filtered by work order or item."""
        lines = OperationService(db, principal).wip(work_order=work_order, item=item)
        return [WipLinePublic(seq=w.seq, code=w.code, name=w.name, good_qty=w.good_qty, scrap_qty=w.scrap_qty,
                              wip_qty=w.wip_qty) for w in lines]

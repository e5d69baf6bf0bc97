"""Work orders and production reports over HTTP."""

from __future__ import annotations

from litestar import Controller, post
from litestar.params import JSONBody
from pydantic import BaseModel

from backend.auth.guards import allow
from backend.deps import Caller, Db
from backend.production.service import ProductionService
from backend.warehouse.schemas import EventPublic, event_public
from shared_models import commands as cmd
from shared_models.enums import Role


class WorkOrderPublic(BaseModel):
    id: str
    code: str
    item_id: str
    bom_id: str | None
    qty_planned: float
    status: str


class ProductionController(Controller):
    path = "/api/work-orders"
    tags = ["production"]
    guards = [allow(Role.QA_MANAGER, Role.ENGINEER, Role.PICKER)]

    @post("/", sync_to_thread=True)
    def create(self, data: JSONBody[cmd.WorkOrderCreate], db: Db, principal: Caller) -> WorkOrderPublic:
        wo = ProductionService(db, principal).create_work_order(data)
        return WorkOrderPublic(id=wo.id, code=wo.code, item_id=wo.item_id, bom_id=wo.bom_id,
                               qty_planned=wo.qty_planned, status=wo.status.value)

    @post("/report", sync_to_thread=True)
    def report(self, data: JSONBody[cmd.ReportProduction], db: Db, principal: Caller) -> EventPublic:
        return event_public(db, ProductionService(db, principal).report(data))

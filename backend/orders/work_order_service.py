"""Work orders from ERP: upserted by code through production's own service (backend/production), so a work order
ERP sends is the same as one made in Lotline."""

from __future__ import annotations

from sqlmodel import Session, select

from backend.auth.principal import Principal
from backend.db import atomic
from backend.errors import NotFound
from backend.orders.errors import WorkOrderMismatch
from backend.orders.schemas import WorkOrderPut
from backend.production.models import WorkOrder
from backend.production.work_order_service import ProductionService
from backend.trace.lookup import item_by_ref, site_by_code
from shared_models import commands as cmd
from shared_models.enums import WorkOrderStatus


class ErpWorkOrderService:
    def __init__(self, session: Session, by: Principal) -> None:
        self.session = session
        self.by = by

    def put(self, code: str, data: WorkOrderPut) -> tuple[WorkOrder, bool]:
        """(the work order, whether this call changed it). New: made by ProductionService.create_work_order.
        Known: only the planned quantity may change, and only while it is open; raises WorkOrderMismatch when
        the site or item differ, NotFound for an unknown site, item or BOM version."""
        code = code.strip()
        if self.session.exec(select(WorkOrder.id).where(WorkOrder.code == code)).first() is None:
            made = ProductionService(self.session, self.by).create_work_order(cmd.WorkOrderCreate(
                code=code, site=data.site, item=data.item, qty_planned=data.qty_planned,
                bom_version=data.bom_version))
            return made, True
        return self._update(code, data)

    @atomic
    def _update(self, code: str, data: WorkOrderPut) -> tuple[WorkOrder, bool]:
        order = self.session.exec(select(WorkOrder).where(WorkOrder.code == code)).one()
        site = site_by_code(self.session, data.site)
        if not self.by.sees_site(order.site_id):
            raise NotFound("work order", code)
        item = item_by_ref(self.session, data.item)
        if order.site_id != site.id:
            raise WorkOrderMismatch(code, f"is for another site; it cannot move to {data.site}")
        if order.item_id != item.id:
            raise WorkOrderMismatch(code, f"makes another item; it cannot become {data.item}")
        if order.qty_planned == data.qty_planned:
            self.session.rollback()
            return order, False
        if order.status is not WorkOrderStatus.OPEN:
            raise WorkOrderMismatch(code, f"is {order.status.value}; its planned quantity no longer changes")
        order.qty_planned = data.qty_planned
        self.session.add(order)
        self.session.commit()
        return order, True

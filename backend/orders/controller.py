"""The order API for ERP: idempotent PUTs of purchase, sales and work orders by their ERP number, and reads.
Admins and engineers (production planning) write; staff read."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, put
from litestar.params import FromQuery, JSONBody, Parameter

from backend.auth.guards import STAFF, allow
from backend.deps import Caller, Db
from backend.orders.models import OrderStatus
from backend.orders.order_service import OrderService
from backend.orders.schemas import OrderPublic, PurchaseOrderPut, SalesOrderPut, WorkOrderPut
from backend.orders.work_order_service import ErpWorkOrderService
from backend.production.schemas import WorkOrderPublic, work_order_public
from shared_models.enums import Role

READ = allow(*STAFF)
WRITE = allow(Role.ENGINEER)
Number = Annotated[str, Parameter(min_length=1, max_length=64, description="the order's number in ERP")]
Limit = Annotated[int, Parameter(ge=1, le=1000)]


class OrderController(Controller):
    path = "/api/orders"
    tags = ["orders"]

    @put("/purchase/{number:str}", guards=[WRITE], sync_to_thread=True)
    def put_purchase(self, number: Number, data: JSONBody[PurchaseOrderPut], db: Db,
                     principal: Caller) -> OrderPublic:
        """Creates or replaces a purchase order (expected receipts) from the ERP, keyed by its number."""
        return OrderService(db, principal).put_purchase(number, data)

    @put("/sales/{number:str}", guards=[WRITE], sync_to_thread=True)
    def put_sales(self, number: Number, data: JSONBody[SalesOrderPut], db: Db, principal: Caller) -> OrderPublic:
        """Creates or replaces a sales order / delivery from the ERP, keyed by its number."""
        return OrderService(db, principal).put_sales(number, data)

    @put("/work/{number:str}", guards=[WRITE], sync_to_thread=True)
    def put_work(self, number: Number, data: JSONBody[WorkOrderPut], db: Db, principal: Caller) -> WorkOrderPublic:
        """Creates or replaces a work order from the ERP, keyed by its number."""
        order, _changed = ErpWorkOrderService(db, principal).put(number, data)
        return work_order_public(order)

    @get("/purchase", guards=[READ], sync_to_thread=True)
    def list_purchase(self, db: Db, principal: Caller, status: FromQuery[OrderStatus | None] = None,
                      limit: Limit = 100) -> list[OrderPublic]:
        """Purchase orders with what was received against each line."""
        return OrderService(db, principal).list("purchase", status=status, limit=limit)

    @get("/sales", guards=[READ], sync_to_thread=True)
    def list_sales(self, db: Db, principal: Caller, status: FromQuery[OrderStatus | None] = None,
                   limit: Limit = 100) -> list[OrderPublic]:
        """Sales orders with what was shipped against each line."""
        return OrderService(db, principal).list("sales", status=status, limit=limit)

    @get("/purchase/{number:str}", guards=[READ], sync_to_thread=True)
    def get_purchase(self, number: Number, db: Db, principal: Caller) -> OrderPublic:
        """One purchase order and its receipts."""
        return OrderService(db, principal).get("purchase", number)

    @get("/sales/{number:str}", guards=[READ], sync_to_thread=True)
    def get_sales(self, number: Number, db: Db, principal: Caller) -> OrderPublic:
        """One sales order and its shipments."""
        return OrderService(db, principal).get("sales", number)


ORDER_CONTROLLERS = [OrderController]

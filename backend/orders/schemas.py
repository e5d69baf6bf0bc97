"""What the order API takes (ERP's upserts) and answers."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from backend.orders.models import OrderStatus
from shared_models.bounds import PlantDate
from shared_models.commands import Code


class OrderLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    line_no: int = Field(ge=1, le=99999, description="the ERP's line number, unique within the order")
    item: Code = Field(description="part number or GTIN", examples=["PCB-01"])
    qty: float = Field(allow_inf_nan=False, description="in the item's unit of measure; more than 0")
    due_on: PlantDate


class PurchaseOrderPut(BaseModel):
    """The whole order as ERP holds it now: lines left out are removed. Sending it again changes nothing."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    supplier: Code
    site: Code
    status: OrderStatus = OrderStatus.OPEN
    lines: list[OrderLineIn] = Field(min_length=1, max_length=2000)


class SalesOrderPut(BaseModel):
    """The whole order as ERP holds it now: lines left out are removed. Sending it again changes nothing."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    customer: Code
    site: Code
    status: OrderStatus = OrderStatus.OPEN
    lines: list[OrderLineIn] = Field(min_length=1, max_length=2000)


class WorkOrderPut(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    site: Code
    item: Code
    qty_planned: float = Field(gt=0, le=1e9, allow_inf_nan=False)
    bom_version: int | None = Field(default=None, ge=1)


class OrderLinePublic(BaseModel):
    line_no: int
    item: str
    qty: float
    uom: str
    due_on: date


class OrderPublic(BaseModel):
    id: str
    number: str
    kind: str            # purchase | sales
    partner: str         # the supplier's or customer's code
    site: str
    status: OrderStatus
    version: int
    created_at: datetime
    updated_at: datetime
    lines: list[OrderLinePublic]
    changed: bool = Field(default=False, description="whether this request changed the stored order")

"""Order tables, server-only: purchase and sales orders upserted by their ERP number, with their lines.

Work orders are production's own table (backend/production/models.py WorkOrder); ERP upserts them by code.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from shared_models.types import UTCDateTime, enum_type, new_id, utcnow


class OrderStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class PurchaseOrder(SQLModel, table=True):
    __tablename__ = "purchase_order"
    id: str = Field(default_factory=new_id, primary_key=True)
    number: str = Field(max_length=64, unique=True, index=True)  # the ERP's order number
    supplier_id: str = Field(foreign_key="supplier.id", index=True)
    site_id: str = Field(foreign_key="site.id")
    status: OrderStatus = Field(default=OrderStatus.OPEN, sa_type=enum_type(OrderStatus))
    version: int = Field(default=1)  # +1 on every change an upsert makes
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PurchaseOrderLine(SQLModel, table=True):
    """One expected receipt."""

    __tablename__ = "purchase_order_line"
    __table_args__ = (UniqueConstraint("order_id", "line_no", name="uq_purchase_order_line"),)
    id: str = Field(default_factory=new_id, primary_key=True)
    order_id: str = Field(foreign_key="purchase_order.id", index=True)
    line_no: int
    item_id: str = Field(foreign_key="item.id", index=True)
    qty: float
    uom: str = Field(max_length=16)
    due_on: date


class SalesOrder(SQLModel, table=True):
    __tablename__ = "sales_order"
    id: str = Field(default_factory=new_id, primary_key=True)
    number: str = Field(max_length=64, unique=True, index=True)
    customer_id: str = Field(foreign_key="customer.id", index=True)
    site_id: str = Field(foreign_key="site.id")
    status: OrderStatus = Field(default=OrderStatus.OPEN, sa_type=enum_type(OrderStatus))
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SalesOrderLine(SQLModel, table=True):
    """One delivery due to the customer."""

    __tablename__ = "sales_order_line"
    __table_args__ = (UniqueConstraint("order_id", "line_no", name="uq_sales_order_line"),)
    id: str = Field(default_factory=new_id, primary_key=True)
    order_id: str = Field(foreign_key="sales_order.id", index=True)
    line_no: int
    item_id: str = Field(foreign_key="item.id", index=True)
    qty: float
    uom: str = Field(max_length=16)
    due_on: date

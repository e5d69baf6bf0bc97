"""Trace units, immutable events, their lines, genealogy edges and the stock projection."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from shared_models.enums import EventType, UnitKind, UnitStatus
from shared_models.types import UTCDateTime, enum_type, new_id, utcnow


class Unit(SQLModel, table=True):
    """A lot, a serial unit or a container (SSCC): the smallest thing Lotline traces."""

    __table_args__ = (
        UniqueConstraint("item_id", "kind", "lot_no", "serial", name="uq_unit_identity"),
        Index("ix_unit_site_status", "site_id", "status"),
    )
    id: str = Field(default_factory=new_id, primary_key=True)
    code: str = Field(max_length=96, unique=True, index=True)
    kind: UnitKind = Field(sa_type=enum_type(UnitKind))
    item_id: str | None = Field(default=None, foreign_key="item.id", index=True)
    lot_no: str | None = Field(default=None, max_length=64, index=True)
    serial: str | None = Field(default=None, max_length=64)
    sscc: str | None = Field(default=None, max_length=18, unique=True)
    lot_unit_id: str | None = Field(default=None, foreign_key="unit.id")  # the lot a serial belongs to
    site_id: str = Field(foreign_key="site.id")
    status: UnitStatus = Field(default=UnitStatus.RELEASED, sa_type=enum_type(UnitStatus))
    supplier_id: str | None = Field(default=None, foreign_key="supplier.id", index=True)
    supplier_lot: str | None = Field(default=None, max_length=64, index=True)
    work_order_id: str | None = Field(default=None, foreign_key="work_order.id", index=True)
    uom: str = Field(default="pcs", max_length=16)
    produced_on: date | None = None
    expires_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    version: int = Field(default=1)
    # Customers it was shipped to (sorted ids): what puts it in their distributors' sync bucket, kept on the row
    # because the PowerSync Service chooses a row's buckets from the row alone.
    shipped_to: list[str] = Field(default_factory=list,
                                  sa_column=Column(JSON, nullable=False, server_default=text("'[]'")))


class Event(SQLModel, table=True):
    """An immutable fact; its id is made by the client so a retried upload stores once."""

    __table_args__ = (
        Index("ix_event_type_occurred", "type", "occurred_at"),
        Index("uq_event_site_chain", "site_id", "chain_seq", unique=True),  # a fork of the chain is never stored
    )
    id: str = Field(primary_key=True, max_length=36)
    type: EventType = Field(sa_type=enum_type(EventType))
    business_step: str = Field(max_length=32)
    disposition: str = Field(default="", max_length=32)
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    device_id: str = Field(default="", max_length=64)
    user_id: str | None = Field(default=None, foreign_key="app_user.id")
    site_id: str = Field(foreign_key="site.id", index=True)
    location_id: str | None = Field(default=None, foreign_key="location.id")
    supplier_id: str | None = Field(default=None, foreign_key="supplier.id")
    customer_id: str | None = Field(default=None, foreign_key="customer.id", index=True)
    work_order_id: str | None = Field(default=None, foreign_key="work_order.id", index=True)
    reference: str = Field(default="", max_length=64)  # shipment no., delivery note, count sheet
    note: str = Field(default="", max_length=500)
    attributes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # The site's hash chain (backend.eventlog), server-only: set in the transaction that stores the event.
    chain_seq: int | None = None
    prev_hash: str | None = Field(default=None, max_length=64)
    hash: str | None = Field(default=None, max_length=64)


class StockOnHand(SQLModel, table=True):
    """Projection of event lines per unit and location, kept in the same transaction as the event."""

    __tablename__ = "stock_on_hand"
    __table_args__ = (
        UniqueConstraint("unit_id", "location_id", name="uq_stock_unit_location"),
        Index("ix_stock_location", "location_id"),
    )
    id: str = Field(default_factory=new_id, primary_key=True)
    unit_id: str = Field(foreign_key="unit.id")
    location_id: str = Field(foreign_key="location.id")
    qty: float
    site_id: str = Field(foreign_key="site.id", index=True)  # the location's: the row's sync bucket


class ContainerContent(SQLModel, table=True):
    """What a container holds now (projection of pack/unpack events)."""

    __tablename__ = "container_content"
    __table_args__ = (UniqueConstraint("container_id", "unit_id", name="uq_container_unit"),)
    id: str = Field(default_factory=new_id, primary_key=True)
    container_id: str = Field(foreign_key="unit.id", index=True)
    unit_id: str = Field(foreign_key="unit.id", index=True)
    site_id: str = Field(foreign_key="site.id", index=True)  # the container's: the row's sync bucket



"""Master data tables: sites, items, partners, locations, equipment, BOMs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from shared_models.enums import LocationKind, PartnerKind, Tracking
from shared_models.types import UTCDateTime, enum_type, new_id, utcnow


class Versioned(SQLModel):
    """Mutable master data carries a server version: per-field last-write-wins keys on it."""

    version: int = Field(default=1)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SiteBase(SQLModel):
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=200)
    gln: str | None = Field(default=None, max_length=13)


class Site(SiteBase, Versioned, table=True):
    id: str = Field(default_factory=new_id, primary_key=True)


class ItemBase(SQLModel):
    part_no: str = Field(max_length=64, unique=True, index=True)
    gtin: str | None = Field(default=None, max_length=14, unique=True, index=True)
    name: str = Field(max_length=200)
    spec: str = Field(default="", max_length=500)
    uom: str = Field(default="pcs", max_length=16)
    tracking: Tracking = Field(default=Tracking.LOT, sa_type=enum_type(Tracking))
    shelf_life_days: int | None = Field(default=None, ge=0)
    needs_iqc: bool = Field(default=False)


class Item(ItemBase, Versioned, table=True):
    id: str = Field(default_factory=new_id, primary_key=True)


class SupplierBase(SQLModel):
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=200)
    gln: str | None = Field(default=None, max_length=13)
    contact: str = Field(default="", max_length=200)


class Supplier(SupplierBase, Versioned, table=True):
    id: str = Field(default_factory=new_id, primary_key=True)


class CustomerBase(SQLModel):
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=200)
    kind: PartnerKind = Field(default=PartnerKind.CUSTOMER, sa_type=enum_type(PartnerKind))
    gln: str | None = Field(default=None, max_length=13)
    regions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    channels: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    contact: str = Field(default="", max_length=200)


class Customer(CustomerBase, Versioned, table=True):
    id: str = Field(default_factory=new_id, primary_key=True)


class LocationBase(SQLModel):
    site_id: str = Field(foreign_key="site.id", index=True)
    parent_id: str | None = Field(default=None, foreign_key="location.id")
    code: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=200)
    kind: LocationKind = Field(default=LocationKind.BIN, sa_type=enum_type(LocationKind))
    gln: str | None = Field(default=None, max_length=13, index=True)


class Location(LocationBase, Versioned, table=True):
    id: str = Field(default_factory=new_id, primary_key=True)


class EquipmentBase(SQLModel):
    site_id: str = Field(foreign_key="site.id", index=True)
    code: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=200)
    kind: str = Field(default="", max_length=64)


class Equipment(EquipmentBase, Versioned, table=True):
    id: str = Field(default_factory=new_id, primary_key=True)



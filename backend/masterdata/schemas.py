"""Master data as the API takes and returns it: references by code, GS1 keys checked, unknown fields refused."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from sqlmodel import Session, col, select

from backend.masterdata.models import Bom, BomLine
from shared_models.bounds import INT64_MAX, MAX_QTY, MAX_SHELF_LIFE_DAYS
from shared_models.enums import BomStatus, LocationKind, PartnerKind, Tracking
from shared_models.gs1 import GS1Error, validate_gln, validate_gtin
from shared_models.identifiers import CODE, LongCode, PartNo, ShortCode
from shared_models.masterdata import Equipment, Item, Location, Site


def _gtin(value: str) -> str:
    try:
        return validate_gtin(value)
    except GS1Error as exc:
        raise ValueError(str(exc)) from exc


def _gln(value: str) -> str:
    try:
        return validate_gln(value)
    except GS1Error as exc:
        raise ValueError(str(exc)) from exc


# Codes follow shared_models.identifiers. A new part number may not hold '/'; naming an existing item takes any code,
# so an item made before that rule can still be used.
PartRef = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(CODE)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Gtin = Annotated[str, AfterValidator(_gtin)]   # stored as GTIN-14
Gln = Annotated[str, AfterValidator(_gln)]
Tag = Annotated[str, Field(min_length=1, max_length=64)]
Tags = Annotated[list[Tag], Field(max_length=100)]
QtyPer = Annotated[float, Field(gt=0, le=MAX_QTY, allow_inf_nan=False)]
Version = Annotated[int, Field(ge=1, le=INT64_MAX)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Patch(_In):
    """A partial update: only the fields sent change; `expected_version` guards against overwriting a newer edit."""

    not_null: ClassVar[frozenset[str]] = frozenset()
    expected_version: Version | None = None

    @model_validator(mode="after")
    def _required_fields_not_cleared(self) -> _Patch:
        cleared = sorted(f for f in self.model_fields_set & self.not_null if getattr(self, f) is None)
        if cleared:
            raise ValueError(f"{', '.join(cleared)} cannot be cleared (null)")
        return self

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True, exclude={"expected_version"})


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# -- sites ------------------------------------------------------------------------------------------------------
class SiteCreate(_In):
    code: ShortCode
    name: Name
    gln: Gln | None = None


class SiteUpdate(_Patch):
    not_null = frozenset({"name"})
    name: Name | None = None
    gln: Gln | None = None


class SitePublic(_Out):
    id: str
    code: str
    name: str
    gln: str | None
    version: int
    updated_at: datetime


# -- items ------------------------------------------------------------------------------------------------------
class ItemCreate(_In):
    part_no: PartNo
    name: Name
    gtin: Gtin | None = None
    spec: str = Field(default="", max_length=500)
    uom: str = Field(default="pcs", min_length=1, max_length=16)
    tracking: Tracking = Tracking.LOT
    shelf_life_days: int | None = Field(default=None, ge=0, le=MAX_SHELF_LIFE_DAYS)
    needs_iqc: bool = False


class ItemUpdate(_Patch):
    not_null = frozenset({"name", "spec", "uom", "tracking", "needs_iqc"})
    name: Name | None = None
    gtin: Gtin | None = None
    spec: str | None = Field(default=None, max_length=500)
    uom: str | None = Field(default=None, min_length=1, max_length=16)
    tracking: Tracking | None = None
    shelf_life_days: int | None = Field(default=None, ge=0, le=MAX_SHELF_LIFE_DAYS)
    needs_iqc: bool | None = None


class ItemPublic(_Out):
    id: str
    part_no: str
    gtin: str | None
    name: str
    spec: str
    uom: str
    tracking: Tracking
    shelf_life_days: int | None
    needs_iqc: bool
    version: int
    updated_at: datetime


# -- suppliers and customers ------------------------------------------------------------------------------------
class SupplierCreate(_In):
    code: ShortCode
    name: Name
    gln: Gln | None = None
    contact: str = Field(default="", max_length=200)


class SupplierUpdate(_Patch):
    not_null = frozenset({"name", "contact"})
    name: Name | None = None
    gln: Gln | None = None
    contact: str | None = Field(default=None, max_length=200)


class SupplierPublic(_Out):
    id: str
    code: str
    name: str
    gln: str | None
    contact: str
    version: int
    updated_at: datetime


class CustomerCreate(_In):
    code: ShortCode
    name: Name
    kind: PartnerKind = PartnerKind.CUSTOMER
    gln: Gln | None = None
    regions: Tags = Field(default_factory=list)
    channels: Tags = Field(default_factory=list)
    contact: str = Field(default="", max_length=200)


class CustomerUpdate(_Patch):
    not_null = frozenset({"name", "kind", "regions", "channels", "contact"})
    name: Name | None = None
    kind: PartnerKind | None = None
    gln: Gln | None = None
    regions: Tags | None = None
    channels: Tags | None = None
    contact: str | None = Field(default=None, max_length=200)


class CustomerPublic(_Out):
    id: str
    code: str
    name: str
    kind: PartnerKind
    gln: str | None
    regions: list[str]
    channels: list[str]
    contact: str
    version: int
    updated_at: datetime


# -- locations and equipment ------------------------------------------------------------------------------------
class LocationCreate(_In):
    code: LongCode
    site: ShortCode
    name: Name
    parent: LongCode | None = None
    kind: LocationKind = LocationKind.BIN
    gln: Gln | None = None


class LocationUpdate(_Patch):
    """The site is fixed once made: moving a location means moving its stock, which is an event, not an edit."""

    not_null = frozenset({"name", "kind"})
    name: Name | None = None
    parent: LongCode | None = None
    kind: LocationKind | None = None
    gln: Gln | None = None


class LocationPublic(BaseModel):
    id: str
    code: str
    site: str
    name: str
    parent: str | None
    kind: LocationKind
    gln: str | None
    version: int
    updated_at: datetime


class EquipmentCreate(_In):
    code: LongCode
    site: ShortCode
    name: Name
    kind: str = Field(default="", max_length=64)


class EquipmentUpdate(_Patch):
    not_null = frozenset({"site", "name", "kind"})
    site: ShortCode | None = None
    name: Name | None = None
    kind: str | None = Field(default=None, max_length=64)


class EquipmentPublic(BaseModel):
    id: str
    code: str
    site: str
    name: str
    kind: str
    version: int
    updated_at: datetime


# -- BOMs -------------------------------------------------------------------------------------------------------
class BomLineIn(_In):
    component: PartRef
    qty_per: QtyPer


class BomVersionCreate(_In):
    lines: Annotated[list[BomLineIn], Field(min_length=1, max_length=2000)]
    note: str = Field(default="", max_length=500)


class BomCreate(BomVersionCreate):
    item: PartRef


class BomLinesReplace(_In):
    lines: Annotated[list[BomLineIn], Field(min_length=1, max_length=2000)]


class BomLinePublic(BaseModel):
    component: str
    qty_per: float


class BomPublic(BaseModel):
    item: str
    version: int
    status: BomStatus
    note: str
    created_at: datetime
    released_at: datetime | None
    lines: list[BomLinePublic]


# -- CSV import -------------------------------------------------------------------------------------------------
class BomLineRow(BomLineIn):
    """One line of a draft BOM version; the rows of one item and version make that version."""

    item: PartRef
    version: Version


class ImportReport(BaseModel):
    entity: str
    rows: int
    created: dict[str, int]


# -- turning rows into answers ----------------------------------------------------------------------------------
def _site_codes(session: Session, ids: Iterable[str]) -> dict[str, str]:
    wanted = set(ids)
    if not wanted:
        return {}
    return dict(session.exec(select(Site.id, Site.code).where(col(Site.id).in_(wanted))).all())


def locations_public(session: Session, locations: list[Location]) -> list[LocationPublic]:
    sites = _site_codes(session, (loc.site_id for loc in locations))
    parent_ids = {loc.parent_id for loc in locations if loc.parent_id}
    parents = dict(session.exec(select(Location.id, Location.code).where(col(Location.id).in_(parent_ids))).all()) \
        if parent_ids else {}
    return [LocationPublic(id=loc.id, code=loc.code, site=sites[loc.site_id], name=loc.name,
                           parent=parents.get(loc.parent_id) if loc.parent_id else None, kind=loc.kind, gln=loc.gln,
                           version=loc.version, updated_at=loc.updated_at)
            for loc in locations]


def location_public(session: Session, location: Location) -> LocationPublic:
    return locations_public(session, [location])[0]


def equipment_list_public(session: Session, machines: list[Equipment]) -> list[EquipmentPublic]:
    sites = _site_codes(session, (m.site_id for m in machines))
    return [EquipmentPublic(id=m.id, code=m.code, site=sites[m.site_id], name=m.name, kind=m.kind,
                            version=m.version, updated_at=m.updated_at)
            for m in machines]


def equipment_public(session: Session, machine: Equipment) -> EquipmentPublic:
    return equipment_list_public(session, [machine])[0]


def boms_public(session: Session, boms: list[Bom]) -> list[BomPublic]:
    if not boms:
        return []
    item_ids = {b.item_id for b in boms}
    bom_ids = [b.id for b in boms]
    lines = session.exec(select(BomLine.bom_id, Item.part_no, BomLine.qty_per)
                         .join(Item, col(Item.id) == BomLine.component_item_id)
                         .where(col(BomLine.bom_id).in_(bom_ids)).order_by(Item.part_no)).all()
    parts = dict(session.exec(select(Item.id, Item.part_no).where(col(Item.id).in_(item_ids))).all())
    by_bom: dict[str, list[BomLinePublic]] = {}
    for bom_id, part_no, qty_per in lines:
        by_bom.setdefault(bom_id, []).append(BomLinePublic(component=part_no, qty_per=qty_per))
    return [BomPublic(item=parts[b.item_id], version=b.version_no, status=b.status, note=b.note,
                      created_at=b.created_at, released_at=b.released_at, lines=by_bom.get(b.id, []))
            for b in boms]


def bom_public(session: Session, bom: Bom) -> BomPublic:
    return boms_public(session, [bom])[0]


__all__ = [
    "BomCreate", "BomLineIn", "BomLinePublic", "BomLineRow", "BomLinesReplace", "BomPublic", "BomVersionCreate",
    "CustomerCreate", "CustomerPublic", "CustomerUpdate", "EquipmentCreate", "EquipmentPublic", "EquipmentUpdate",
    "ImportReport", "ItemCreate", "ItemPublic", "ItemUpdate", "LocationCreate", "LocationPublic", "LocationUpdate",
    "SiteCreate", "SitePublic", "SiteUpdate", "SupplierCreate", "SupplierPublic", "SupplierUpdate", "bom_public",
    "boms_public", "equipment_list_public", "equipment_public", "location_public", "locations_public",
]

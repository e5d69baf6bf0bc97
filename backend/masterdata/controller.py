"""Master data over HTTP: staff read it, distributors read items, admins and QA managers change it."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

import anyio
from litestar import Controller, Request, delete, get, patch, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, JSONBody, Parameter

from backend.auth.guards import STAFF, allow
from backend.deps import Caller, Db, IfMatch, expected_version
from backend.errors import InvalidInput
from backend.masterdata.import_service import import_csv
from backend.masterdata.record_service import MasterDataService
from backend.masterdata.schemas import (
    BomCreate,
    BomLinesReplace,
    BomPublic,
    BomVersionCreate,
    CustomerCreate,
    CustomerPublic,
    CustomerUpdate,
    EquipmentCreate,
    EquipmentPublic,
    EquipmentUpdate,
    ImportReport,
    ItemCreate,
    ItemPublic,
    ItemUpdate,
    LocationCreate,
    LocationPublic,
    LocationUpdate,
    SiteCreate,
    SitePublic,
    SiteUpdate,
    SupplierCreate,
    SupplierPublic,
    SupplierUpdate,
    bom_public,
    boms_public,
    equipment_list_public,
    equipment_public,
    location_public,
    locations_public,
)
from backend.openapi import binary, request_body, upload
from shared_models.bounds import INT64_MAX
from shared_models.enums import Role

READ = allow(*STAFF)
WRITE = allow(Role.QA_MANAGER)
MAX_CSV_BYTES = 64 * 1024 * 1024

Query = Annotated[str | None, Parameter(max_length=200)]
Limit = Annotated[int, Parameter(ge=1, le=500)]
Offset = Annotated[int, Parameter(ge=0, le=INT64_MAX)]
VersionNo = Annotated[int, Parameter(ge=1, le=INT64_MAX)]
def _code(path_value: str) -> str:
    return path_value.removeprefix("/")   # {code:path} keeps codes with '/' routable


class SiteController(Controller):
    path = "/api/masterdata/sites"
    tags = ["masterdata"]

    @get("/", guards=[READ], sync_to_thread=True)
    def list_sites(self, db: Db, q: Query = None, limit: Limit = 50, offset: Offset = 0) -> list[SitePublic]:
        """Lists sites, `q` narrowing by a search text, paged with `limit` and `offset`."""
        return [SitePublic.model_validate(s) for s in MasterDataService(db).list_sites(q, limit, offset)]

    @get("/{code:path}", guards=[READ], sync_to_thread=True)
    def get_site(self, code: FromPath[str], db: Db) -> SitePublic:
        """One site by its code."""
        return SitePublic.model_validate(MasterDataService(db).get_site(_code(code)))

    @post("/", guards=[WRITE], sync_to_thread=True)
    def create_site(self, data: JSONBody[SiteCreate], db: Db) -> SitePublic:
        """Creates a site; 409 when its code is taken."""
        return SitePublic.model_validate(MasterDataService(db).create_site(data))

    @patch("/{code:path}", guards=[WRITE], sync_to_thread=True)
    def update_site(self, code: FromPath[str], data: JSONBody[SiteUpdate],
                    db: Db, if_match: IfMatch = None) -> SitePublic:
        """Changes some fields of a site. Send the version you read as `If-Match` (or `expected_version`): a
        change made meanwhile answers 409 instead of being overwritten."""
        site = MasterDataService(db).update_site(_code(code), data.changes(),
                                                 expected_version(if_match, data.expected_version))
        return SitePublic.model_validate(site)


class ItemController(Controller):
    path = "/api/masterdata/items"
    tags = ["masterdata"]

    @get("/", guards=[allow(*STAFF, Role.DISTRIBUTOR)], sync_to_thread=True)
    def list_items(self, db: Db, q: Query = None, limit: Limit = 50, offset: Offset = 0) -> list[ItemPublic]:
        """Lists items, `q` narrowing by a search text, paged with `limit` and `offset`."""
        return [ItemPublic.model_validate(i) for i in MasterDataService(db).list_items(q, limit, offset)]

    @get("/{part_no:path}", guards=[allow(*STAFF, Role.DISTRIBUTOR)], sync_to_thread=True)
    def get_item(self, part_no: FromPath[str], db: Db) -> ItemPublic:
        """One item by its part no.."""
        return ItemPublic.model_validate(MasterDataService(db).get_item(_code(part_no)))

    @post("/", guards=[WRITE], sync_to_thread=True)
    def create_item(self, data: JSONBody[ItemCreate], db: Db) -> ItemPublic:
        """Creates a item; 409 when its part no. is taken."""
        return ItemPublic.model_validate(MasterDataService(db).create_item(data))

    @patch("/{part_no:path}", guards=[WRITE], sync_to_thread=True)
    def update_item(self, part_no: FromPath[str], data: JSONBody[ItemUpdate],
                    db: Db, if_match: IfMatch = None) -> ItemPublic:
        """Changes some fields of a item. Send the version you read as `If-Match` (or `expected_version`): a
        change made meanwhile answers 409 instead of being overwritten."""
        item = MasterDataService(db).update_item(_code(part_no), data.changes(),
                                                 expected_version(if_match, data.expected_version))
        return ItemPublic.model_validate(item)


class SupplierController(Controller):
    path = "/api/masterdata/suppliers"
    tags = ["masterdata"]

    @get("/", guards=[READ], sync_to_thread=True)
    def list_suppliers(self, db: Db, q: Query = None, limit: Limit = 50,
                       offset: Offset = 0) -> list[SupplierPublic]:
        """Lists suppliers, `q` narrowing by a search text, paged with `limit` and `offset`."""
        return [SupplierPublic.model_validate(s) for s in MasterDataService(db).list_suppliers(q, limit, offset)]

    @get("/{code:path}", guards=[READ], sync_to_thread=True)
    def get_supplier(self, code: FromPath[str], db: Db) -> SupplierPublic:
        """One supplier by its code."""
        return SupplierPublic.model_validate(MasterDataService(db).get_supplier(_code(code)))

    @post("/", guards=[WRITE], sync_to_thread=True)
    def create_supplier(self, data: JSONBody[SupplierCreate], db: Db) -> SupplierPublic:
        """Creates a supplier; 409 when its code is taken."""
        return SupplierPublic.model_validate(MasterDataService(db).create_supplier(data))

    @patch("/{code:path}", guards=[WRITE], sync_to_thread=True)
    def update_supplier(self, code: FromPath[str], data: JSONBody[SupplierUpdate], db: Db,
                        if_match: IfMatch = None) -> SupplierPublic:
        """Changes some fields of a supplier. Send the version you read as `If-Match` (or `expected_version`): a
        change made meanwhile answers 409 instead of being overwritten."""
        supplier = MasterDataService(db).update_supplier(_code(code), data.changes(),
                                                         expected_version(if_match, data.expected_version))
        return SupplierPublic.model_validate(supplier)


class CustomerController(Controller):
    path = "/api/masterdata/customers"
    tags = ["masterdata"]

    @get("/", guards=[READ], sync_to_thread=True)
    def list_customers(self, db: Db, q: Query = None, limit: Limit = 50,
                       offset: Offset = 0) -> list[CustomerPublic]:
        """Lists customers, `q` narrowing by a search text, paged with `limit` and `offset`."""
        return [CustomerPublic.model_validate(c) for c in MasterDataService(db).list_customers(q, limit, offset)]

    @get("/{code:path}", guards=[READ], sync_to_thread=True)
    def get_customer(self, code: FromPath[str], db: Db) -> CustomerPublic:
        """One customer by its code."""
        return CustomerPublic.model_validate(MasterDataService(db).get_customer(_code(code)))

    @post("/", guards=[WRITE], sync_to_thread=True)
    def create_customer(self, data: JSONBody[CustomerCreate], db: Db) -> CustomerPublic:
        """Creates a customer; 409 when its code is taken."""
        return CustomerPublic.model_validate(MasterDataService(db).create_customer(data))

    @patch("/{code:path}", guards=[WRITE], sync_to_thread=True)
    def update_customer(self, code: FromPath[str], data: JSONBody[CustomerUpdate], db: Db,
                        if_match: IfMatch = None) -> CustomerPublic:
        """Changes some fields of a customer. Send the version you read as `If-Match` (or `expected_version`): a
        change made meanwhile answers 409 instead of being overwritten."""
        customer = MasterDataService(db).update_customer(_code(code), data.changes(),
                                                         expected_version(if_match, data.expected_version))
        return CustomerPublic.model_validate(customer)


class LocationController(Controller):
    """Site-scoped callers see and change only their own site's locations."""

    path = "/api/masterdata/locations"
    tags = ["masterdata"]

    @get("/", guards=[READ], sync_to_thread=True)
    def list_locations(self, db: Db, principal: Caller, q: Query = None, limit: Limit = 50,
                       offset: Offset = 0) -> list[LocationPublic]:
        """Lists locations, `q` narrowing by a search text, paged with `limit` and `offset`."""
        found = MasterDataService(db).list_locations(q, limit, offset, site_scope=principal.site_id)
        return locations_public(db, found)

    @get("/{code:path}", guards=[READ], sync_to_thread=True)
    def get_location(self, code: FromPath[str], db: Db, principal: Caller) -> LocationPublic:
        """One location by its code."""
        return location_public(db, MasterDataService(db).get_location(_code(code), site_scope=principal.site_id))

    @post("/", guards=[WRITE], sync_to_thread=True)
    def create_location(self, data: JSONBody[LocationCreate], db: Db, principal: Caller) -> LocationPublic:
        """Creates a location; 409 when its code is taken."""
        return location_public(db, MasterDataService(db).create_location(data, site_scope=principal.site_id))

    @patch("/{code:path}", guards=[WRITE], sync_to_thread=True)
    def update_location(self, code: FromPath[str], data: JSONBody[LocationUpdate], db: Db, principal: Caller,
                        if_match: IfMatch = None) -> LocationPublic:
        """Changes some fields of a location. Send the version you read as `If-Match` (or `expected_version`): a
        change made meanwhile answers 409 instead of being overwritten."""
        location = MasterDataService(db).update_location(
            _code(code), data.changes(), expected_version(if_match, data.expected_version),
            site_scope=principal.site_id)
        return location_public(db, location)


class EquipmentController(Controller):
    """Site-scoped callers see and change only their own site's equipment."""

    path = "/api/masterdata/equipment"
    tags = ["masterdata"]

    @get("/", guards=[READ], sync_to_thread=True)
    def list_equipment(self, db: Db, principal: Caller, q: Query = None, limit: Limit = 50,
                       offset: Offset = 0) -> list[EquipmentPublic]:
        """Lists equipment, `q` narrowing by a search text, paged with `limit` and `offset`."""
        found = MasterDataService(db).list_equipment(q, limit, offset, site_scope=principal.site_id)
        return equipment_list_public(db, found)

    @get("/{code:path}", guards=[READ], sync_to_thread=True)
    def get_equipment(self, code: FromPath[str], db: Db, principal: Caller) -> EquipmentPublic:
        """One equipment by its code."""
        return equipment_public(db, MasterDataService(db).get_equipment(_code(code), site_scope=principal.site_id))

    @post("/", guards=[WRITE], sync_to_thread=True)
    def create_equipment(self, data: JSONBody[EquipmentCreate], db: Db, principal: Caller) -> EquipmentPublic:
        """Creates a equipment; 409 when its code is taken."""
        return equipment_public(db, MasterDataService(db).create_equipment(data, site_scope=principal.site_id))

    @patch("/{code:path}", guards=[WRITE], sync_to_thread=True)
    def update_equipment(self, code: FromPath[str], data: JSONBody[EquipmentUpdate], db: Db, principal: Caller,
                         if_match: IfMatch = None) -> EquipmentPublic:
        """Changes some fields of a equipment. Send the version you read as `If-Match` (or `expected_version`):
        a change made meanwhile answers 409 instead of being overwritten."""
        machine = MasterDataService(db).update_equipment(
            _code(code), data.changes(), expected_version(if_match, data.expected_version),
            site_scope=principal.site_id)
        return equipment_public(db, machine)


class BomController(Controller):
    """BOM versions: drafts change freely; a released or superseded version is frozen (409 bom_released)."""

    path = "/api/masterdata/boms"
    tags = ["masterdata"]

    @get("/", guards=[READ], sync_to_thread=True)
    def list_boms(self, db: Db, q: Query = None, limit: Limit = 50, offset: Offset = 0) -> list[BomPublic]:
        """Lists bills of materials, paged with `limit` and `offset`."""
        return boms_public(db, MasterDataService(db).list_boms(q, limit, offset))

    @get("/{part_no:str}", guards=[READ], sync_to_thread=True)
    def get_bom(self, part_no: FromPath[str], db: Db,
                version: Annotated[int | None, Parameter(ge=1, le=INT64_MAX)] = None) -> BomPublic:
        """A part's bill of materials: its versions and their component lines."""
        return bom_public(db, MasterDataService(db).get_bom(part_no, version))

    @post("/", guards=[WRITE], sync_to_thread=True)
    def create_bom(self, data: JSONBody[BomCreate], db: Db) -> BomPublic:
        """Creates a bill of materials for a part, with its first (draft) version."""
        return bom_public(db, MasterDataService(db).create_bom_version(data.item, data.lines, data.note))

    @post("/{part_no:str}/versions", guards=[WRITE], sync_to_thread=True)
    def create_bom_version(self, part_no: FromPath[str], data: JSONBody[BomVersionCreate], db: Db) -> BomPublic:
        """Adds a new draft version to a part's bill of materials."""
        return bom_public(db, MasterDataService(db).create_bom_version(part_no, data.lines, data.note))

    @patch("/{part_no:str}/versions/{version:int}", guards=[WRITE], sync_to_thread=True)
    def replace_bom_lines(self, part_no: FromPath[str], version: VersionNo, data: JSONBody[BomLinesReplace],
                          db: Db) -> BomPublic:
        """Replaces the component lines of a draft BOM version."""
        return bom_public(db, MasterDataService(db).replace_bom_lines(part_no, version, data.lines))

    @delete("/{part_no:str}/versions/{version:int}/lines/{component:str}", guards=[WRITE], sync_to_thread=True)
    def remove_bom_line(self, part_no: FromPath[str], version: VersionNo, component: FromPath[str], db: Db) -> None:
        """Removes one component line from a draft BOM version."""
        MasterDataService(db).remove_bom_line(part_no, version, component)

    @post("/{part_no:str}/versions/{version:int}/release", guards=[WRITE], status_code=200, sync_to_thread=True)
    def release_bom(self, part_no: FromPath[str], version: VersionNo, db: Db) -> BomPublic:
        """Releases a draft BOM version: production then consumes against it; a released version no longer
        changes."""
        return bom_public(db, MasterDataService(db).release_bom(part_no, version))


CSV_UPLOAD = request_body("The CSV (UTF-8, a header row naming the columns), raw or as the one file of a form.", {
    "text/csv": binary("CSV text"), "multipart/form-data": upload("the CSV file")})


class ImportController(Controller):
    path = "/api/masterdata/import"
    tags = ["masterdata"]

    @post("/{entity:str}", guards=[WRITE], status_code=200, request_max_body_size=MAX_CSV_BYTES,
          operation_class=CSV_UPLOAD)
    async def import_file(self, entity: FromPath[str], request: Request[Any, Any, Any], db: Db,
                          principal: Caller) -> ImportReport:
        """The CSV as the raw body (text/csv) or as the file of a multipart upload; 422 csv_rejected lists all
        bad rows, and then nothing was written."""
        raw = await _csv_bytes(request)
        run = partial(import_csv, db, entity, raw, site_scope=principal.site_id)
        return await anyio.to_thread.run_sync(run)


async def _csv_bytes(request: Request[Any, Any, Any]) -> bytes:
    if request.content_type[0] != "multipart/form-data":
        return await request.body()
    form = await request.form()
    files = [v for _, v in form.multi_items() if isinstance(v, UploadFile)]
    if len(files) != 1:
        raise InvalidInput(f"Upload exactly one CSV file; got {len(files)}.")
    return await files[0].read()


MASTERDATA_CONTROLLERS: list[type[Controller]] = [
    SiteController, ItemController, SupplierController, CustomerController, LocationController, EquipmentController,
    BomController, ImportController,
]

"""Master data (主数据) in the console: items, suppliers, customers and locations listed (searched through
backend/masterdata's services, sorted and paged on the server), and the import of a CSV or XLSX file through
backend/masterdata's import: every bad row shown with its reason, nothing written from a file with errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, Parameter, QueryParameter
from litestar.response import Redirect
from sqlmodel import Session

from backend.auth.principal import Principal
from backend.console.pages import is_htmx, render, require
from backend.console.sheet import is_xlsx, xlsx_as_csv
from backend.console.tables import page_of
from backend.deps import Caller, Db
from backend.errors import InvalidInput, NotFound
from backend.masterdata.errors import CsvRejected
from backend.masterdata.import_service import import_csv
from backend.masterdata.record_service import MasterDataService

MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_LISTED = 5000       # rows a search may bring to be sorted; narrow the search beyond that
BATCH = 500             # the service's page size

# entity → (columns shown, the service's list method); the first column is the record's key.
Lister = Callable[[MasterDataService, str | None, int, int, Principal], list[Any]]
ENTITIES: dict[str, tuple[tuple[str, ...], Lister]] = {
    "items": (("part_no", "name", "gtin", "uom", "tracking", "needs_iqc"),
              lambda s, q, n, at, _: s.list_items(q, n, at)),
    "suppliers": (("code", "name", "gln", "contact"), lambda s, q, n, at, _: s.list_suppliers(q, n, at)),
    "customers": (("code", "name", "kind", "regions", "channels"),
                  lambda s, q, n, at, _: s.list_customers(q, n, at)),
    "locations": (("code", "name", "kind", "gln"),
                  lambda s, q, n, at, p: s.list_locations(q, n, at, site_scope=p.site_id)),
}
IMPORTS = ("items", "suppliers", "customers", "locations", "equipment", "bom_lines")


def _cell(row: Any, column: str) -> Any:
    value = getattr(row, column)
    if isinstance(value, list):
        return ", ".join(value)
    return getattr(value, "value", value)


def _all(db: Session, entity: str, q: str, principal: Principal) -> tuple[list[Any], bool]:
    """Every row the search finds (up to MAX_LISTED), read through the service a batch at a time."""
    lister = ENTITIES[entity][1]
    service, found = MasterDataService(db), []
    while len(found) < MAX_LISTED:
        batch = lister(service, q or None, BATCH, len(found), principal)
        found += batch
        if len(batch) < BATCH:
            return found, False
    return found, True


class MasterDataPages(Controller):
    path = "/masterdata"

    @get("/", sync_to_thread=False)
    def start(self, principal: Caller) -> Redirect:
        require(principal, "masterdata")
        return Redirect("/console/masterdata/items", status_code=303)

    @get("/import", sync_to_thread=False)
    def import_page(self, request: Request[Any, Any, Any], principal: Caller,
                    entity: Annotated[str, Parameter(max_length=32)] = "items") -> Response[str]:
        require(principal, "masterdata")
        return render(request, "masterdata_import.html", entities=IMPORTS,
                      entity=entity if entity in IMPORTS else "items")

    @post("/import", status_code=200, request_max_body_size=MAX_FILE_BYTES + 65536)
    async def import_file(self, request: Request[Any, Any, Any], db: Db, principal: Caller) -> Response[str]:
        """A multipart form: `entity` and `file` (CSV or XLSX). The answer is the import's result, or (422) the
        table of every bad row."""
        require(principal, "masterdata")
        form = await request.form()
        entity, upload = str(form.get("entity", "")), form.get("file")
        if entity not in IMPORTS:
            raise InvalidInput(f"entity: '{entity}' cannot be imported; choose one of {', '.join(IMPORTS)}.")
        if not isinstance(upload, UploadFile):
            raise InvalidInput("file: choose a CSV or XLSX file to import.")
        data = await upload.read()
        name = upload.filename or ""
        try:
            text: str | bytes = xlsx_as_csv(data) if is_xlsx(data, name) else data
            report = import_csv(db, entity, text, site_scope=principal.site_id)
        except CsvRejected as exc:
            return render(request, "_import_result.html", status_code=422, entity=entity, file=name, report=None,
                          errors=exc.context["errors"])
        return render(request, "_import_result.html", entity=entity, file=name, report=report, errors=[])

    @get("/{entity:str}", sync_to_thread=True)
    def list_page(self, request: Request[Any, Any, Any], entity: FromPath[str], db: Db, principal: Caller,
                  q: Annotated[str, Parameter(max_length=100)] = "",
                  sort: Annotated[str, Parameter(max_length=32)] = "",
                  direction: Annotated[str, QueryParameter(name="dir", max_length=4)] = "asc",
                  page: Annotated[int, Parameter(ge=1, le=1_000_000)] = 1) -> Response[str]:
        require(principal, "masterdata")
        if entity not in ENTITIES:
            raise NotFound("master data list", entity)
        columns = ENTITIES[entity][0]
        rows, cut = _all(db, entity, q.strip(), principal)
        keys = {c: (lambda r, c=c: _text_key(_cell(r, c))) for c in columns}
        table = page_of(rows, sort=sort or columns[0], desc=direction == "desc", page=page, keys=keys,
                        query={"q": q})
        template = "_md_table.html" if is_htmx(request) and request.headers.get("hx-target") == "md-rows" \
            else "masterdata.html"
        return render(request, template, entity=entity, entities=tuple(ENTITIES), columns=columns, table=table,
                      q=q, cut=cut, cell=_cell)


def _text_key(value: Any) -> Any:
    if value is None or value == "":
        return None
    return str(value).lower() if not isinstance(value, (int, float)) else value

"""Master-data rows found by their code, searched, revised under a server version and written, a refused write
becoming a WriteConflict: what the master-data service's actions are made of."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from backend.errors import Forbidden, InvalidInput, NotFound
from backend.masterdata.errors import AlreadyExists, StaleVersion, UnknownReference, WriteConflict
from shared_models.masterdata import Customer, Equipment, Item, Location, Site, Supplier, Versioned
from shared_models.types import utcnow

Row = TypeVar("Row", bound=SQLModel)

KEY: dict[type[SQLModel], str] = {Item: "part_no", Site: "code", Supplier: "code", Customer: "code",
                                  Location: "code", Equipment: "code"}
WHAT: dict[type[SQLModel], str] = {Item: "item", Site: "site", Supplier: "supplier", Customer: "customer",
                                   Location: "location", Equipment: "equipment"}
SEARCH: dict[type[SQLModel], tuple[str, ...]] = {Item: ("part_no", "name", "gtin"), Site: ("code", "name"),
                                                 Supplier: ("code", "name"), Customer: ("code", "name"),
                                                 Location: ("code", "name"), Equipment: ("code", "name", "kind")}


def patch_of(schema: type[BaseModel], changes: Mapping[str, Any], expected_version: int | None,
             ) -> tuple[dict[str, Any], int | None]:
    """The changed fields, and the version they were made against (the argument wins over one in `changes`)."""
    patch = validated(schema, changes)
    return patch.changes(), expected_version if expected_version is not None else patch.expected_version


def validated(schema: type[BaseModel], data: Mapping[str, Any]) -> Any:
    """`data` as `schema`; raises InvalidInput listing every field that is wrong."""
    try:
        return schema.model_validate(dict(data))
    except ValidationError as exc:
        errors = [{"field": ".".join(str(p) for p in e["loc"]) or None, "message": e["msg"]} for e in exc.errors()]
        detail = "; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors)
        raise InvalidInput(detail, errors=errors) from exc


def matches(q: str, *columns: Any) -> Any:
    """Any of the columns contains `q`, case-insensitively, its wildcards taken literally."""
    pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return or_(*(col(c).ilike(pattern, escape="\\") for c in columns))


class RowStore:
    """`site_scope` is the caller's site (None: every site): other sites' locations and equipment look absent."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _get(self, model: type[Row], key: str, *, lock: bool = False, site_scope: str | None = None) -> Row:
        query = select(model).where(getattr(model, KEY[model]) == key)
        row = self.session.exec(query.with_for_update() if lock else query).first()
        if row is None or (site_scope is not None and getattr(row, "site_id", site_scope) != site_scope):
            raise NotFound(WHAT[model], key)
        return row

    def _ref(self, model: type[Row], field: str, key: str, *, lock: bool = False) -> Row:
        """A code given inside a request: its absence is bad input, not a missing resource."""
        try:
            return self._get(model, key, lock=lock)
        except NotFound as exc:
            raise UnknownReference(WHAT[model], field, key) from exc

    def _writable_site(self, code: str, site_scope: str | None) -> Site:
        site = self._ref(Site, "site", code)
        if site_scope is not None and site.id != site_scope:
            raise Forbidden(f"site: you may change master data of your own site only, not of {code}.",
                            field="site", value=code)
        return site

    def _ensure_free(self, model: type[SQLModel], field: str, value: str, *, other_than: str | None = None) -> None:
        row_id = model.id  # type: ignore[attr-defined]
        query = select(row_id).where(getattr(model, field) == value)
        if other_than is not None:
            query = query.where(row_id != other_than)
        if self.session.exec(query).first() is not None:
            raise AlreadyExists(WHAT[model], field, value)

    def _list(self, model: type[Row], q: str | None, limit: int, offset: int, *,
              site_scope: str | None = None) -> list[Row]:
        query = select(model)
        if q:
            query = query.where(matches(q, *(getattr(model, f) for f in SEARCH[model])))
        if site_scope is not None:
            query = query.where(model.site_id == site_scope)  # type: ignore[attr-defined]
        key = getattr(model, KEY[model])
        return list(self.session.exec(query.order_by(key).offset(max(offset, 0)).limit(max(min(limit, 500), 1))))

    def _expect(self, row: Versioned, key: str, expected_version: int | None) -> None:
        if expected_version is not None and expected_version != row.version:
            raise StaleVersion(WHAT[type(row)], key, row.version, expected_version)

    def _revise(self, row: Versioned, key: str, fields: Mapping[str, Any], expected_version: int | None) -> None:
        """Per-field last-write-wins on a server version: the version moves only when a value really changes."""
        self._expect(row, key, expected_version)
        changed = False
        for field, value in fields.items():
            if getattr(row, field) != value:
                setattr(row, field, value)
                changed = True
        if changed:
            row.version += 1
            row.updated_at = utcnow()
            self.session.add(row)

    def _add(self, row: Row) -> Row:
        self.session.add(row)
        self._flush()
        return row

    def _flush(self) -> None:
        try:
            self.session.flush()
        except IntegrityError as exc:
            self.session.rollback()
            raise WriteConflict(f"The database refused the change: {exc.orig}") from exc

    def _committed(self, row: Row) -> Row:
        try:
            self.session.commit()
        except IntegrityError as exc:
            self.session.rollback()
            raise WriteConflict(f"The database refused the change: {exc.orig}") from exc
        return row

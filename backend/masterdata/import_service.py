"""Master data from a CSV file: every row checked as a form would be, then all of it written, or none."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlmodel import Session

from backend.errors import DomainError, NotFound
from backend.masterdata.errors import AlreadyExists, CsvRejected, RowError, WriteConflict
from backend.masterdata.record_service import MasterDataService
from backend.masterdata.schemas import (
    BomLineIn,
    BomLineRow,
    CustomerCreate,
    EquipmentCreate,
    ImportReport,
    ItemCreate,
    LocationCreate,
    SupplierCreate,
)

MAX_ROWS = 50_000
LIST_SEPARATOR = "|"
_LIST_COLUMNS = frozenset({"regions", "channels"})

Stage = Callable[[MasterDataService, Any, str | None], Any]
_ENTITIES: dict[str, tuple[type[BaseModel], Stage]] = {
    "items": (ItemCreate, lambda s, d, _: s.stage_item(d)),
    "suppliers": (SupplierCreate, lambda s, d, _: s.stage_supplier(d)),
    "customers": (CustomerCreate, lambda s, d, _: s.stage_customer(d)),
    "locations": (LocationCreate, lambda s, d, scope: s.stage_location(d, site_scope=scope)),
    "equipment": (EquipmentCreate, lambda s, d, scope: s.stage_equipment(d, site_scope=scope)),
}
ENTITIES = (*_ENTITIES, "bom_lines")


def import_csv(session: Session, entity: str, text: str | bytes, *, site_scope: str | None = None) -> ImportReport:
    """Raises CsvRejected (nothing written) listing every bad row, NotFound for an unknown entity."""
    if entity == "bom_lines":
        schema: type[BaseModel] = BomLineRow
    elif entity in _ENTITIES:
        schema = _ENTITIES[entity][0]
    else:
        raise NotFound("import entity", entity)
    rows, errors = _read(_decode(text), schema)
    service = MasterDataService(session)
    try:
        if entity == "bom_lines":
            created = _stage_bom_lines(service, rows, errors)
        else:
            created = _stage_rows(service, entity, rows, site_scope, errors)
    except WriteConflict:
        session.rollback()
        raise
    if errors:
        session.rollback()
        raise CsvRejected(sorted(errors, key=lambda e: e["line"]))
    session.commit()
    return ImportReport(entity=entity, rows=len(rows), created=created)


# -- reading ----------------------------------------------------------------------------------------------------
def _decode(text: str | bytes) -> str:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CsvRejected([RowError(line=text.count(b"\n", 0, exc.start) + 1, column=None,
                                        message="the file is not UTF-8; save it as 'CSV UTF-8'")]) from exc
    return text.removeprefix("\ufeff")   # Excel writes a byte-order mark


def _read(text: str, schema: type[BaseModel]) -> tuple[list[tuple[int, dict[str, Any]]], list[RowError]]:
    """Rows as (file line, cells given), blank cells left out so that defaults apply; and misshapen rows."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    header_line = 1
    rows: list[tuple[int, dict[str, Any]]] = []
    errors: list[RowError] = []
    start = 1
    for cells in reader:
        line, start = start, reader.line_num + 1   # a quoted cell may span lines: report where the row starts
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            header, header_line = [c.strip().lower() for c in cells], line
            while header and not header[-1]:   # trailing empty columns a spreadsheet left behind
                header.pop()
            errors += _check_header(header, schema, line)
            if errors:
                raise CsvRejected(errors)
            continue
        if len(rows) == MAX_ROWS:
            raise CsvRejected([RowError(line=line, column=None,
                                        message=f"more than {MAX_ROWS} rows; split the file")])
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
            message = f"{len(cells)} cells, but the header (line {header_line}) has {len(header)}"
            errors.append(RowError(line=line, column=None, message=message))
            continue
        if len(cells) < len(header):
            errors.append(RowError(line=line, column=header[len(cells)], message="missing cell"))
            continue
        rows.append((line, {name: _cell(name, value) for name, value in zip(header, cells, strict=False)
                            if value.strip()}))
    if header is None:
        raise CsvRejected([RowError(line=1, column=None, message="the file is empty; a header row is required")])
    return rows, errors


def _check_header(header: list[str], schema: type[BaseModel], line: int) -> list[RowError]:
    known = list(schema.model_fields)
    errors = [RowError(line=line, column=name or None,
                       message=f"unknown column '{name}'; known columns: {', '.join(known)}")
              for name in header if name not in known]
    errors += [RowError(line=line, column=name, message="column given twice")
               for i, name in enumerate(header) if name in header[:i]]
    errors += [RowError(line=line, column=name, message="required column is missing")
               for name, field in schema.model_fields.items() if field.is_required() and name not in header]
    return errors


def _cell(column: str, value: str) -> Any:
    if column in _LIST_COLUMNS:
        return [part.strip() for part in value.split(LIST_SEPARATOR)]
    return value.strip()


def _schema_errors(line: int, exc: ValidationError) -> list[RowError]:
    return [RowError(line=line, column=str(e["loc"][0]) if e["loc"] else None, message=e["msg"])
            for e in exc.errors()]


def _domain_error(line: int, exc: DomainError, seen: dict[tuple[str, str], int]) -> RowError:
    column = exc.context.get("field")
    message = exc.detail
    if isinstance(exc, AlreadyExists) and (column, exc.context["value"]) in seen:
        message = f"{column} '{exc.context['value']}' is already on line {seen[(column, exc.context['value'])]}"
    return RowError(line=line, column=column, message=message)


# -- staging ----------------------------------------------------------------------------------------------------
def _stage_rows(service: MasterDataService, entity: str, rows: list[tuple[int, dict[str, Any]]],
                site_scope: str | None, errors: list[RowError]) -> dict[str, int]:
    schema, stage = _ENTITIES[entity]
    seen: dict[tuple[str, str], int] = {}   # unique values of this file → their line, to name the first one
    for line, values in rows:
        try:
            data = schema.model_validate(values)
        except ValidationError as exc:
            errors += _schema_errors(line, exc)
            continue
        try:
            stage(service, data, site_scope)
        except WriteConflict:
            raise
        except DomainError as exc:
            errors.append(_domain_error(line, exc, seen))
            continue
        for key in ("part_no", "code", "gtin"):
            if getattr(data, key, None) is not None:
                seen[(key, getattr(data, key))] = line
    return {entity: len(rows)}


def _stage_bom_lines(service: MasterDataService, rows: list[tuple[int, dict[str, Any]]],
                     errors: list[RowError]) -> dict[str, int]:
    """Each (item, version) becomes a draft; its version must be the item's next number."""
    groups: dict[tuple[str, int], list[tuple[int, BomLineRow]]] = {}
    for line, values in rows:
        try:
            row = BomLineRow.model_validate(values)
        except ValidationError as exc:
            errors += _schema_errors(line, exc)
            continue
        group = groups.setdefault((row.item, row.version), [])
        if row.component == row.item:
            errors.append(RowError(line=line, column="component", message=f"{row.item} cannot contain itself"))
        elif any(other.component == row.component for _, other in group):
            errors.append(RowError(line=line, column="component",
                                   message=f"{row.component} is listed twice for {row.item} v{row.version}"))
        for column in ("item", "component"):
            try:
                service.get_item(getattr(row, column))
            except NotFound:
                errors.append(RowError(line=line, column=column, message=f"no item '{getattr(row, column)}'"))
        group.append((line, row))
    if errors:   # a version made of some of its lines would only add confusing errors
        return {}
    for (item, version), lines in groups.items():
        first = lines[0][0]
        expected = service.next_bom_version(item)
        if version != expected:
            errors.append(RowError(line=first, column="version",
                                   message=f"{item} v{version} cannot be made here; its next version is {expected}"))
            continue
        try:
            service.stage_bom_version(item, [BomLineIn(component=r.component, qty_per=r.qty_per) for _, r in lines])
        except WriteConflict:
            raise
        except DomainError as exc:
            value = exc.context.get("value")
            line = next((n for n, r in lines if r.component == value), first)
            errors.append(RowError(line=line, column=exc.context.get("field"), message=exc.detail))
    return {"boms": len(groups), "bom_lines": len(rows)}


__all__ = ["ENTITIES", "MAX_ROWS", "import_csv"]

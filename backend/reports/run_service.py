"""Running a report definition: check it against its dataset, build one SELECT (grouped, filtered, scoped to the
caller, sorted and paged on the server) and shape the answer the console draws.

Scope, the rule trace and recall apply (backend/trace/lookup.py visible_units): a site-bound account sees its
site's units, a distributor only the units shipped to it, and only in the datasets made of units it may hold
(events, units, stock, shipments); plant-wide datasets answer DatasetNotInScope to a distributor."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import desc, func, literal_column, select
from sqlmodel import Session

from backend.auth.principal import Principal
from backend.reports.buckets import bucket
from backend.reports.datasets import PERCENT, TIME, Dataset, datasets
from backend.reports.errors import DatasetNotInScope, InvalidReport
from backend.reports.schemas import (
    Chart,
    Column,
    FilterSpec,
    ReportDefinition,
    ReportResult,
    RunOptions,
)
from backend.trace.lookup import visible_units

GRAIN_LABEL = {"day": ("day", "日"), "week": ("week", "周"), "month": ("month", "月")}
CUMULATIVE = "cumulative_pct"
MAX_IN = 1000


@dataclass(frozen=True)
class Plan:
    """A checked definition as SQL: the grouped statement and what its columns are."""

    statement: Any
    columns: list[Column]
    chart: Chart
    order: list[Any]


def _dataset(session: Session, name: str) -> Dataset:
    found = datasets(session.get_bind().dialect.name)
    if name not in found:
        raise InvalidReport("dataset", f"'{name}' is not a dataset; choose one of: {', '.join(sorted(found))}.")
    return found[name]


def _choices(names: Any) -> str:
    return ", ".join(sorted(names)) or "(none)"


def _parse_time(where: str, value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError as exc:
            raise InvalidReport(where, f"'{value}' is not an ISO 8601 time, e.g. 2026-10-01T00:00:00+08:00.") from exc
    if parsed.tzinfo is None:
        raise InvalidReport(where, f"'{value}' needs a time zone offset (e.g. +08:00 or Z).")
    return parsed


def _condition(ds: Dataset, f: FilterSpec, where: str) -> Any:
    if f.field not in ds.dimensions:
        raise InvalidReport(f"{where}.field", f"'{f.field}' is not a field of dataset {ds.name}; choose one of: "
                                             f"{_choices(ds.dimensions)}.")
    dim = ds.dimensions[f.field]
    expr, value = dim.expr, f.value

    def scalar(v: Any, at: str) -> Any:
        if dim.kind == TIME:
            return _parse_time(at, v)
        if isinstance(v, (dict, list)) or v is None:
            raise InvalidReport(at, f"expects one value for {f.field}, not {type(v).__name__}.")
        return v.value if isinstance(v, Enum) else v

    if f.op == "eq":
        return expr == scalar(value, f"{where}.value")
    if f.op == "in":
        if not isinstance(value, list) or not value or len(value) > MAX_IN:
            raise InvalidReport(f"{where}.value", f"'in' takes a list of 1 to {MAX_IN} values.")
        return expr.in_([scalar(v, f"{where}.value[{n}]") for n, v in enumerate(value)])
    if not isinstance(value, list) or len(value) != 2:
        raise InvalidReport(f"{where}.value", "'range' takes [from, to]; either may be null.")
    low, high = (scalar(v, f"{where}.value[{n}]") if v is not None else None for n, v in enumerate(value))
    if low is not None and high is not None and low > high:
        raise InvalidReport(f"{where}.value", f"the range starts ({value[0]}) after it ends ({value[1]}).")
    parts = [*([expr >= low] if low is not None else []), *([expr < high] if high is not None else [])]
    return parts[0] & parts[1] if len(parts) == 2 else (parts[0] if parts else expr.is_not(None) | expr.is_(None))


def _common_filters(ds: Dataset, options: RunOptions) -> list[tuple[str, FilterSpec]]:
    out: list[tuple[str, FilterSpec]] = []
    for name in ("site", "line", "item", "supplier"):
        value = getattr(options, name)
        if value is None:
            continue
        if name not in ds.common:
            raise InvalidReport(name, f"dataset {ds.name} cannot be filtered by {name}; it takes: "
                                      f"{_choices([*ds.common, *(['from', 'to'] if ds.time else [])])}.")
        out.append((name, FilterSpec(field=ds.common[name], op="eq", value=value)))
    if options.from_at or options.to_at:
        if ds.time is None:
            raise InvalidReport("from", f"dataset {ds.name} has no time to filter a period on.")
        out.append(("period", FilterSpec(field=ds.time, op="range", value=[options.from_at, options.to_at])))
    return out


def _scope(ds: Dataset, principal: Principal) -> list[Any]:
    if principal.is_distributor and not ds.distributors:
        raise DatasetNotInScope(ds.name)
    if ds.has_units:
        clause = visible_units(principal)
        return [] if clause is True else [clause]
    if ds.site_column is not None and principal.site_id is not None:
        return [ds.site_column == principal.site_id]
    return []


def plan(session: Session, principal: Principal, definition: ReportDefinition, options: RunOptions) -> Plan:
    """Raises InvalidReport naming the part of the definition or options that is wrong, DatasetNotInScope."""
    ds = _dataset(session, definition.dataset)
    zh = options.lang == "zh-CN"
    labels, groups, columns = [], [], []
    for n, ref in enumerate(definition.dimensions):
        if ref.field not in ds.dimensions:
            raise InvalidReport(f"dimensions[{n}].field", f"'{ref.field}' is not a dimension of dataset {ds.name}; "
                                                         f"choose one of: {_choices(ds.dimensions)}.")
        dim = ds.dimensions[ref.field]
        if dim.kind == TIME:
            grain = ref.grain or "day"
            expr, name = bucket(dim.expr, grain), f"{ref.field}_{grain}"
            label = f"{dim.zh if zh else dim.en} ({GRAIN_LABEL[grain][1 if zh else 0]})"
            kind = "date"
        elif ref.grain is not None:
            raise InvalidReport(f"dimensions[{n}].grain", f"{ref.field} is not a time; only times take a grain.")
        else:
            expr, name, label, kind = dim.expr, ref.field, dim.zh if zh else dim.en, dim.kind
        if name in {c.name for c in columns}:
            raise InvalidReport(f"dimensions[{n}]", f"{name} is listed twice.")
        groups.append(expr)
        labels.append(expr.label(name))
        columns.append(Column(name=name, label=label, kind=kind))
    for n, m in enumerate(definition.measures):
        if m not in ds.measures:
            raise InvalidReport(f"measures[{n}]", f"'{m}' is not a measure of dataset {ds.name}; choose one of: "
                                                  f"{_choices(ds.measures)}.")
        if m in {c.name for c in columns}:
            raise InvalidReport(f"measures[{n}]", f"{m} is listed twice.")
        field = ds.measures[m]
        labels.append(field.expr.label(m))
        columns.append(Column(name=m, label=field.zh if zh else field.en, kind=field.kind))
    conditions = [_condition(ds, f, f"filters[{n}]") for n, f in enumerate(definition.filters)]
    conditions += [_condition(ds, f, where) for where, f in _common_filters(ds, options)]
    stmt = select(*labels).select_from(ds.source).where(*ds.where, *conditions, *_scope(ds, principal))
    if groups:
        # By position: a dimension that is a lookup (the line a unit was made on) is evaluated once per row, not
        # again for GROUP BY. SQLite and PostgreSQL both read GROUP BY 1, 2 as the first select-list columns.
        stmt = stmt.group_by(*(literal_column(str(n)) for n in range(1, len(groups) + 1)))
    grouped = stmt.subquery("report")
    chart_type = definition.chart.type
    measure = definition.measures[0]
    outer = [grouped.c[c.name] for c in columns]
    if chart_type == "pareto":
        # Cumulative share of the first measure, biggest first: the Pareto line, computed by the database.
        m = grouped.c[measure]
        ranked = [desc(m), *[grouped.c[c.name] for c in columns[:len(groups)]]]
        cumulative = (func.sum(m).over(order_by=ranked, rows=(None, 0)) * 1.0
                      / func.nullif(func.sum(m).over(), 0))
        outer.append(cumulative.label(CUMULATIVE))
        columns.append(Column(name=CUMULATIVE, label="累计占比" if zh else "Cumulative share", kind=PERCENT))
    final = select(*outer).select_from(grouped)
    names = [c.name for c in columns]
    order = _order(options.sort or definition.sort or ([f"-{measure}"] if chart_type == "pareto" else []),
                   final, names, len(groups))
    x = definition.chart.x or (names[0] if groups else None)
    y = definition.chart.y or [*definition.measures, *([CUMULATIVE] if chart_type == "pareto" else [])]
    for where, name in [("chart.x", x), *((f"chart.y[{n}]", v) for n, v in enumerate(y))]:
        if name is not None and name not in names:
            raise InvalidReport(where, f"'{name}' is not a column of this report; columns: {', '.join(names)}.")
    return Plan(final, columns, Chart(type=chart_type, x=x, y=y), order)


def _order(sort: list[str], final: Any, names: list[str], dims: int) -> list[Any]:
    cols = final.selected_columns
    order = []
    for n, key in enumerate(sort):
        name = key.removeprefix("-")
        if name not in names:
            raise InvalidReport(f"sort[{n}]", f"'{name}' is not a column of this report; columns: {', '.join(names)}.")
        order.append(desc(cols[name]) if key.startswith("-") else cols[name])
    return order + [cols[name] for name in names[:dims]]   # ties break the same way every page


def cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def run_report(session: Session, principal: Principal, definition: ReportDefinition,
               options: RunOptions) -> ReportResult:
    p = plan(session, principal, definition, options)
    # The total comes with the page (a window over the grouped rows): one pass over the data, not two.
    page = (p.statement.add_columns(func.count().over().label("total_rows")).order_by(*p.order)
            .limit(options.limit).offset(options.offset))
    found = session.execute(page).all()
    if found:
        total = found[0][-1]
    else:  # a page past the end still tells how many rows there are
        total = session.execute(select(func.count()).select_from(p.statement.subquery())).scalar_one()
    rows = [[cell(v) for v in row[:-1]] for row in found]
    return ReportResult(columns=p.columns, rows=rows, chart=p.chart, total_rows=total)


def stream_rows(session: Session, principal: Principal, definition: ReportDefinition, options: RunOptions,
                batch: int = 5000) -> tuple[list[Column], Iterator[list[Any]]]:
    """Every row (no paging), read from the database `batch` rows at a time: for exports of any size."""
    p = plan(session, principal, definition, options)
    result = session.execute(p.statement.order_by(*p.order).execution_options(yield_per=batch))
    return p.columns, ([cell(v) for v in row] for row in result)


__all__ = ["CUMULATIVE", "cell", "plan", "run_report", "stream_rows"]

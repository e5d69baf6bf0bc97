"""The dashboards as report runs: the page's filters turned into each report's RunOptions (a filter a dataset
cannot take is named on its card, not applied), and a drill-down as a report of its own: the same dataset, the
clicked figure's dimension values as extra filters, grouped down to the finest grain the dataset has."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from backend.errors import InvalidInput
from backend.reports.datasets import TIME, Dataset
from backend.reports.schemas import DimensionRef, FilterSpec, ReportDefinition, RunOptions

# The shipped reports the dashboard page draws, in the order a QA manager reads them.
DASHBOARD = ("defect_pareto", "fpy_by_line_item", "supplier_ppm_by_month", "output_vs_work_orders",
             "warnings_over_time", "recall_progress")
COMMON = ("site", "line", "item", "supplier")
GRAIN_DAYS = {"day": 1, "week": 7}

# Drill-down: what a figure is made of, by dataset (at most four dimensions, the engine's limit). Work orders
# drill into the produce events of the order, one row per unit made.
DRILL: dict[str, tuple[str, list[DimensionRef], list[str]]] = {
    "defects": ("defects", [DimensionRef(field="occurred_at", grain="day"), DimensionRef(field="stage"),
                            DimensionRef(field="item"), DimensionRef(field="supplier")], ["defects", "inspections"]),
    "inspections": ("inspections", [DimensionRef(field="occurred_at", grain="day"), DimensionRef(field="stage"),
                                    DimensionRef(field="verdict"), DimensionRef(field="item")],
                    ["inspections", "units_inspected", "sampled", "defective"]),
    "work_orders": ("events", [DimensionRef(field="unit"), DimensionRef(field="item"),
                               DimensionRef(field="occurred_at", grain="day")], ["qty", "events"]),
    "warnings": ("warnings", [DimensionRef(field="opened_at", grain="day"), DimensionRef(field="rule"),
                              DimensionRef(field="severity"), DimensionRef(field="state")], ["warnings", "open"]),
    "recalls": ("recalls", [DimensionRef(field="case"), DimensionRef(field="customer"), DimensionRef(field="kind"),
                            DimensionRef(field="item")], ["units", "qty", "returned_qty", "outstanding_qty"]),
    "events": ("events", [DimensionRef(field="unit"), DimensionRef(field="type"),
                          DimensionRef(field="occurred_at", grain="day")], ["qty", "events"]),
}
# Extra conditions of a drill (work orders: only the produce events' outputs).
DRILL_WHERE = {"work_orders": [FilterSpec(field="type", op="eq", value="produce"),
                               FilterSpec(field="role", op="eq", value="output")]}


@dataclass(frozen=True, slots=True)
class DashboardFilters:
    """What the filter form sends; blank means "all". Dates are whole UTC days, `to` included."""

    site: str = ""
    line: str = ""
    item: str = ""
    supplier: str = ""
    from_date: str = ""
    to_date: str = ""

    def query(self) -> dict[str, str]:
        return {k: v for k, v in (("site", self.site), ("line", self.line), ("item", self.item),
                                  ("supplier", self.supplier), ("from", self.from_date), ("to", self.to_date)) if v}

    def period(self) -> tuple[datetime | None, datetime | None]:
        low, high = _day("from", self.from_date), _day("to", self.to_date)
        if low and high and low > high:
            raise InvalidInput(f"from: the period starts ({self.from_date}) after it ends ({self.to_date}).")
        return (datetime.combine(low, datetime.min.time(), UTC) if low else None,
                datetime.combine(high + timedelta(days=1), datetime.min.time(), UTC) if high else None)

    def options(self, ds: Dataset, *, lang: str, limit: int, offset: int = 0) -> tuple[RunOptions, list[str]]:
        """The run options this dataset can take, and the names of the filters it cannot (shown, not applied)."""
        given = {name: getattr(self, name).strip() for name in COMMON if getattr(self, name).strip()}
        taken = {name: value for name, value in given.items() if name in ds.common}
        skipped = [name for name in given if name not in taken]
        low, high = self.period()
        if (low or high) and ds.time is None:
            skipped.append("period")
            low = high = None
        return RunOptions(**taken, from_at=low, to_at=high, lang=lang, limit=limit,  # type: ignore[arg-type]
                          offset=offset), skipped


def _day(name: str, raw: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"{name}: '{raw}' is not a date; use YYYY-MM-DD.") from None


def _bucket_range(column: str, value: str) -> list[str]:
    """A time bucket's label (2026-10, 2026-10-05) as the [from, to) range of UTC times it stands for."""
    grain = column.rsplit("_", 1)[1]
    try:
        if grain == "month":
            start = date.fromisoformat(f"{value}-01")
            end = date(start.year + start.month // 12, start.month % 12 + 1, 1)
        else:
            start = date.fromisoformat(value)
            end = start + timedelta(days=GRAIN_DAYS[grain])
    except (ValueError, KeyError):
        raise InvalidInput(f"{column}: '{value}' is not a {grain} of this report.") from None
    return [datetime.combine(d, datetime.min.time(), UTC).isoformat() for d in (start, end)]


def drill_definition(definition: ReportDefinition, ds: Dataset, point: dict[str, str]) -> ReportDefinition:
    """The report behind one figure: `point` maps the report's dimension columns (as the result names them) to
    the clicked values. Raises InvalidInput for a column that is not a dimension of the report."""
    columns = {(f"{d.field}_{d.grain}" if d.grain else d.field): d for d in definition.dimensions}
    if not columns:
        raise InvalidInput("This report has no dimension to drill into.")
    filters = list(definition.filters)
    for column, value in point.items():
        if column not in columns:
            raise InvalidInput(f"{column}: not a dimension of this report; use one of {', '.join(columns)}.")
        ref = columns[column]
        if ds.dimensions[ref.field].kind == TIME:
            filters.append(FilterSpec(field=ref.field, op="range", value=_bucket_range(column, value)))
        else:
            filters.append(FilterSpec(field=ref.field, op="eq", value=value))
    dataset, dimensions, measures = DRILL.get(ds.name, (ds.name, list(definition.dimensions),
                                                        list(definition.measures)))
    if dataset != ds.name:   # work orders → their produce events: the filters carry over by the same names
        filters = [*DRILL_WHERE.get(ds.name, []), *(f for f in filters if f.field in ("work_order", "item", "site"))]
    return ReportDefinition(dataset=dataset, dimensions=dimensions, measures=measures, filters=filters,
                            chart={"type": "table"}, sort=[_first_sort(dimensions)])


def _first_sort(dimensions: list[DimensionRef]) -> str:
    d = dimensions[0]
    return f"-{d.field}_{d.grain}" if d.grain else d.field


def dimension_columns(definition: ReportDefinition) -> list[str]:
    return [f"{d.field}_{d.grain}" if d.grain else d.field for d in definition.dimensions]


def card_json(result: Any, dims: list[str]) -> dict[str, Any]:
    """What a card's chart needs: the result, and which of its columns identify a figure (for drill links)."""
    return {**result.model_dump(mode="json"), "dimensions": dims}

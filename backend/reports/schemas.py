"""What the report API takes and answers: a report definition, a run request, the run's table and chart."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Grain = Literal["day", "week", "month"]
ChartType = Literal["bar", "line", "pareto", "table"]
NAME = r"^[a-z][a-z0-9_]{0,47}$"


class DimensionRef(BaseModel):
    """A dimension of the dataset; a time dimension takes a grain (day, week starting Monday, month)."""

    model_config = ConfigDict(extra="forbid")
    field: str = Field(max_length=48)
    grain: Grain | None = None


class FilterSpec(BaseModel):
    """`eq`: value is one value; `in`: a list; `range`: [from, to], either end may be null (times: ISO 8601
    with an offset; `to` excluded)."""

    model_config = ConfigDict(extra="forbid")
    field: str = Field(max_length=48)
    op: Literal["eq", "in", "range"] = "eq"
    value: Any = None


class ChartSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: ChartType = "table"
    x: str | None = Field(default=None, max_length=64)
    y: list[str] = Field(default_factory=list, max_length=8)


class ReportDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dataset: str = Field(max_length=32)
    dimensions: list[DimensionRef] = Field(default_factory=list, max_length=4)
    measures: list[str] = Field(min_length=1, max_length=8)
    filters: list[FilterSpec] = Field(default_factory=list, max_length=16)
    chart: ChartSpec = Field(default_factory=ChartSpec)
    sort: list[str] = Field(default_factory=list, max_length=4)   # column names, "-name" for descending


class ReportCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    name_en: str = Field(min_length=1, max_length=200)
    name_zh: str = Field(default="", max_length=200)
    definition: ReportDefinition


class ReportUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name_en: str | None = Field(default=None, min_length=1, max_length=200)
    name_zh: str | None = Field(default=None, max_length=200)
    definition: ReportDefinition | None = None
    expected_version: int | None = None


class ReportPublic(BaseModel):
    code: str
    version: int
    name_en: str
    name_zh: str
    definition: ReportDefinition
    shipped: bool
    created_at: datetime


class RunOptions(BaseModel):
    """What a caller adds when running: the common filters, server-side sort and paging."""

    model_config = ConfigDict(extra="forbid")
    site: str | None = None
    line: str | None = None
    item: str | None = None
    supplier: str | None = None
    from_at: datetime | None = None
    to_at: datetime | None = None
    sort: list[str] = Field(default_factory=list, max_length=4)
    limit: int = Field(default=100, ge=1, le=10_000)
    offset: int = Field(default=0, ge=0)
    lang: Literal["en", "zh-CN"] = "en"


class RunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    definition: ReportDefinition
    options: RunOptions = Field(default_factory=RunOptions)


class Column(BaseModel):
    name: str
    label: str
    kind: str          # text | number | percent | date


class Chart(BaseModel):
    type: ChartType
    x: str | None
    y: list[str]


class ReportResult(BaseModel):
    columns: list[Column]
    rows: list[list[Any]]
    chart: Chart
    total_rows: int


__all__ = ["Chart", "ChartSpec", "Column", "DimensionRef", "FilterSpec", "ReportCreate", "ReportDefinition",
           "ReportPublic", "ReportResult", "ReportUpdate", "RunOptions", "RunRequest"]

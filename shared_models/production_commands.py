"""Routes (工艺路线) and operation reports (报工) as the handheld and the office send them; validated alike on both."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared_models.bounds import INT64_MAX, CountedQty, EventTime
from shared_models.commands import Code

Name = Annotated[str, Field(min_length=1, max_length=64)]
Count = CountedQty


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ParamLimit(_Strict):
    """A process parameter of an operation and its limits; a missing limit is not checked."""

    name: Name
    unit: str = Field(default="", max_length=16)
    lower: float | None = Field(default=None, allow_inf_nan=False)
    upper: float | None = Field(default=None, allow_inf_nan=False)

    @model_validator(mode="after")
    def _ordered(self) -> ParamLimit:
        if self.lower is not None and self.upper is not None and self.lower > self.upper:
            raise ValueError(f"{self.name}: lower {self.lower:g} is above upper {self.upper:g}")
        return self


class RouteOperation(_Strict):
    seq: int = Field(ge=1, le=100000)
    code: Name
    name: str = Field(default="", max_length=200)
    equipment_kind: str = Field(default="", max_length=64)  # empty: any equipment, or none
    params: list[ParamLimit] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _unique_params(self) -> RouteOperation:
        names = [p.name for p in self.params]
        if len(set(names)) != len(names):
            raise ValueError(f"operation {self.seq}: a parameter is listed twice")
        return self


class RouteCreate(_Strict):
    """A new version of an item's route; it becomes the active one."""

    item: Code                      # part no. or GTIN
    operations: list[RouteOperation] = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _unique_operations(self) -> RouteCreate:
        seqs = [op.seq for op in self.operations]
        codes = [op.code for op in self.operations]
        if len(set(seqs)) != len(seqs):
            raise ValueError("an operation seq is listed twice")
        if len(set(codes)) != len(codes):
            raise ValueError("an operation code is listed twice")
        return self


class ProcessValue(_Strict):
    name: Name
    value: float = Field(allow_inf_nan=False)
    unit: str = Field(default="", max_length=16)


class ReportOperation(_Strict):
    """One operation done (or started, without ended_at) on a work order. `id` is made where it is reported,
    so a retried report stores once."""

    id: UUID
    work_order: Code
    seq: int = Field(ge=1, le=INT64_MAX)
    operator: str | None = Field(default=None, max_length=64)   # username; default: whoever reports
    equipment: Code | None = None
    unit: Code | None = None                                    # the lot or serial worked on, when known
    started_at: EventTime
    ended_at: EventTime | None = None
    good_qty: Count = 0.0
    scrap_qty: Count = 0.0
    params: list[ProcessValue] = Field(default_factory=list, max_length=200)
    device_id: str = Field(default="", max_length=64)

    @model_validator(mode="after")
    def _consistent(self) -> ReportOperation:
        if self.ended_at is not None and self.ended_at < self.started_at:
            raise ValueError(f"ended_at {self.ended_at.isoformat()} is before started_at "
                             f"{self.started_at.isoformat()}")
        if len({p.name for p in self.params}) != len(self.params):
            raise ValueError("a process parameter is listed twice")
        return self


class FinishOperation(_Strict):
    """Ends a started operation with what came out of it."""

    ended_at: EventTime
    good_qty: Count = 0.0
    scrap_qty: Count = 0.0
    params: list[ProcessValue] = Field(default_factory=list, max_length=200)

"""What the recall API takes and answers: scope requests, recall cases, their progress, notices and returns."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field

from backend.recall.models import RecallCase
from backend.recall.states import allowed_actions
from shared_models import commands as cmd
from shared_models.bounds import AwareDatetime
from shared_models.types import utcnow


# -- requests --------------------------------------------------------------------------------------------------
class ScopeRequest(BaseModel):
    codes: list[str] = Field(min_length=1, max_length=1000)
    list_limit: int = Field(default=1000, ge=0, le=100000)


class SupplierLotRef(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    supplier: str = Field(min_length=1, max_length=32)
    lot: str = Field(min_length=1, max_length=64)


class Window(BaseModel):
    model_config = ConfigDict(extra="forbid")
    from_at: AwareDatetime
    to_at: AwareDatetime


class RecallCaseCreate(BaseModel):
    """One origin: `codes`, `supplier_lot`, or `line` (a location or equipment code) with `window`."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    title: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=2000)
    codes: list[str] | None = Field(default=None, max_length=1000)
    supplier_lot: SupplierLotRef | None = None
    line: str | None = Field(default=None, max_length=64)
    window: Window | None = None


class ReturnCreate(BaseModel):
    """`id` and `occurred_at` come from the scanning device, so a retried scan stores once."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    id: UUID = Field(default_factory=uuid4)
    occurred_at: AwareDatetime = Field(default_factory=utcnow)
    scanned_code: str = Field(min_length=1, max_length=400)
    location: str = Field(min_length=1, max_length=64)
    qty: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    customer: str | None = Field(default=None, max_length=32)


class RecallClose(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(default="", max_length=1000)


class ReturnScan(cmd.EventCommand):
    """A returned unit scanned against a recall; `id` makes a retried scan store once."""

    recall: str
    scanned: str = Field(min_length=1, max_length=400)
    qty: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    location: str
    customer: str | None = None


# -- answers ---------------------------------------------------------------------------------------------------
class RecallCasePublic(BaseModel):
    code: str
    title: str
    reason: str
    state: str
    seeds: list[str]
    origin: dict[str, Any]
    totals: dict[str, Any]
    created_at: datetime
    closed_at: datetime | None
    allowed: list[str]


class CustomerProgress(BaseModel):
    code: str
    name: str
    kind: str
    shipped_units: int
    shipped_qty: float
    returned_units: int
    returned_qty: float
    outstanding_units: int
    outstanding_qty: float


class BlockedStock(BaseModel):
    units: int
    qty: float
    recalled_units: int                 # of those, recalled now
    not_recalled: list[str]             # still live, or consumed/scrapped since the case was opened


class RecallProgress(BaseModel):
    shipped_units: int
    shipped_qty: float
    returned_units: int
    returned_qty: float
    outstanding_units: int
    outstanding_qty: float
    customers: list[CustomerProgress]
    blocked: BlockedStock


class RecallCaseDetail(RecallCasePublic):
    progress: RecallProgress


class RecallUnitPublic(BaseModel):
    unit: str
    kind: str
    status: str
    part_no: str | None
    customer: str | None
    location: str | None
    qty: float
    returned_qty: float
    returned_at: datetime | None


class SkippedUnit(BaseModel):
    unit: str
    why: str


class BlockResult(BaseModel):
    case: RecallCasePublic
    recalled: list[str]
    already_recalled: list[str]
    skipped: list[SkippedUnit]
    events: list[str]


class NoticeShipment(BaseModel):
    reference: str
    shipped_at: datetime
    units: int
    qty: float


class NoticeLine(BaseModel):
    unit: str
    part_no: str | None
    item_name: str | None
    qty: float
    returned_qty: float
    shipments: list[str]


class NoticeCustomer(BaseModel):
    code: str
    name: str
    kind: str
    contact: str
    units: list[str]
    qty: float
    returned_qty: float
    shipments: list[NoticeShipment]
    lines: list[NoticeLine]


class ReturnResult(BaseModel):
    case: RecallCasePublic
    event_id: str
    customer: str
    location: str
    units: list[str]
    qty: float


def public(case: RecallCase) -> RecallCasePublic:
    return RecallCasePublic(code=case.code, title=case.title, reason=case.reason, state=case.state.value,
                            seeds=case.seeds, origin=case.origin, totals=case.totals, created_at=case.created_at,
                            closed_at=case.closed_at, allowed=allowed_actions(case.state))


__all__ = [
    "BlockResult",
    "BlockedStock",
    "CustomerProgress",
    "NoticeCustomer",
    "NoticeLine",
    "NoticeShipment",
    "RecallCaseCreate",
    "RecallCaseDetail",
    "RecallCasePublic",
    "RecallClose",
    "RecallProgress",
    "RecallUnitPublic",
    "ReturnCreate",
    "ReturnResult",
    "ReturnScan",
    "ScopeRequest",
    "SkippedUnit",
    "SupplierLotRef",
    "Window",
    "public",
]

"""What the labels API takes and answers. The template document itself is shared_models.labels.LabelTemplateDoc."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from backend.labels.models import JobStatus, PrinterKind, RuleEvent
from shared_models.enums import UnitKind

TEMPLATE_CODE = r"^[a-z0-9][a-z0-9-]{0,63}$"
MAX_BATCH = 1000
Dpi = Literal[203, 300, 600]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class TemplateCreate(_In):
    code: str = Field(pattern=TEMPLATE_CODE)
    doc: dict[str, Any]


class TemplateRevise(_In):
    doc: dict[str, Any]


class TemplatePublic(_Out):
    id: str
    code: str
    version: int
    name: str
    in_use: bool
    retired: bool
    created_by: str
    created_at: datetime
    updated_at: datetime
    doc: dict[str, Any]


class PreviewRequest(_In):
    """A stored template's preview: for a unit, for `data` given here, or (neither) for its own sample."""

    version: int | None = Field(default=None, ge=1)
    unit_id: str | None = None
    data: dict[str, str] | None = None
    dpi: Dpi | None = None


class DraftPreview(_In):
    """The designer's live preview of a template not stored yet."""

    doc: dict[str, Any]
    data: dict[str, str] | None = None
    dpi: Dpi | None = None


class PdfRequest(_In):
    template: str = Field(pattern=TEMPLATE_CODE)
    version: int | None = Field(default=None, ge=1)
    unit_ids: list[str] = Field(min_length=1, max_length=MAX_BATCH)
    copies: int = Field(default=1, ge=1, le=100)
    sheet: Literal["roll", "a4"] = "roll"


class PrintRequest(_In):
    template: str = Field(pattern=TEMPLATE_CODE)
    version: int | None = Field(default=None, ge=1)
    unit_ids: list[str] = Field(min_length=1, max_length=MAX_BATCH)
    printer_id: str
    copies: int = Field(default=1, ge=1, le=100)
    reason: str = Field(default="", max_length=500)  # required when a unit had this label printed before


class PrintJobPublic(_Out):
    id: str
    printer_id: str
    template_id: str | None
    purpose: str
    status: JobStatus
    labels: int
    copies: int
    content_type: str
    attempts: int
    max_attempts: int
    next_attempt_at: datetime | None
    sent_at: datetime | None
    last_error: str
    created_by: str
    created_at: datetime


class PrinterCreate(_In):
    name: str = Field(min_length=1, max_length=64)
    site_id: str | None = None
    kind: PrinterKind
    host: str | None = Field(default=None, max_length=255)
    port: int = Field(default=9100, ge=1, le=65535)
    dpi: Dpi = 203
    media: str = Field(default="roll", max_length=64)
    active: bool = True


class PrinterUpdate(_In):
    name: str | None = Field(default=None, min_length=1, max_length=64)
    site_id: str | None = None
    host: str | None = Field(default=None, max_length=255)
    port: int | None = Field(default=None, ge=1, le=65535)
    dpi: Dpi | None = None
    media: str | None = Field(default=None, max_length=64)
    active: bool | None = None


class PrinterPublic(_Out):
    id: str
    name: str
    site_id: str | None
    kind: PrinterKind
    host: str | None
    port: int
    dpi: int
    media: str
    active: bool


class LabelPrintPublic(_Out):
    id: str
    printed_at: datetime
    username: str
    template_code: str
    template_version: int
    unit_id: str
    unit_code: str
    job_id: str
    copies: int
    reprint: bool
    reason: str


class PrintRuleCreate(_In):
    """Labels printed for each committed event of `event_kind`; `site_id`, `item_id`, `unit_kind` and
    `item_group` (matched against the event's `item_group` attribute) narrow which events and units."""

    name: str = Field(min_length=1, max_length=64)
    event_kind: RuleEvent
    site_id: str | None = None
    item_id: str | None = None
    item_group: str | None = Field(default=None, min_length=1, max_length=64)
    unit_kind: UnitKind | None = None
    template: str = Field(pattern=TEMPLATE_CODE)
    printer_id: str
    copies: int = Field(default=1, ge=1, le=100)


class PrintRulePublic(_Out):
    id: str
    name: str
    event_kind: RuleEvent
    site_id: str | None
    item_id: str | None
    item_group: str | None
    unit_kind: UnitKind | None
    template_code: str
    printer_id: str
    copies: int
    active: bool
    created_by: str
    created_at: datetime
    updated_at: datetime


class PrintRuleRunPublic(_Out):
    id: str
    rule_id: str
    event_id: str
    status: str
    job_ids: list[str]
    labels: int
    error: str
    created_at: datetime

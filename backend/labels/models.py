"""Label tables, server-only: template versions, printers, print jobs and the record of every label printed."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from shared_models.enums import UnitKind
from shared_models.types import UTCDateTime, enum_type, new_id, utcnow


class PrinterKind(StrEnum):
    ZPL_TCP = "zpl_tcp"            # raw ZPL II to port 9100
    PDF_DOWNLOAD = "pdf_download"  # the job's PDF is fetched and printed by whoever asked


class JobStatus(StrEnum):
    QUEUED = "queued"        # waiting for its (next) attempt
    SENDING = "sending"      # a worker holds it
    SENT = "sent"            # the printer took every byte
    FAILED = "failed"        # attempts used up; `last_error` says why
    READY = "ready"          # a PDF waiting to be downloaded
    CANCELLED = "cancelled"


class LabelTemplate(SQLModel, table=True):
    """One version of a template. A version that has printed (`in_use`) never changes; revising makes the next."""

    __tablename__ = "label_template"
    __table_args__ = (UniqueConstraint("code", "version", name="uq_label_template_version"),)
    id: str = Field(default_factory=new_id, primary_key=True)
    code: str = Field(max_length=64, index=True)
    version: int = Field(default=1)
    name: str = Field(max_length=200)
    doc: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    in_use: bool = Field(default=False)
    retired: bool = Field(default=False)
    created_by: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Printer(SQLModel, table=True):
    __tablename__ = "label_printer"
    id: str = Field(default_factory=new_id, primary_key=True)
    name: str = Field(max_length=64, unique=True)
    site_id: str | None = Field(default=None, foreign_key="site.id", index=True)
    kind: PrinterKind = Field(sa_type=enum_type(PrinterKind))
    host: str | None = Field(default=None, max_length=255)
    port: int = Field(default=9100)
    dpi: int = Field(default=203)
    media: str = Field(default="roll", max_length=64)  # "roll" or "a4" (PDF sheets); free text for ZPL stock
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PrintJob(SQLModel, table=True):
    """What one print request sends, rendered when it was asked for: a retry sends the same bytes."""

    __tablename__ = "print_job"
    __table_args__ = (Index("ix_print_job_status_due", "status", "next_attempt_at"),)
    id: str = Field(default_factory=new_id, primary_key=True)
    printer_id: str = Field(foreign_key="label_printer.id", index=True)
    template_id: str | None = Field(default=None, foreign_key="label_template.id")
    purpose: str = Field(default="labels", max_length=16)  # "labels" or "fonts"
    status: JobStatus = Field(default=JobStatus.QUEUED, sa_type=enum_type(JobStatus))
    labels: int = Field(default=0)
    copies: int = Field(default=1)
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    content_type: str = Field(max_length=64)
    attempts: int = Field(default=0)
    max_attempts: int = Field(default=5)
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str = Field(default="", max_length=500)
    created_by: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class LabelPrint(SQLModel, table=True):
    """A label printed for a unit: who, when, which template version, on which job, and why if it was a reprint."""

    __tablename__ = "label_print"
    __table_args__ = (Index("ix_label_print_unit", "unit_id", "template_code"),)
    id: str = Field(default_factory=new_id, primary_key=True)
    printed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    user_id: str = Field(max_length=36)
    username: str = Field(max_length=64)
    template_id: str = Field(foreign_key="label_template.id", index=True)
    template_code: str = Field(max_length=64)
    template_version: int
    unit_id: str = Field(foreign_key="unit.id")
    unit_code: str = Field(max_length=96)
    job_id: str = Field(foreign_key="print_job.id", index=True)
    copies: int = Field(default=1)
    reprint: bool = Field(default=False)
    reason: str = Field(default="", max_length=500)


class RuleEvent(StrEnum):
    """The events a print rule can follow, and whose units it labels (backend/labels/rule_service.py)."""

    RECEIVE = "receive"   # the units received
    PRODUCE = "produce"   # the units made
    PACK = "pack"         # the container packed
    SHIP = "ship"         # the units and containers shipped


class PrintRule(SQLModel, table=True):
    """Print `copies` labels from `template_code` on `printer_id` for the units of each committed event of
    `event_kind`, narrowed to a site, an item, a unit kind and an item group (the event's `item_group`
    attribute, as numbering rules take it from the caller). Events recorded before the rule existed are left
    alone. Switched off, never deleted: its runs keep pointing at it."""

    __tablename__ = "label_print_rule"
    id: str = Field(default_factory=new_id, primary_key=True)
    name: str = Field(max_length=64, unique=True)
    event_kind: RuleEvent = Field(sa_type=enum_type(RuleEvent), index=True)
    site_id: str | None = Field(default=None, foreign_key="site.id")
    item_id: str | None = Field(default=None, foreign_key="item.id")
    item_group: str | None = Field(default=None, max_length=64)
    unit_kind: UnitKind | None = Field(default=None, sa_type=enum_type(UnitKind))  # None: any kind
    template_code: str = Field(max_length=64)                     # its newest printable version at event time
    printer_id: str = Field(foreign_key="label_printer.id")
    copies: int = Field(default=1)
    active: bool = Field(default=True)
    created_by: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PrintRuleRun(SQLModel, table=True):
    """What one rule did for one event, written in the transaction that queued its jobs: the unique pair is what
    keeps the after-commit path, the sweep and several processes from printing an event twice."""

    __tablename__ = "label_print_rule_run"
    __table_args__ = (UniqueConstraint("rule_id", "event_id", name="uq_label_print_rule_run"),)
    id: str = Field(default_factory=new_id, primary_key=True)
    rule_id: str = Field(foreign_key="label_print_rule.id")
    event_id: str = Field(max_length=36, index=True)
    status: str = Field(max_length=16)      # queued | no_units | failed
    job_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    labels: int = Field(default=0)
    error: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

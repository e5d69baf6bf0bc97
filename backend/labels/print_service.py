"""Printing labels for units: all of a batch checked before anything is queued, the rendered payload kept on the
job, and every label recorded (who, when, which template version, which unit, why a reprint) in the same commit.
Sending is the print worker's (backend/labels/worker.py): no request waits on a printer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from sqlmodel import Session, col, select

from backend.auth.principal import Principal
from backend.db import atomic
from backend.labels.data import printed_before, unit_fields
from backend.labels.errors import (
    JobNotCancellable,
    JobNotRetryable,
    NoUnitsToPrint,
    ReprintNeedsReason,
    UnknownPrintJob,
    UnknownUnits,
)
from backend.labels.layout import Layout
from backend.labels.models import JobStatus, LabelPrint, LabelTemplate, Printer, PrinterKind, PrintJob
from backend.labels.pdf import render_pdf
from backend.labels.printer_service import PrinterService
from backend.labels.schemas import PdfRequest, PrintRequest
from backend.labels.template_service import TemplateService, plan_for
from backend.labels.zpl import render_zpl
from shared_models.trace import Unit
from shared_models.types import utcnow

ZPL_TYPE, PDF_TYPE = "application/zpl", "application/pdf"


class PrintService:
    def __init__(self, session: Session, principal: Principal, *, now: Callable[[], datetime] = utcnow) -> None:
        self.session = session
        self.by = principal
        self.now = now
        self.templates = TemplateService(session, principal)

    def units(self, unit_ids: list[str]) -> list[Unit]:
        """The units in the order asked (each once); raises UnknownUnits for ids not found or outside the caller's
        site, so a scoped user learns nothing of other sites' units."""
        wanted = list(dict.fromkeys(unit_ids))
        if not wanted:
            raise NoUnitsToPrint()
        found = {u.id: u for u in self.session.exec(select(Unit).where(col(Unit.id).in_(wanted))).all()
                 if self.by.sees_site(u.site_id)}
        missing = [i for i in wanted if i not in found]
        if missing:
            raise UnknownUnits(missing)
        return [found[i] for i in wanted]

    def layouts(self, template: LabelTemplate, units: list[Unit], dpi: int | None = None) -> list[Layout]:
        """Every unit's label laid out, its data checked (GS1 included); the first fault raises LabelDataInvalid
        naming the unit, element and field."""
        plan = plan_for(template, dpi)
        today = self.now().date()
        return [plan.place(unit_fields(self.session, u, today=today), unit=u.code) for u in units]

    def unit_data(self, unit_id: str, today: date | None = None) -> dict[str, object]:
        unit = self.units([unit_id])[0]
        return unit_fields(self.session, unit, today=today or self.now().date())

    def pdf(self, request: PdfRequest) -> bytes:
        """A PDF of the units' labels to look at or print by hand; it records no print (a label printed for use
        goes through `print`, e.g. to a pdf_download printer)."""
        template = self.templates.printable(request.template, request.version)
        layouts = self.layouts(template, self.units(request.unit_ids))
        return render_pdf(layouts, copies=request.copies, sheet=request.sheet, title=template.name)

    @atomic
    def print(self, request: PrintRequest) -> PrintJob:
        """One job for the batch, queued for a ZPL printer or ready to download for a PDF one. Raises
        UnknownTemplate/TemplateRetired, UnknownPrinter/PrinterInactive, UnknownUnits, ReprintNeedsReason (units
        printed before with this template, no reason given) or LabelDataInvalid; then nothing is stored."""
        job = self.queue(request)
        self.session.commit()
        return job

    def queue(self, request: PrintRequest) -> PrintJob:
        """`print` inside the caller's transaction (the caller holds the writer and commits): everything is
        checked before the job and its label records are added, so a refusal leaves the session as it was."""
        template = self.templates.printable(request.template, request.version)
        printer = PrinterService(self.session, self.by).usable(request.printer_id)
        units = self.units(request.unit_ids)
        again = printed_before(self.session, template.code, [u.id for u in units])
        reason = request.reason.strip()
        if again and not reason:
            raise ReprintNeedsReason(template.code, [u.code for u in units if u.id in again])
        job = self._job(printer, template, units, request.copies)
        for unit in units:
            self.session.add(LabelPrint(
                printed_at=job.created_at, user_id=self.by.user_id, username=self.by.username,
                template_id=template.id, template_code=template.code, template_version=template.version,
                unit_id=unit.id, unit_code=unit.code, job_id=job.id, copies=request.copies,
                reprint=unit.id in again, reason=reason))
        if not template.in_use:
            template.in_use = True  # from now on this version never changes
            self.session.add(template)
        return job

    def _job(self, printer: Printer, template: LabelTemplate, units: list[Unit], copies: int) -> PrintJob:
        if printer.kind is PrinterKind.ZPL_TCP:
            payload = render_zpl(self.layouts(template, units, printer.dpi), copies=copies)
            content_type, status = ZPL_TYPE, JobStatus.QUEUED
        else:
            layouts = self.layouts(template, units)
            payload = render_pdf(layouts, copies=copies, sheet="a4" if printer.media.lower() == "a4" else "roll",
                                 title=template.name)
            content_type, status = PDF_TYPE, JobStatus.READY
        job = PrintJob(printer_id=printer.id, template_id=template.id, status=status, labels=len(units),
                       copies=copies, payload=payload, content_type=content_type, created_by=self.by.username,
                       created_at=self.now(), next_attempt_at=self.now() if status is JobStatus.QUEUED else None)
        self.session.add(job)
        self.session.flush()
        return job

    def job(self, job_id: str) -> PrintJob:
        job = self.session.get(PrintJob, job_id)
        if job is None:
            raise UnknownPrintJob(job_id)
        return job

    def jobs(self, *, status: JobStatus | None = None, printer_id: str | None = None,
             limit: int = 100) -> list[PrintJob]:
        query = select(PrintJob).order_by(col(PrintJob.created_at).desc()).limit(limit)
        if status is not None:
            query = query.where(PrintJob.status == status)
        if printer_id is not None:
            query = query.where(PrintJob.printer_id == printer_id)
        return list(self.session.exec(query).all())

    @atomic
    def retry(self, job_id: str) -> PrintJob:
        """A failed or cancelled job queued again with a fresh set of attempts; the same bytes are sent."""
        job = self.job(job_id)
        if job.status not in (JobStatus.FAILED, JobStatus.CANCELLED):
            raise JobNotRetryable(job_id, job.status.value)
        job.status, job.attempts, job.next_attempt_at, job.last_error = JobStatus.QUEUED, 0, self.now(), ""
        self.session.add(job)
        self.session.commit()
        return job

    @atomic
    def cancel(self, job_id: str) -> PrintJob:
        job = self.job(job_id)
        if job.status is not JobStatus.QUEUED:
            raise JobNotCancellable(job_id, job.status.value)
        job.status, job.next_attempt_at = JobStatus.CANCELLED, None
        self.session.add(job)
        self.session.commit()
        return job

    def history(self, unit_id: str) -> list[LabelPrint]:
        """Every label printed for the unit, oldest first."""
        self.units([unit_id])
        return list(self.session.exec(select(LabelPrint).where(LabelPrint.unit_id == unit_id)
                                      .order_by(col(LabelPrint.printed_at), col(LabelPrint.id))).all())

"""Printers as data: where a ZPL printer listens (host, port 9100), its resolution and stock, or a PDF "printer"
whose jobs are downloaded; and the one-time download of the label fonts to a ZPL printer."""

from __future__ import annotations

from sqlmodel import Session, col, select

from backend.auth.principal import Principal
from backend.db import atomic
from backend.errors import NotFound
from backend.labels.errors import PrinterInactive, PrinterNameTaken, PrinterSetupInvalid, UnknownPrinter
from backend.labels.models import JobStatus, Printer, PrinterKind, PrintJob
from backend.labels.schemas import PrinterCreate, PrinterUpdate
from backend.labels.zpl import font_download
from shared_models.masterdata import Site
from shared_models.types import utcnow


class PrinterService:
    def __init__(self, session: Session, principal: Principal) -> None:
        self.session = session
        self.by = principal

    def get(self, printer_id: str) -> Printer:
        printer = self.session.get(Printer, printer_id)
        if printer is None or not self.by.sees_site(printer.site_id or self.by.site_id):
            raise UnknownPrinter(printer_id)
        return printer

    def usable(self, printer_id: str) -> Printer:
        """The printer if it may take jobs; raises UnknownPrinter or PrinterInactive."""
        printer = self.get(printer_id)
        if not printer.active:
            raise PrinterInactive(printer.name)
        return printer

    def all(self, site_id: str | None = None) -> list[Printer]:
        query = select(Printer).order_by(Printer.name)
        if site_id is not None:
            query = query.where(Printer.site_id == site_id)
        return [p for p in self.session.exec(query).all() if self.by.sees_site(p.site_id or self.by.site_id)]

    def _check(self, printer: Printer) -> None:
        if printer.kind is PrinterKind.ZPL_TCP and not printer.host:
            raise PrinterSetupInvalid(f"Printer {printer.name} sends ZPL over TCP and needs a host.",
                                      printer=printer.name)
        if printer.site_id is not None and self.session.get(Site, printer.site_id) is None:
            raise NotFound("site", printer.site_id)
        taken = self.session.exec(select(Printer).where(Printer.name == printer.name,
                                                        col(Printer.id) != printer.id)).first()
        if taken is not None:
            raise PrinterNameTaken(printer.name)

    @atomic
    def create(self, data: PrinterCreate) -> Printer:
        printer = Printer(**data.model_dump())
        self._check(printer)
        self.session.add(printer)
        self.session.commit()
        return printer

    @atomic
    def update(self, printer_id: str, data: PrinterUpdate) -> Printer:
        printer = self.get(printer_id)
        for key, value in data.model_dump(exclude_unset=True).items():
            setattr(printer, key, value)
        printer.updated_at = utcnow()
        self._check(printer)
        self.session.add(printer)
        self.session.commit()
        return printer

    @atomic
    def remove(self, printer_id: str) -> Printer:
        """Switched off, not deleted: its jobs and the labels printed on it keep their printer. Jobs still queued
        for it are cancelled."""
        printer = self.get(printer_id)
        printer.active, printer.updated_at = False, utcnow()
        for job in self.session.exec(select(PrintJob).where(PrintJob.printer_id == printer.id,
                                                            PrintJob.status == JobStatus.QUEUED)).all():
            job.status, job.next_attempt_at = JobStatus.CANCELLED, None
            self.session.add(job)
        self.session.add(printer)
        self.session.commit()
        return printer

    @atomic
    def send_fonts(self, printer_id: str) -> PrintJob:
        """Queues the label fonts (~DY) for a ZPL printer: once per printer, before it prints Chinese."""
        printer = self.usable(printer_id)
        if printer.kind is not PrinterKind.ZPL_TCP:
            raise PrinterSetupInvalid(f"Printer {printer.name} is not a ZPL printer; it needs no fonts.",
                                      printer=printer.name)
        job = PrintJob(printer_id=printer.id, purpose="fonts", payload=font_download(),
                       content_type="application/zpl", created_by=self.by.username, next_attempt_at=utcnow())
        self.session.add(job)
        self.session.commit()
        return job

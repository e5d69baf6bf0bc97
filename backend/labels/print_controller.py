"""Printing over HTTP: staff print, reprint with a reason and follow their jobs; admins set printers up."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Response, delete, get, post, put
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody, Parameter

from backend.auth.guards import STAFF, allow
from backend.deps import Caller, Db
from backend.labels.models import JobStatus
from backend.labels.print_service import PrintService
from backend.labels.printer_service import PrinterService
from backend.labels.schemas import (
    LabelPrintPublic,
    PrinterCreate,
    PrinterPublic,
    PrinterUpdate,
    PrintJobPublic,
    PrintRequest,
)

READ = allow(*STAFF)
ADMIN = allow()
Limit = Annotated[int, Parameter(ge=1, le=500)]


def _wake(state: State) -> None:
    worker: Any = state.get("print_worker")
    if worker is not None:
        worker.wake()


class PrintController(Controller):
    path = "/api/labels"
    tags = ["labels"]

    @post("/print", guards=[READ], status_code=202, sync_to_thread=True)
    def print_labels(self, data: JSONBody[PrintRequest], db: Db, principal: Caller, state: State) -> PrintJobPublic:
        """Queues a label print job (template, units and printer); answers 202 with the job, sent to the printer
        off the request. Reprints are flagged."""
        job = PrintService(db, principal).print(data)
        _wake(state)
        return PrintJobPublic.model_validate(job)

    @get("/jobs", guards=[READ], sync_to_thread=True)
    def list_jobs(self, db: Db, principal: Caller, status: FromQuery[JobStatus | None] = None,
                  printer_id: FromQuery[str | None] = None, limit: Limit = 100) -> list[PrintJobPublic]:
        """Print jobs, newest first, with their state."""
        jobs = PrintService(db, principal).jobs(status=status, printer_id=printer_id, limit=limit)
        return [PrintJobPublic.model_validate(j) for j in jobs]

    @get("/jobs/{job_id:str}", guards=[READ], sync_to_thread=True)
    def get_job(self, job_id: FromPath[str], db: Db, principal: Caller) -> PrintJobPublic:
        """One print job and its state."""
        return PrintJobPublic.model_validate(PrintService(db, principal).job(job_id))

    @get("/jobs/{job_id:str}/payload", guards=[READ], sync_to_thread=True)
    def job_payload(self, job_id: FromPath[str], db: Db, principal: Caller) -> Response[bytes]:
        """The bytes sent (or to send) to the printer for a job (ZPL or PDF)."""
        job = PrintService(db, principal).job(job_id)
        suffix = "pdf" if job.content_type == "application/pdf" else "zpl"
        return Response(job.payload, media_type=job.content_type,
                        headers={"Content-Disposition": f'attachment; filename="labels-{job.id}.{suffix}"'})

    @post("/jobs/{job_id:str}/retry", guards=[READ], status_code=200, sync_to_thread=True)
    def retry_job(self, job_id: FromPath[str], db: Db, principal: Caller, state: State) -> PrintJobPublic:
        """Queues a failed job again."""
        job = PrintService(db, principal).retry(job_id)
        _wake(state)
        return PrintJobPublic.model_validate(job)

    @post("/jobs/{job_id:str}/cancel", guards=[READ], status_code=200, sync_to_thread=True)
    def cancel_job(self, job_id: FromPath[str], db: Db, principal: Caller) -> PrintJobPublic:
        """Cancels a queued job."""
        return PrintJobPublic.model_validate(PrintService(db, principal).cancel(job_id))

    @get("/units/{unit_id:str}/prints", guards=[READ], sync_to_thread=True)
    def unit_prints(self, unit_id: FromPath[str], db: Db, principal: Caller) -> list[LabelPrintPublic]:
        """Every label printed for a unit (prints and reprints)."""
        return [LabelPrintPublic.model_validate(p) for p in PrintService(db, principal).history(unit_id)]


class PrinterController(Controller):
    path = "/api/labels/printers"
    tags = ["labels"]

    @get("/", guards=[READ], sync_to_thread=True)
    def list_printers(self, db: Db, principal: Caller, site_id: FromQuery[str | None] = None) -> list[PrinterPublic]:
        """Label printers."""
        return [PrinterPublic.model_validate(p) for p in PrinterService(db, principal).all(site_id)]

    @post("/", guards=[ADMIN], sync_to_thread=True)
    def create_printer(self, data: JSONBody[PrinterCreate], db: Db, principal: Caller) -> PrinterPublic:
        """Adds a label printer (network ZPL or PDF)."""
        return PrinterPublic.model_validate(PrinterService(db, principal).create(data))

    @get("/{printer_id:str}", guards=[READ], sync_to_thread=True)
    def get_printer(self, printer_id: FromPath[str], db: Db, principal: Caller) -> PrinterPublic:
        """One label printer."""
        return PrinterPublic.model_validate(PrinterService(db, principal).get(printer_id))

    @put("/{printer_id:str}", guards=[ADMIN], sync_to_thread=True)
    def update_printer(self, printer_id: FromPath[str], data: JSONBody[PrinterUpdate], db: Db,
                       principal: Caller) -> PrinterPublic:
        """Changes a label printer."""
        return PrinterPublic.model_validate(PrinterService(db, principal).update(printer_id, data))

    @delete("/{printer_id:str}", guards=[ADMIN], status_code=200, sync_to_thread=True)
    def remove_printer(self, printer_id: FromPath[str], db: Db, principal: Caller) -> PrinterPublic:
        """Removes a label printer."""
        return PrinterPublic.model_validate(PrinterService(db, principal).remove(printer_id))

    @post("/{printer_id:str}/fonts", guards=[ADMIN], status_code=202, sync_to_thread=True)
    def send_fonts(self, printer_id: FromPath[str], db: Db, principal: Caller, state: State) -> PrintJobPublic:
        """Sends the label fonts to a ZPL printer."""
        job = PrinterService(db, principal).send_fonts(printer_id)
        _wake(state)
        return PrintJobPublic.model_validate(job)

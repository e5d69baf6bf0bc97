"""Label templates over HTTP: staff read them and preview them; QA managers and engineers create and revise."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, delete, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody, Parameter

from backend.auth.guards import STAFF, allow
from backend.deps import Caller, Db
from backend.labels.binding import normalise
from backend.labels.print_controller import PrintController, PrinterController
from backend.labels.print_service import PrintService
from backend.labels.rule_controller import PrintRuleController
from backend.labels.schemas import (
    DraftPreview,
    PdfRequest,
    PreviewRequest,
    TemplateCreate,
    TemplatePublic,
    TemplateRevise,
)
from backend.labels.template_service import TemplateService, preview_draft
from shared_models.enums import Role

READ = allow(*STAFF)
DESIGN = allow(Role.QA_MANAGER, Role.ENGINEER)
VersionNo = Annotated[int | None, Parameter(ge=1, le=1_000_000)]


def _png(content: bytes) -> Response[bytes]:
    return Response(content, media_type="image/png")


class TemplateController(Controller):
    path = "/api/labels"
    tags = ["labels"]

    @get("/templates", guards=[READ], sync_to_thread=True)
    def list_templates(self, db: Db, principal: Caller, retired: FromQuery[bool] = False) -> list[TemplatePublic]:
        """Label templates (latest version of each; `retired=true` includes retired ones)."""
        rows = TemplateService(db, principal).latest(include_retired=retired)
        return [TemplatePublic.model_validate(t) for t in rows]

    @post("/templates", guards=[DESIGN], sync_to_thread=True)
    def create_template(self, data: JSONBody[TemplateCreate], db: Db, principal: Caller) -> TemplatePublic:
        """Creates a label template from its document (fields, barcodes, layout)."""
        return TemplatePublic.model_validate(TemplateService(db, principal).create(data.code, data.doc))

    @post("/templates/shipped", guards=[DESIGN], sync_to_thread=True)
    def install_shipped(self, db: Db, principal: Caller) -> list[TemplatePublic]:
        """Installs the label templates shipped with Lotline (assets/labels: GS1 logistic label with SSCC, raw-
        material lot, product DataMatrix, Digital Link QR, small serial)."""
        return [TemplatePublic.model_validate(t) for t in TemplateService(db, principal).install_shipped()]

    @get("/templates/{code:str}", guards=[READ], sync_to_thread=True)
    def get_template(self, code: FromPath[str], db: Db, principal: Caller,
                     version: VersionNo = None) -> TemplatePublic:
        """One label template, the latest version or the `version` asked for."""
        return TemplatePublic.model_validate(TemplateService(db, principal).get(code, version))

    @get("/templates/{code:str}/versions", guards=[READ], sync_to_thread=True)
    def list_versions(self, code: FromPath[str], db: Db, principal: Caller) -> list[TemplatePublic]:
        """Every version of a label template."""
        return [TemplatePublic.model_validate(t) for t in TemplateService(db, principal).versions(code)]

    @put("/templates/{code:str}", guards=[DESIGN], sync_to_thread=True)
    def revise_template(self, code: FromPath[str], data: JSONBody[TemplateRevise], db: Db,
                        principal: Caller) -> TemplatePublic:
        """Saves a new version of a label template; jobs already printed keep the version they used."""
        return TemplatePublic.model_validate(TemplateService(db, principal).revise(code, data.doc))

    @delete("/templates/{code:str}", guards=[DESIGN], status_code=200, sync_to_thread=True)
    def retire_template(self, code: FromPath[str], db: Db, principal: Caller) -> TemplatePublic:
        """Retires a label template: it can no longer be printed; its versions are kept."""
        return TemplatePublic.model_validate(TemplateService(db, principal).retire(code))

    @post("/templates/{code:str}/preview", guards=[READ], status_code=200, sync_to_thread=True)
    def preview(self, code: FromPath[str], data: JSONBody[PreviewRequest], db: Db,
                principal: Caller) -> Response[bytes]:
        """A PNG preview of a saved template filled with the data given."""
        templates = TemplateService(db, principal)
        template = templates.get(code, data.version)
        values = (PrintService(db, principal).unit_data(data.unit_id) if data.unit_id is not None
                  else normalise(data.data) if data.data is not None else None)
        return _png(templates.preview(template, values, data.dpi))

    @post("/preview", guards=[READ], status_code=200, sync_to_thread=True)
    def preview_draft(self, data: JSONBody[DraftPreview]) -> Response[bytes]:
        """A PNG preview of an unsaved template document filled with the data given."""
        return _png(preview_draft(data.doc, data.data, data.dpi))

    @post("/pdf", guards=[READ], status_code=200, sync_to_thread=True)
    def pdf(self, data: JSONBody[PdfRequest], db: Db, principal: Caller) -> Response[bytes]:
        """Labels as a PDF to print on an office printer."""
        content = PrintService(db, principal).pdf(data)
        return Response(content, media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{data.template}.pdf"'})


LABEL_CONTROLLERS = [TemplateController, PrintController, PrinterController, PrintRuleController]

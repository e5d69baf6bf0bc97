"""The label designer (/console/labels): the stored templates listed, one drawn at scale to drag, resize, align and
bind, its live preview drawn by the real renderer (backend/labels), and saving it through TemplateService, which
makes a new version when the current one has printed. Stored as the template document, nothing else."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from litestar import Controller, Request, Response, get, post, put
from litestar.exceptions import HTTPException
from litestar.params import FromPath, JSONBody
from litestar.response import File

from backend.console.pages import render, require, texts_for
from backend.console.texts import catalogue
from backend.console.vendor import STATIC, media_type
from backend.deps import Caller, Db
from backend.errors import DomainError
from backend.labels.binding import FIELDS
from backend.labels.schemas import DraftPreview, TemplateRevise
from backend.labels.template_service import TemplateService, preview_draft
from shared_models.labels import DPIS, Symbology

ASSETS = {name: STATIC / name for name in ("designer.js", "designer-panel.js", "designer.css")}
#: "element 3 'sscc-barcode' (barcode): ..." — how every template fault names its element (shared_models.labels).
NAMED = re.compile(r"^element (\d+)(?: '([^']*)')?")


def faults(exc: DomainError, doc: dict[str, Any]) -> list[dict[str, str | None]]:
    """Each fault of a refused template as {element: its id or None, message}, so the page shows it by the element."""
    problems = exc.context.get("problems") or [exc.detail]
    elements = doc.get("elements") if isinstance(doc.get("elements"), list) else []
    out: list[dict[str, str | None]] = []
    for message in problems:
        found = NAMED.match(str(message))
        ident: str | None = None
        if found:
            ident = found.group(2)
            index = int(found.group(1)) - 1
            if ident is None and 0 <= index < len(elements) and isinstance(elements[index], dict):
                ident = elements[index].get("id")
        out.append({"element": ident, "message": str(message)})
    return out


def _refused(exc: DomainError, doc: dict[str, Any]) -> Response[Any]:
    return Response({"code": exc.code, "detail": exc.detail, "faults": faults(exc, doc)},
                    status_code=exc.status_code, headers={"Cache-Control": "no-store"})


def _etag(png: bytes) -> str:
    return '"' + hashlib.sha256(png).hexdigest()[:20] + '"'


class LabelDesignerPages(Controller):
    path = "/labels"

    @get("/", sync_to_thread=True)
    def templates(self, request: Request[Any, Any, Any], db: Db, principal: Caller) -> Response[str]:
        require(principal, "labels")
        return render(request, "designer_list.html", templates=TemplateService(db, principal).latest(
            include_retired=True))

    @post("/shipped", status_code=200, sync_to_thread=True)
    def install_shipped(self, db: Db, principal: Caller) -> Response[str]:
        require(principal, "labels")
        TemplateService(db, principal).install_shipped()
        return Response("", headers={"HX-Refresh": "true"})

    @get("/-/{name:str}", sync_to_thread=False)
    def asset(self, name: FromPath[str]) -> File:
        """The designer's own script and style (from static/, no build step), behind the log-in like the page."""
        path = ASSETS.get(name)
        if path is None or not path.is_file():
            raise HTTPException(status_code=404, detail=f"No console file {name}.")
        return File(path, media_type=media_type(path), content_disposition_type="inline",
                    headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"})

    @get("/{code:str}", sync_to_thread=True)
    def designer(self, request: Request[Any, Any, Any], code: FromPath[str], db: Db,
                 principal: Caller) -> Response[str]:
        require(principal, "labels")
        template = TemplateService(db, principal).get(code)
        setup = {"code": template.code, "version": template.version, "in_use": template.in_use,
                 "doc": template.doc, "fields": FIELDS, "symbologies": [s.value for s in Symbology],
                 "dpis": list(DPIS), "texts": {k: v for k, v in catalogue(texts_for(request).lang).items()
                                               if k.startswith("designer.")}}
        data = json.dumps(setup, ensure_ascii=False).replace("</", "<\\/")
        return render(request, "designer.html", label=template, setup_json=data)

    @post("/preview", status_code=200, sync_to_thread=True)
    def preview(self, data: JSONBody[DraftPreview], principal: Caller) -> Response[Any]:
        """The draft drawn by the real PNG renderer with its sample data, or its faults as JSON (422)."""
        require(principal, "labels")
        try:
            png = preview_draft(data.doc, data.data, data.dpi)
        except DomainError as exc:
            return _refused(exc, data.doc)
        return Response(png, media_type="image/png", headers={"Cache-Control": "no-store", "ETag": _etag(png)})

    @put("/{code:str}", sync_to_thread=True)
    def save(self, code: FromPath[str], data: JSONBody[TemplateRevise], db: Db, principal: Caller) -> Response[Any]:
        """Saved through TemplateService.revise: in place while the version never printed, else as the next."""
        require(principal, "labels")
        templates = TemplateService(db, principal)
        before = templates.get(code).version
        try:
            saved = templates.revise(code, data.doc)
        except DomainError as exc:  # revise rolled its session back: nothing half-written
            return _refused(exc, data.doc)
        return Response({"code": saved.code, "version": saved.version, "in_use": saved.in_use,
                         "new_version": saved.version != before})

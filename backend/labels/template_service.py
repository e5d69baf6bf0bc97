"""Label templates as versioned data: create, revise (a version that printed stays as it was; revising makes the
next), retire, the shipped set from assets/labels, and previews rendered by the real renderer."""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from backend.auth.principal import Principal
from backend.db import atomic
from backend.labels.binding import normalise
from backend.labels.errors import TemplateExists, TemplateInvalid, TemplateRetired, UnknownTemplate
from backend.labels.layout import LabelPlan
from backend.labels.models import LabelTemplate
from backend.labels.png import render_png
from shared_models.labels import LabelTemplateDoc, TemplateProblems, check_template
from shared_models.types import utcnow

SHIPPED = Path(__file__).resolve().parents[2] / "assets" / "labels"


@lru_cache(maxsize=64)
def _plan(template_id: str, stamp: datetime, dpi: int, doc_json: str) -> LabelPlan:
    return LabelPlan(LabelTemplateDoc.model_validate_json(doc_json), dpi)


def plan_for(template: LabelTemplate, dpi: int | None = None) -> LabelPlan:
    """The template compiled for `dpi` (default: its own), cached per version and edit."""
    doc_json = json.dumps(template.doc, sort_keys=True)
    return _plan(template.id, template.updated_at, dpi or int(template.doc.get("dpi", 203)), doc_json)


def checked(raw: dict[str, Any]) -> LabelTemplateDoc:
    """The template if it is sound and its own sample lays out within the label; raises TemplateInvalid listing
    every fault by element."""
    try:
        doc = check_template(raw)
    except TemplateProblems as exc:
        raise TemplateInvalid(exc.problems) from exc
    if doc.sample:  # the sample shows what the designer meant: it must fit
        render_png(LabelPlan(doc, doc.dpi).place(normalise(doc.sample)), strict=True)
    return doc


class TemplateService:
    def __init__(self, session: Session, principal: Principal) -> None:
        self.session = session
        self.by = principal

    def _versions(self, code: str) -> list[LabelTemplate]:
        return list(self.session.exec(select(LabelTemplate).where(LabelTemplate.code == code)
                                      .order_by(col(LabelTemplate.version).desc())).all())

    def get(self, code: str, version: int | None = None) -> LabelTemplate:
        """The latest version, or the one asked for; raises UnknownTemplate."""
        query = select(LabelTemplate).where(LabelTemplate.code == code)
        query = (query.where(LabelTemplate.version == version) if version is not None
                 else query.order_by(col(LabelTemplate.version).desc()))
        found = self.session.exec(query.limit(1)).first()
        if found is None:
            raise UnknownTemplate(code, version)
        return found

    def printable(self, code: str, version: int | None = None) -> LabelTemplate:
        """As `get`, refusing a retired template (TemplateRetired)."""
        template = self.get(code, version)
        if template.retired:
            raise TemplateRetired(code)
        return template

    def latest(self, *, include_retired: bool = False) -> list[LabelTemplate]:
        rows = self.session.exec(select(LabelTemplate).order_by(LabelTemplate.code,
                                                                col(LabelTemplate.version).desc())).all()
        out: dict[str, LabelTemplate] = {}
        for row in rows:
            out.setdefault(row.code, row)
        return [t for t in out.values() if include_retired or not t.retired]

    def versions(self, code: str) -> list[LabelTemplate]:
        found = self._versions(code)
        if not found:
            raise UnknownTemplate(code)
        return found

    @atomic
    def create(self, code: str, raw: dict[str, Any]) -> LabelTemplate:
        """Raises TemplateExists, TemplateInvalid (every fault, by element) or LabelDoesNotFit."""
        doc = checked(raw)
        if self._versions(code):
            raise TemplateExists(code)
        template = LabelTemplate(code=code, version=1, name=doc.name, doc=doc.model_dump(mode="json"),
                                 created_by=self.by.username)
        self.session.add(template)
        self.session.commit()
        return template

    @atomic
    def revise(self, code: str, raw: dict[str, Any]) -> LabelTemplate:
        """The latest version changed in place while no label was printed from it; else a new version. A retired
        template comes back into use when revised."""
        doc = checked(raw)
        current = self.get(code)
        body = doc.model_dump(mode="json")
        if current.in_use:
            current = LabelTemplate(code=code, version=current.version + 1, name=doc.name, doc=body,
                                    created_by=self.by.username)
        else:
            current.doc, current.name, current.updated_at = body, doc.name, utcnow()
        for row in self._versions(code):
            row.retired = False
            self.session.add(row)
        self.session.add(current)
        self.session.commit()
        return current

    @atomic
    def retire(self, code: str) -> LabelTemplate:
        """No more labels print from any version; the versions and their print history stay."""
        versions = self.versions(code)
        for row in versions:
            row.retired = True
            self.session.add(row)
        self.session.commit()
        return versions[0]

    @atomic
    def install_shipped(self, folder: Path = SHIPPED) -> list[LabelTemplate]:
        """The templates of assets/labels (code = file name) not stored yet; those stored are left as they are."""
        made: list[LabelTemplate] = []
        for path in sorted(folder.glob("*.json")):
            if self._versions(path.stem):
                continue
            doc = checked(json.loads(path.read_text(encoding="utf-8")))
            template = LabelTemplate(code=path.stem, name=doc.name, doc=doc.model_dump(mode="json"),
                                     created_by=self.by.username)
            self.session.add(template)
            made.append(template)
        self.session.commit()
        return made

    def preview(self, template: LabelTemplate, data: dict[str, Any] | None, dpi: int | None) -> bytes:
        """PNG of the template for `data` (label data, already read) or its own sample."""
        plan = plan_for(template, dpi)
        values = data if data is not None else normalise(plan.doc.sample)
        return render_png(plan.place(values))


def preview_draft(raw: dict[str, Any], data: dict[str, str] | None, dpi: int | None) -> bytes:
    """The designer's live preview: a template not stored yet, checked as if it were, drawn for `data` or its
    sample. Raises TemplateInvalid, LabelDataInvalid or LabelDoesNotFit."""
    try:
        doc = check_template(raw)
    except TemplateProblems as exc:
        raise TemplateInvalid(exc.problems) from exc
    plan = LabelPlan(doc, dpi or doc.dpi)
    return render_png(plan.place(normalise(data if data is not None else doc.sample)), strict=True)

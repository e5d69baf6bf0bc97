"""Saved reports: list, read, create, edit (each edit a new version), and the shipped ones from assets/reports/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from backend.assets import read_yaml
from backend.auth.principal import Principal
from backend.reports.errors import InvalidReport, ReportExists, StaleReport, UnknownReport
from backend.reports.models import SavedReport
from backend.reports.run_service import plan
from backend.reports.schemas import ReportCreate, ReportDefinition, ReportPublic, ReportUpdate, RunOptions

SHIPPED_DIR = Path(__file__).resolve().parents[2] / "assets" / "reports"


def shipped_definitions(folder: Path = SHIPPED_DIR) -> list[ReportCreate]:
    """The reports shipped as YAML, checked; raises ValueError naming the file and what is wrong in it."""
    out = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            out.append(ReportCreate.model_validate(read_yaml(path)))
        except (ValidationError, yaml.YAMLError) as exc:
            raise ValueError(f"{path.name}: {exc}") from exc
    return out


def load_shipped_reports(session: Session, folder: Path = SHIPPED_DIR) -> list[str]:
    """Adds each shipped report whose code is not in the table yet (a report users edited is left as it is);
    returns the codes added. Running it twice adds nothing the second time. Does not commit."""
    have = set(session.exec(select(SavedReport.code)).all())
    added = []
    for r in shipped_definitions(folder):
        if r.code in have:
            continue
        session.add(SavedReport(code=r.code, version=1, name_en=r.name_en, name_zh=r.name_zh,
                                definition=r.definition.model_dump(mode="json", exclude_none=True), shipped=True))
        added.append(r.code)
    if added:
        session.flush()
    return added


def public(row: SavedReport) -> ReportPublic:
    return ReportPublic(code=row.code, version=row.version, name_en=row.name_en, name_zh=row.name_zh,
                        definition=ReportDefinition.model_validate(row.definition), shipped=row.shipped,
                        created_at=row.created_at)


class ReportService:
    def __init__(self, session: Session, principal: Principal) -> None:
        self.session = session
        self.by = principal

    def _ensure_shipped(self) -> None:
        try:
            if load_shipped_reports(self.session):
                self.session.commit()
        except IntegrityError:
            self.session.rollback()   # another request loaded them meanwhile: they are there now

    def _latest(self) -> Any:
        newest = (select(SavedReport.code, func.max(SavedReport.version).label("v"))
                  .group_by(SavedReport.code).subquery())
        return select(SavedReport).join(newest, (newest.c.code == SavedReport.code)
                                        & (newest.c.v == SavedReport.version))

    def list_reports(self) -> list[ReportPublic]:
        self._ensure_shipped()
        return [public(r) for r in self.session.exec(self._latest().order_by(SavedReport.code))]

    def report(self, code: str, version: int | None = None) -> SavedReport:
        """The newest version of `code` (or the one asked for); raises UnknownReport."""
        self._ensure_shipped()
        stmt = select(SavedReport).where(SavedReport.code == code)
        stmt = stmt.where(SavedReport.version == version) if version else stmt.order_by(SavedReport.version.desc())
        row = self.session.exec(stmt).first()
        if row is None:
            raise UnknownReport(code if version is None else f"{code} v{version}")
        return row

    def versions(self, code: str) -> list[ReportPublic]:
        rows = self.session.exec(select(SavedReport).where(SavedReport.code == code).order_by(SavedReport.version))
        found = [public(r) for r in rows]
        if not found:
            raise UnknownReport(code)
        return found

    def _check(self, definition: ReportDefinition) -> None:
        # A definition is saved only if it runs: the same checks as a run, against this database's datasets.
        plan(self.session, self.by, definition, RunOptions())

    def create(self, data: ReportCreate) -> SavedReport:
        self._ensure_shipped()
        if self.session.exec(select(SavedReport.id).where(SavedReport.code == data.code)).first() is not None:
            raise ReportExists(data.code)
        self._check(data.definition)
        row = SavedReport(code=data.code, version=1, name_en=data.name_en, name_zh=data.name_zh,
                          definition=data.definition.model_dump(mode="json", exclude_none=True),
                          created_by=self.by.user_id if self.by.user_id != "system" else None)
        self.session.add(row)
        self.session.commit()
        return row

    def update(self, code: str, data: ReportUpdate, expected: int | None) -> SavedReport:
        """A new version with the changes; raises StaleReport when `expected` is not the newest version."""
        current = self.report(code)
        if expected is not None and expected != current.version:
            raise StaleReport(code, current.version, expected)
        if data.name_en is None and data.name_zh is None and data.definition is None:
            raise InvalidReport("body", "nothing to change: send name_en, name_zh or definition.")
        definition = data.definition or ReportDefinition.model_validate(current.definition)
        self._check(definition)
        row = SavedReport(code=code, version=current.version + 1,
                          name_en=data.name_en if data.name_en is not None else current.name_en,
                          name_zh=data.name_zh if data.name_zh is not None else current.name_zh,
                          definition=definition.model_dump(mode="json", exclude_none=True),
                          created_by=self.by.user_id if self.by.user_id != "system" else None)
        self.session.add(row)
        self.session.commit()
        return row


__all__ = ["ReportService", "load_shipped_reports", "public", "shipped_definitions"]

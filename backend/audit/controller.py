"""The audit trail over HTTP, for admins and QA managers: newest first, a bounded page at a time."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import Controller, get
from litestar.params import Parameter, QueryParameter

from backend.audit.schemas import AuditEntryPublic, AuditPage
from backend.audit.service import MAX_LIMIT, entries
from backend.auth.guards import allow
from backend.deps import Db
from shared_models.bounds import INT64_MAX
from shared_models.enums import Role


class AuditController(Controller):
    path = "/api/audit"
    tags = ["audit"]
    guards = [allow(Role.QA_MANAGER)]

    @get("/", sync_to_thread=True)
    def list_entries(self, db: Db, entity: Annotated[str | None, Parameter(max_length=32)] = None,
                     key: Annotated[str | None, Parameter(max_length=128)] = None,
                     since: Annotated[datetime | None, QueryParameter()] = None,
                     before_id: Annotated[int | None, Parameter(ge=1, le=INT64_MAX)] = None,
                     limit: Annotated[int, Parameter(ge=1, le=MAX_LIMIT)] = 100) -> AuditPage:
        """The audit log of master-data and settings changes: who changed what, before and after; filtered by
        entity and key, newest first."""
        page = entries(db, entity=entity, key=key, since=since, before_id=before_id, limit=limit)
        return AuditPage(entries=[AuditEntryPublic.model_validate(e) for e in page],
                         next_before_id=page[-1].id if len(page) == limit else None)

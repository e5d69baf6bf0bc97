"""Recall scope over HTTP."""

from __future__ import annotations

from litestar import Controller, post
from pydantic import BaseModel, Field
from sqlmodel import Session

from backend.auth.guards import allow
from backend.auth.principal import Principal
from backend.config import Settings
from backend.recall.scope import recall_scope
from backend.trace.schemas import RecallScope
from shared_models.enums import Role


class ScopeRequest(BaseModel):
    codes: list[str] = Field(min_length=1, max_length=1000)
    list_limit: int = Field(default=1000, ge=0, le=100000)


class RecallController(Controller):
    path = "/api/recall"
    tags = ["recall"]

    @post("/scope", guards=[allow(Role.QA_MANAGER)], status_code=200, sync_to_thread=True)
    def scope(self, data: ScopeRequest, db: Session, principal: Principal, settings: Settings) -> RecallScope:
        return recall_scope(db, principal, data.codes, max_depth=settings.trace_max_depth,
                            list_limit=data.list_limit)

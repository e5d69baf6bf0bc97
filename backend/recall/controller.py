"""Recall scope over HTTP."""

from __future__ import annotations

from litestar import Controller, post
from litestar.params import JSONBody
from pydantic import BaseModel, Field

from backend.auth.guards import allow
from backend.deps import Caller, Config, Db
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
    def scope(self, data: JSONBody[ScopeRequest], db: Db, principal: Caller, settings: Config) -> RecallScope:
        return recall_scope(db, principal, data.codes, max_depth=settings.trace_max_depth,
                            list_limit=data.list_limit)

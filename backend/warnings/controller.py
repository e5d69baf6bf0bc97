"""Warnings and warning rules over HTTP, for QA managers (and admins)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from litestar import Controller, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from pydantic import BaseModel, ConfigDict, Field

from backend.auth.guards import allow
from backend.deps import Caller, Db
from backend.warnings.models import QualityWarning, WarningRule
from backend.warnings.notify import NotifyConfig
from backend.warnings.service import WarningService
from shared_models.enums import Role, WarningState


class WarningPublic(BaseModel):
    id: str
    rule_id: str
    rule_code: str
    kind: str
    dedupe_key: str
    state: WarningState
    severity: str
    message: str
    context: dict[str, Any]
    opened_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    closed_at: datetime | None
    closed_by: str | None


class WarningRulePublic(BaseModel):
    id: str
    code: str
    kind: str
    params: dict[str, Any]
    severity: str
    enabled: bool
    notify: dict[str, Any]    # secrets masked; send the mask back to keep them
    name_en: str
    name_zh: str


class WarningRuleUpdate(BaseModel):
    """Only the fields sent change; `params` are merged into the rule's current ones, `notify` replaces."""

    model_config = ConfigDict(extra="forbid")
    enabled: bool | None = None
    params: dict[str, Any] | None = None
    severity: Literal["minor", "major", "critical"] | None = None
    notify: dict[str, Any] | None = None
    name_en: str | None = Field(default=None, max_length=200)
    name_zh: str | None = Field(default=None, max_length=200)


class CloseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(default="", max_length=1000)


def warning_public(warning: QualityWarning, rule: WarningRule) -> WarningPublic:
    return WarningPublic(id=warning.id, rule_id=rule.id, rule_code=rule.code, kind=rule.kind,
                         dedupe_key=warning.dedupe_key, state=warning.state, severity=warning.severity,
                         message=warning.message, context=dict(warning.context), opened_at=warning.opened_at,
                         acknowledged_at=warning.acknowledged_at, acknowledged_by=warning.acknowledged_by,
                         closed_at=warning.closed_at, closed_by=warning.closed_by)


def rule_public(rule: WarningRule) -> WarningRulePublic:
    return WarningRulePublic(id=rule.id, code=rule.code, kind=rule.kind, params=dict(rule.params),
                             severity=rule.severity, enabled=rule.enabled,
                             notify=NotifyConfig.model_validate(rule.notify or {}).masked(),
                             name_en=rule.name_en, name_zh=rule.name_zh)


class WarningController(Controller):
    path = "/api"
    tags = ["warnings"]
    guards = [allow(Role.QA_MANAGER)]

    @get("/warnings", sync_to_thread=True)
    def list_warnings(self, db: Db, principal: Caller,
                      in_state: Annotated[WarningState | None, QueryParameter(name="state")] = None,
                      rule: FromQuery[str | None] = None,
                      limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100) -> list[WarningPublic]:
        service = WarningService(db)
        rules = {r.id: r for r in service.rules()}
        return [warning_public(w, rules[w.rule_id])
                for w in service.list(principal, state=in_state, rule=rule, limit=limit)]

    @post("/warnings/{warning_id:str}/acknowledge", status_code=200, sync_to_thread=True)
    def acknowledge(self, warning_id: FromPath[str], db: Db, principal: Caller) -> WarningPublic:
        service = WarningService(db)
        warning = service.acknowledge(warning_id, principal)
        return warning_public(warning, service.rule(warning.rule_id))

    @post("/warnings/{warning_id:str}/close", status_code=200, sync_to_thread=True)
    def close(self, warning_id: FromPath[str], db: Db, principal: Caller,
              data: JSONBody[CloseRequest | None] = None) -> WarningPublic:
        service = WarningService(db)
        warning = service.close(warning_id, principal, note=data.note if data else "")
        return warning_public(warning, service.rule(warning.rule_id))

    @get("/warning-rules", sync_to_thread=True)
    def list_rules(self, db: Db) -> list[WarningRulePublic]:
        return [rule_public(r) for r in WarningService(db).rules()]

    @get("/warning-rules/{ref:str}", sync_to_thread=True)
    def get_rule(self, ref: FromPath[str], db: Db) -> WarningRulePublic:
        return rule_public(WarningService(db).rule(ref))

    @patch("/warning-rules/{ref:str}", sync_to_thread=True)
    def update_rule(self, ref: FromPath[str], data: JSONBody[WarningRuleUpdate], db: Db) -> WarningRulePublic:
        return rule_public(WarningService(db).update_rule(ref, **data.model_dump(exclude_none=True)))

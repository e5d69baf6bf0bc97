"""Gate rules over HTTP: QA managers list them, switch them on and off and tune their parameters."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get, patch
from litestar.params import FromPath, JSONBody
from pydantic import BaseModel, ConfigDict, Field

from backend.auth.guards import allow
from backend.deps import Db
from backend.gates.models import GateRule
from backend.gates.service import GateService
from shared_models.enums import Role


class GateRulePublic(BaseModel):
    code: str
    actions: list[str]
    check: str
    params: dict[str, Any]
    enabled: bool
    message_en: str
    message_zh: str


class GateRuleUpdate(BaseModel):
    """Only the fields sent change; `params` are merged into the rule's current parameters."""

    model_config = ConfigDict(extra="forbid")
    enabled: bool | None = None
    actions: list[str] | None = None
    params: dict[str, Any] | None = None
    message_en: str | None = Field(default=None, max_length=300)
    message_zh: str | None = Field(default=None, max_length=300)


def gate_public(row: GateRule) -> GateRulePublic:
    return GateRulePublic(code=row.code, actions=list(row.actions), check=row.check, params=dict(row.params),
                          enabled=row.enabled, message_en=row.message_en, message_zh=row.message_zh)


class GateController(Controller):
    path = "/api/gates"
    tags = ["gates"]
    guards = [allow(Role.QA_MANAGER)]

    @get("/", sync_to_thread=True)
    def list_rules(self, db: Db) -> list[GateRulePublic]:
        rows = GateService(db).rules()
        db.commit()  # keeps the rules seeded on first use
        return [gate_public(r) for r in rows]

    @patch("/{code:str}", sync_to_thread=True)
    def update_rule(self, code: FromPath[str], data: JSONBody[GateRuleUpdate], db: Db) -> GateRulePublic:
        return gate_public(GateService(db).update(code, **data.model_dump(exclude_none=True)))

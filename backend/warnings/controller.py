"""Warnings and warning rules over HTTP, for QA managers (and admins)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, patch, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from backend.auth.guards import allow
from backend.deps import Caller, Db
from backend.warnings.schemas import (
    CloseRequest,
    WarningPublic,
    WarningRulePublic,
    WarningRuleUpdate,
    rule_public,
    warning_public,
)
from backend.warnings.service import WarningService
from shared_models.enums import Role, WarningState


class WarningController(Controller):
    path = "/api"
    tags = ["warnings"]
    guards = [allow(Role.QA_MANAGER)]

    @get("/warnings", sync_to_thread=True)
    def list_warnings(self, db: Db, principal: Caller,
                      in_state: Annotated[WarningState | None, QueryParameter(name="state")] = None,
                      rule: FromQuery[str | None] = None,
                      limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100) -> list[WarningPublic]:
        """Warnings raised by the rules, filtered by state, newest first."""
        service = WarningService(db)
        rules = {r.id: r for r in service.rules()}
        return [warning_public(w, rules[w.rule_id])
                for w in service.list(principal, state=in_state, rule=rule, limit=limit)]

    @post("/warnings/{warning_id:str}/acknowledge", status_code=200, sync_to_thread=True)
    def acknowledge(self, warning_id: FromPath[str], db: Db, principal: Caller) -> WarningPublic:
        """Acknowledges a warning: someone is on it."""
        service = WarningService(db)
        warning = service.acknowledge(warning_id, principal)
        return warning_public(warning, service.rule(warning.rule_id))

    @post("/warnings/{warning_id:str}/close", status_code=200, sync_to_thread=True)
    def close(self, warning_id: FromPath[str], db: Db, principal: Caller,
              data: JSONBody[CloseRequest | None] = None) -> WarningPublic:
        """Closes a warning, with an optional note."""
        service = WarningService(db)
        warning = service.close(warning_id, principal, note=data.note if data else "")
        return warning_public(warning, service.rule(warning.rule_id))

    @get("/warning-rules", sync_to_thread=True)
    def list_rules(self, db: Db) -> list[WarningRulePublic]:
        """Warning rules (stock, expiry, inspection, process and event rules) and their settings."""
        return [rule_public(r) for r in WarningService(db).rules()]

    @get("/warning-rules/{ref:str}", sync_to_thread=True)
    def get_rule(self, ref: FromPath[str], db: Db) -> WarningRulePublic:
        """One warning rule."""
        return rule_public(WarningService(db).rule(ref))

    @patch("/warning-rules/{ref:str}", sync_to_thread=True)
    def update_rule(self, ref: FromPath[str], data: JSONBody[WarningRuleUpdate], db: Db,
                    state: State) -> WarningRulePublic:
        """Changes a warning rule's settings or turns it on or off."""
        service = WarningService(db, cache=state.warnings.rules)  # the app's fast path sees the change at once
        return rule_public(service.update_rule(ref, **data.model_dump(exclude_none=True)))

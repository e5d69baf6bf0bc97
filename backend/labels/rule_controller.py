"""Print rules over HTTP: staff read them and what they did; admins make and switch them off (as for printers)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, delete, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody, Parameter

from backend.auth.guards import STAFF, allow
from backend.deps import Caller, Db
from backend.labels.rule_service import PrintRuleService
from backend.labels.schemas import PrintRuleCreate, PrintRulePublic, PrintRuleRunPublic

READ = allow(*STAFF)
ADMIN = allow()
Limit = Annotated[int, Parameter(ge=1, le=500)]


class PrintRuleController(Controller):
    path = "/api/labels/print-rules"
    tags = ["labels"]

    @get("/", guards=[READ], sync_to_thread=True)
    def list_rules(self, db: Db, principal: Caller, active: FromQuery[bool | None] = None) -> list[PrintRulePublic]:
        """Print rules."""
        return [PrintRulePublic.model_validate(r) for r in PrintRuleService(db, principal).all(active=active)]

    @post("/", guards=[ADMIN], sync_to_thread=True)
    def create_rule(self, data: JSONBody[PrintRuleCreate], db: Db, principal: Caller,
                    state: State) -> PrintRulePublic:
        """Creates a print rule: labels printed automatically when an event happens (e.g. a receive prints lot
        labels)."""
        rule = PrintRuleService(db, principal).create(data)
        worker: Any = state.get("print_worker")
        if worker is not None:
            worker.rules.sweep_now()  # events committed elsewhere from now on are found without waiting a minute
        return PrintRulePublic.model_validate(rule)

    @get("/{rule_id:str}", guards=[READ], sync_to_thread=True)
    def get_rule(self, rule_id: FromPath[str], db: Db, principal: Caller) -> PrintRulePublic:
        """One print rule."""
        return PrintRulePublic.model_validate(PrintRuleService(db, principal).get(rule_id))

    @delete("/{rule_id:str}", guards=[ADMIN], status_code=200, sync_to_thread=True)
    def disable_rule(self, rule_id: FromPath[str], db: Db, principal: Caller) -> PrintRulePublic:
        """Disables a print rule."""
        return PrintRulePublic.model_validate(PrintRuleService(db, principal).disable(rule_id))

    @get("/{rule_id:str}/runs", guards=[READ], sync_to_thread=True)
    def rule_runs(self, rule_id: FromPath[str], db: Db, principal: Caller,
                  limit: Limit = 100) -> list[PrintRuleRunPublic]:
        """What a print rule printed, newest first."""
        return [PrintRuleRunPublic.model_validate(r) for r in PrintRuleService(db, principal).runs(rule_id, limit)]

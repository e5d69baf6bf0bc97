"""Gate rules over HTTP: QA managers list them, switch them on and off and tune their parameters."""

from __future__ import annotations

from litestar import Controller, get, patch
from litestar.params import FromPath, JSONBody

from backend.auth.guards import allow
from backend.deps import Db
from backend.gates.schemas import GateRulePublic, GateRuleUpdate, gate_public
from backend.gates.service import GateService
from shared_models.enums import Role


class GateController(Controller):
    path = "/api/gates"
    tags = ["gates"]
    guards = [allow(Role.QA_MANAGER)]

    @get("/", sync_to_thread=True)
    def list_rules(self, db: Db) -> list[GateRulePublic]:
        """The gate rules (e.g. no pick of a unit on hold, no ship of an expired lot) and whether each blocks or
        warns."""
        rows = GateService(db).rules()
        db.commit()  # keeps the rules seeded on first use
        return [gate_public(r) for r in rows]

    @patch("/{code:str}", sync_to_thread=True)
    def update_rule(self, code: FromPath[str], data: JSONBody[GateRuleUpdate], db: Db) -> GateRulePublic:
        """Changes a gate rule: only the fields sent change (`enabled`, `actions`); `params` are merged into its
        current parameters."""
        return gate_public(GateService(db).update(code, **data.model_dump(exclude_none=True)))

"""Gates (质量门) and warning rules (预警规则): each listed with its parameters, switched on or off and its
parameters edited through backend/gates' GateService and backend/warnings' WarningService, which check a change
and refuse it whole, saying why (the message shows in the page's flash area)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath

from backend.console.admin_forms import RuleForm
from backend.console.pages import render, require, texts_for
from backend.deps import Caller, Db
from backend.gates.service import GateService
from backend.warnings.service import SEVERITIES, WarningService

Form = Body(media_type=RequestEncodingType.URL_ENCODED)


def pretty(params: dict[str, Any]) -> str:
    return json.dumps(params, ensure_ascii=False, indent=1, sort_keys=True)


class RulePages(Controller):
    path = "/rules"

    @get("/", sync_to_thread=True)
    def rules(self, request: Request[Any, Any, Any], db: Db, principal: Caller) -> Response[str]:
        require(principal, "rules")
        return render(request, "rules.html", gates=GateService(db).rules(), warning_rules=WarningService(db).rules(),
                      pretty=pretty, severities=SEVERITIES, message="")

    @post("/gates/{code:str}", status_code=200, sync_to_thread=True)
    def change_gate(self, request: Request[Any, Any, Any], code: FromPath[str], db: Db, principal: Caller,
                    data: Annotated[RuleForm, Form]) -> Response[str]:
        require(principal, "rules")
        rule = GateService(db).update(code, enabled=data.enabled == "on", params=data.params_object(code))
        return render(request, "_gate_rule.html", g=rule, pretty=pretty,
                      message=texts_for(request)("rules.saved", code=code))

    @post("/warnings/{code:str}", status_code=200, sync_to_thread=True)
    def change_warning_rule(self, request: Request[Any, Any, Any], code: FromPath[str], db: Db, principal: Caller,
                            data: Annotated[RuleForm, Form]) -> Response[str]:
        require(principal, "rules")
        cache = getattr(request.app.state, "warnings", None)
        service = WarningService(db, cache=getattr(cache, "rules", None))
        rule = service.update_rule(code, enabled=data.enabled == "on", params=data.params_object(code),
                                   severity=data.severity or None)
        return render(request, "_warning_rule.html", w=rule, pretty=pretty, severities=SEVERITIES,
                      message=texts_for(request)("rules.saved", code=code))

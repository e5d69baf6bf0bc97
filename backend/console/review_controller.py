"""Nonconformance review (不合格品评审) and the warnings inbox (预警): lists, a nonconformance with its history and
the transitions the caller's role may fire, and acknowledging a warning, all through backend/quality and
backend/warnings."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, Parameter, QueryParameter
from sqlmodel import Session

from backend.auth.models import User
from backend.auth.principal import Principal
from backend.console.pages import is_htmx, render, require
from backend.console.schemas import TransitionForm
from backend.console.tables import PAGE_SIZE
from backend.deps import Caller, Db
from backend.errors import InvalidInput
from backend.quality.nonconformance_service import NonconformanceService
from backend.quality.schemas import nonconformance_public
from backend.warnings.schemas import warning_public
from backend.warnings.service import WarningService
from shared_models.enums import Role, WarningState
from shared_models.quality.workflow import Transition

Page = Annotated[int, Parameter(ge=1, le=1_000_000)]
StateFilter = Annotated[str, QueryParameter(name="state", max_length=32)]


def _transitions(service: NonconformanceService, state: str, principal: Principal) -> list[Transition]:
    """What the caller may fire now: the workflow's answer for their role (admins: every way out)."""
    if principal.role is Role.ADMIN:
        return service.workflow.transitions_from(state)
    return service.workflow.allowed(state, principal.role.value)


class NonconformancePages(Controller):
    path = "/nc"

    @get("/", sync_to_thread=True)
    def list_page(self, request: Request[Any, Any, Any], db: Db, principal: Caller, in_state: StateFilter = "",
                  page: Page = 1) -> Response[str]:
        require(principal, "nc")
        service = NonconformanceService(db)
        found = service.list_for(principal, state=in_state or None, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
        rows = [nonconformance_public(db, nc) for nc in found[:PAGE_SIZE]]
        template = "_nc_table.html" if is_htmx(request) and request.headers.get("hx-target") == "ncs" \
            else "nc_list.html"
        return render(request, template, rows=rows, page=page, more=len(found) > PAGE_SIZE, state=in_state,
                      states=service.workflow.state_names)

    @get("/{code:str}", sync_to_thread=True)
    def detail(self, request: Request[Any, Any, Any], code: FromPath[str], db: Db, principal: Caller) -> Response[str]:
        require(principal, "nc")
        return render(request, "nc_detail.html", **_nc_view(db, code, principal, done=False))

    @post("/{code:str}/transition", status_code=200, sync_to_thread=True)
    def transition(self, request: Request[Any, Any, Any], code: FromPath[str], db: Db, principal: Caller,
                   data: Annotated[TransitionForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
                   ) -> Response[str]:
        require(principal, "nc")
        NonconformanceService(db).advance(code, data.transition, data.fields(), principal)
        return render(request, "_nc_body.html", **_nc_view(db, code, principal, done=True))


def _nc_view(db: Session, code: str, principal: Principal, *, done: bool) -> dict[str, Any]:
    service = NonconformanceService(db)
    nc = service.get(code, principal)
    return {"nc": nonconformance_public(db, nc, service.steps(nc)), "done": done,
            "transitions": _transitions(service, nc.state, principal),
            "state_labels": {s.name: (s.label_zh, s.label_en) for s in service.workflow.states}}


def _warning_state(raw: str) -> WarningState | None:
    if not raw:
        return None
    try:
        return WarningState(raw)
    except ValueError:
        raise InvalidInput(f"state: {raw!r} is not a warning state; use one of "
                           f"{', '.join(s.value for s in WarningState)}.") from None


class WarningPages(Controller):
    path = "/warnings"

    @get("/", sync_to_thread=True)
    def inbox(self, request: Request[Any, Any, Any], db: Db, principal: Caller, in_state: StateFilter = "open",
              page: Page = 1) -> Response[str]:
        require(principal, "warnings")
        service = WarningService(db)
        rules = {r.id: r for r in service.rules()}
        found = service.list(principal, state=_warning_state(in_state), limit=page * PAGE_SIZE + 1)
        rows = [warning_public(w, rules[w.rule_id]) for w in found[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]]
        return render(request, "warnings.html", rows=rows, rules=rules, names=_names(db, rows), state=in_state,
                      page=page, more=len(found) > page * PAGE_SIZE, states=[s.value for s in WarningState])

    @post("/{warning_id:str}/acknowledge", status_code=200, sync_to_thread=True)
    def acknowledge(self, request: Request[Any, Any, Any], warning_id: FromPath[str], db: Db,
                    principal: Caller) -> Response[str]:
        require(principal, "warnings")
        service = WarningService(db)
        warning = service.acknowledge(warning_id, principal)
        row = warning_public(warning, service.rule(warning.rule_id))
        rules = {row.rule_id: service.rule(warning.rule_id)}
        return render(request, "_warning_row.html", w=row, rules=rules, names=_names(db, [row]))


def _names(db: Session, rows: list[Any]) -> dict[str, str]:
    """User id → username for the people who acknowledged or closed these warnings."""
    ids = {i for r in rows for i in (r.acknowledged_by, r.closed_by) if i}
    return {i: (u.username if (u := db.get(User, i)) else i) for i in ids}

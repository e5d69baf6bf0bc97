"""Recall case pages: the list (sorted, filtered and paged on the server), a case with its progress, and blocking
the case's stock; every figure and change comes from backend/recall's RecallService."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, Parameter, QueryParameter

from backend.console.pages import is_htmx, render, require
from backend.console.tables import page_of
from backend.deps import Caller, Config, Db
from backend.errors import InvalidInput
from backend.recall.case_service import RecallService
from backend.recall.models import IN_STOCK
from backend.recall.schemas import BlockResult
from shared_models.enums import RecallState

SORTS = {"created": lambda c: c.created_at, "code": lambda c: c.code, "title": lambda c: c.title.lower(),
         "state": lambda c: c.state}


def _service(db: Any, principal: Any, settings: Any) -> RecallService:
    return RecallService(db, principal, max_depth=settings.trace_max_depth)


def _state(raw: str) -> RecallState | None:
    if not raw:
        return None
    try:
        return RecallState(raw)
    except ValueError:
        raise InvalidInput(f"state: {raw!r} is not a recall state; use one of "
                           f"{', '.join(s.value for s in RecallState)}.") from None


class RecallPages(Controller):
    path = "/recall"

    @get("/", sync_to_thread=True)
    def cases(self, request: Request[Any, Any, Any], db: Db, principal: Caller, settings: Config,
              in_state: Annotated[str, QueryParameter(name="state", max_length=20)] = "",
              q: Annotated[str, Parameter(max_length=200)] = "",
              sort: Annotated[str, Parameter(max_length=20)] = "created",
              direction: Annotated[str, QueryParameter(name="dir", max_length=4)] = "desc",
              page: Annotated[int, Parameter(ge=1, le=1_000_000)] = 1) -> Response[str]:
        require(principal, "recall")
        found = _service(db, principal, settings).list_cases(_state(in_state))
        needle = q.strip().lower()
        if needle:
            found = [c for c in found if needle in f"{c.code} {c.title} {c.reason} {' '.join(c.seeds)}".lower()]
        table = page_of(found, sort=sort, desc=direction == "desc", page=page, keys=SORTS,
                        query={"state": in_state, "q": q})
        template = "_recall_table.html" if is_htmx(request) and request.headers.get("hx-target") == "cases" \
            else "recall_list.html"
        return render(request, template, table=table, state=in_state, q=q, states=[s.value for s in RecallState])

    @get("/{code:str}", sync_to_thread=True)
    def case(self, request: Request[Any, Any, Any], code: FromPath[str], db: Db, principal: Caller,
             settings: Config) -> Response[str]:
        require(principal, "recall")
        return render(request, "recall_case.html", **_case_view(_service(db, principal, settings), code, None))

    @post("/{code:str}/block", status_code=200, sync_to_thread=True)
    def block(self, request: Request[Any, Any, Any], code: FromPath[str], db: Db, principal: Caller,
              settings: Config) -> Response[str]:
        require(principal, "recall")
        service = _service(db, principal, settings)
        result = service.block(code)
        return render(request, "_recall_body.html", **_case_view(service, code, result))


def _case_view(service: RecallService, code: str, blocked: BlockResult | None) -> dict[str, Any]:
    detail = service.detail(code)
    progress = detail.progress
    shipped = progress.shipped_units or 0
    return {"case": detail, "progress": progress, "blocked": blocked,
            "stock": service.units(code, IN_STOCK),
            "returned_pct": round(100 * progress.returned_units / shipped) if shipped else 0,
            "blocked_pct": round(100 * progress.blocked.recalled_units / progress.blocked.units)
            if progress.blocked.units else 0}


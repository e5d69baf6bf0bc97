"""Trace explorer pages: a scanned or typed code drawn as its genealogy, expanded node by node, and the button that
opens a recall case with that code's scope."""

from __future__ import annotations

import json
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter

from backend.console.pages import may_open, render, require
from backend.console.schemas import OpenRecallForm
from backend.console.trace_view import explore
from backend.deps import Caller, Config, Db
from backend.errors import DomainError
from backend.recall.case_service import RecallService

Code = Annotated[str, Parameter(min_length=1, max_length=400)]


def _embedded(data: dict[str, Any]) -> str:
    """JSON safe inside a <script type="application/json"> element (no "</" can end it early)."""
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


class TracePages(Controller):
    path = "/trace"

    @get("/", sync_to_thread=True)
    def explorer(self, request: Request[Any, Any, Any], db: Db, principal: Caller, settings: Config,
                 code: Annotated[str, Parameter(max_length=400)] = "") -> Response[str]:
        require(principal, "trace")
        code = code.strip()
        graph: dict[str, Any] | None = None
        error, status = None, 200
        if code:
            try:
                graph = explore(db, principal, code, max_depth=settings.trace_max_depth)
            except DomainError as exc:  # an unknown or unreadable code: say so on the same page, keep the field
                error, status = exc.detail, exc.status_code
        return render(request, "trace.html", status_code=status, code=code, graph=graph, error=error,
                      graph_json=_embedded(graph) if graph else "", may_recall=may_open(principal, "recall"))

    @get("/graph", sync_to_thread=True)
    def graph(self, db: Db, principal: Caller, settings: Config, code: Code,
              depth: Annotated[int, Parameter(ge=1, le=64)] = 1) -> dict[str, Any]:
        """One more step each way from a node (what the picture adds when the node is clicked)."""
        require(principal, "trace")
        return explore(db, principal, code, depth=depth, max_depth=settings.trace_max_depth)

    @post("/recall", status_code=200, sync_to_thread=True)
    def open_recall(self, data: Annotated[OpenRecallForm, Body(media_type=RequestEncodingType.URL_ENCODED)], db: Db,
                    principal: Caller, settings: Config) -> Response[str]:
        require(principal, "recall")
        service = RecallService(db, principal, max_depth=settings.trace_max_depth)
        case = service.open_case(data.title, data.reason, codes=[data.code])
        return Response("", headers={"HX-Redirect": f"/console/recall/{case.code}"})

"""Trace and code resolution over HTTP."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.params import FromQuery, Parameter

from backend.auth.guards import TRACE_READERS, allow
from backend.deps import Caller, Config, Db
from backend.trace.resolver import resolve
from backend.trace.schemas import ResolvedPublic, TraceGraph
from backend.trace.service import trace
from shared_models.bounds import INT64_MAX
from shared_models.enums import Direction, Role


class TraceController(Controller):
    path = "/api"
    tags = ["trace"]

    @get("/trace", guards=[allow(*TRACE_READERS)], sync_to_thread=True)
    def trace(self, db: Db, principal: Caller, settings: Config,
              code: Annotated[str, Parameter(min_length=1, max_length=400)],
              direction: FromQuery[Direction] = Direction.BACKWARD,
              depth: Annotated[int | None, Parameter(ge=1, le=64)] = None,
              cursor: Annotated[str | None, Parameter(max_length=1000)] = None,
              limit: Annotated[int | None, Parameter(ge=1, le=INT64_MAX)] = None) -> TraceGraph:
        """A page of the trace: `limit` units (at most the configured trace_max_nodes, which is the default), then
        `next_cursor` for the next page, until it is null."""
        size = min(limit or settings.trace_max_nodes, settings.trace_max_nodes)
        return trace(db, principal, code, direction, max_depth=depth or settings.trace_max_depth, max_nodes=size,
                     cursor=cursor)

    @get("/resolve", guards=[allow(*TRACE_READERS, Role.DISTRIBUTOR)], sync_to_thread=True)
    def resolve(self, db: Db, principal: Caller,
                code: Annotated[str, Parameter(min_length=1, max_length=400)]) -> ResolvedPublic:
        """Resolves any scan to what it names: a GS1 element string (`(01)…(10)…`, `(00)` SSCC, `(414)` GLN), a
        GS1 Digital Link URI, a bare GTIN or SSCC, or a plain code (`PART/LOT`, `PART/SERIAL`, a lot or serial
        number alone, a location code or a part no.). Answers the kind (lot, serial, container, item, location),
        its id, status and the GS1 data read. 409 `ambiguous_code` lists the candidates."""
        found = resolve(db, principal, code)
        base = ResolvedPublic(kind=found.kind, label=found.label, id="", gs1=found.gs1)
        if found.unit is not None:
            u = found.unit
            return base.model_copy(update={"id": u.id, "status": u.status.value, "lot_no": u.lot_no,
                                           "serial": u.serial,
                                           "expires_on": u.expires_on.isoformat() if u.expires_on else None})
        if found.item is not None:
            return base.model_copy(update={"id": found.item.id, "part_no": found.item.part_no})
        assert found.location is not None
        return base.model_copy(update={"id": found.location.id})

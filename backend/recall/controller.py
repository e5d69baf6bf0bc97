"""Recall over HTTP: the scope of suspect codes; cases opened, blocked, notified (JSON, CSV, PDF), returned, closed."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from backend.auth.guards import allow
from backend.deps import Caller, Config, Db
from backend.recall.case_service import RecallService
from backend.recall.schemas import (
    BlockResult,
    NoticeCustomer,
    RecallCaseCreate,
    RecallCaseDetail,
    RecallCasePublic,
    RecallClose,
    RecallUnitPublic,
    ReturnCreate,
    ReturnResult,
    ScopeRequest,
    public,
)
from backend.recall.scope_service import recall_scope
from backend.trace.schemas import RecallScope
from shared_models.enums import RecallState, Role

QA = allow(Role.QA_MANAGER)


def _service(db: Db, principal: Caller, settings: Config) -> RecallService:
    return RecallService(db, principal, max_depth=settings.trace_max_depth)


def _download(content: bytes, media_type: str, filename: str) -> Response[bytes]:
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


class RecallController(Controller):
    path = "/api/recall"
    tags = ["recall"]

    @post("/scope", guards=[QA], status_code=200, sync_to_thread=True)
    def scope(self, data: JSONBody[ScopeRequest], db: Db, principal: Caller, settings: Config) -> RecallScope:
        """Computes a recall scope from suspect units: a forward walk to finished units, the
        shipments and customers they reached, and what is still in stock to block. Nothing is changed."""
        return recall_scope(db, principal, data.codes, max_depth=settings.trace_max_depth,
                            list_limit=data.list_limit)


class RecallCaseController(Controller):
    path = "/api/recall/cases"
    tags = ["recall"]

    @post("/", guards=[QA], sync_to_thread=True)
    def open_case(self, data: JSONBody[RecallCaseCreate], db: Db, principal: Caller,
                  settings: Config) -> RecallCaseDetail:
        """Opens a recall case from suspect units: its scope is frozen, and notifications per customer are
        prepared."""
        service = _service(db, principal, settings)
        window: tuple[datetime, datetime] | None = (data.window.from_at, data.window.to_at) if data.window else None
        case = service.open_case(data.title, data.reason, codes=data.codes,
                                 supplier_lot=(data.supplier_lot.supplier, data.supplier_lot.lot)
                                 if data.supplier_lot else None, line=data.line, window=window)
        return service.detail(case.code)

    @get("/", guards=[QA], sync_to_thread=True)
    def list_cases(self, db: Db, principal: Caller, settings: Config,
                   in_state: Annotated[RecallState | None, QueryParameter(name="state")] = None,
                   ) -> list[RecallCasePublic]:
        """Recall cases, newest first, with their state and counts."""
        return _service(db, principal, settings).list_cases(in_state)

    @get("/{code:str}", guards=[QA], sync_to_thread=True)
    def get_case(self, code: FromPath[str], db: Db, principal: Caller, settings: Config) -> RecallCaseDetail:
        """One recall case with its scope counts and progress."""
        return _service(db, principal, settings).detail(code)

    @get("/{code:str}/units", guards=[QA], sync_to_thread=True)
    def units(self, code: FromPath[str], db: Db, principal: Caller, settings: Config,
              kind: FromQuery[str | None] = None) -> list[RecallUnitPublic]:
        """The units in a recall case's scope, with their status and where they are."""
        return _service(db, principal, settings).units(code, kind)

    @post("/{code:str}/block", status_code=200, guards=[QA], sync_to_thread=True)
    def block(self, code: FromPath[str], db: Db, principal: Caller, settings: Config) -> BlockResult:
        """Blocks every unit of the case still in stock (a disposition event per unit)."""
        return _service(db, principal, settings).block(code)

    @get("/{code:str}/notifications", guards=[QA], sync_to_thread=True)
    def notifications(self, code: FromPath[str], db: Db, principal: Caller, settings: Config) -> list[NoticeCustomer]:
        """The customers to notify for a case and what each received."""
        return _service(db, principal, settings).notification_list(code)

    @get("/{code:str}/notifications.csv", guards=[QA], sync_to_thread=True)
    def notifications_csv(self, code: FromPath[str], db: Db, principal: Caller, settings: Config) -> Response[bytes]:
        """The case's notifications as CSV."""
        content = _service(db, principal, settings).export_csv(code)
        return _download(content, "text/csv; charset=utf-8", f"{code}-notifications.csv")

    @get("/{code:str}/notifications.pdf", guards=[QA], sync_to_thread=True)
    def notifications_pdf(self, code: FromPath[str], db: Db, principal: Caller, settings: Config) -> Response[bytes]:
        """The case's notifications as a PDF letter per customer."""
        content = _service(db, principal, settings).export_pdf(code)
        return _download(content, "application/pdf", f"{code}-notifications.pdf")

    @post("/{code:str}/returns", guards=[allow(Role.QA_MANAGER, Role.PICKER)], sync_to_thread=True)
    def record_return(self, code: FromPath[str], data: JSONBody[ReturnCreate], db: Db, principal: Caller,
                      settings: Config) -> ReturnResult:
        """Records units returned by a customer against a case."""
        return _service(db, principal, settings).record_return(
            code, data.scanned_code, location=data.location, qty=data.qty, customer=data.customer,
            event_id=data.id, occurred_at=data.occurred_at)

    @post("/{code:str}/close", status_code=200, guards=[QA], sync_to_thread=True)
    def close(self, code: FromPath[str], data: JSONBody[RecallClose], db: Db, principal: Caller,
              settings: Config) -> RecallCasePublic:
        """Closes a recall case once its units are accounted for."""
        return public(_service(db, principal, settings).close(code, data.note))

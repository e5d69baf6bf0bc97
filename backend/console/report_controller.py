"""A report's result as a page: the saved reports of backend/reports listed, one run with the caller's scope and
drawn as its chart (bar, line, Pareto) above its table, the picture saved as PNG and the data as CSV or XLSX."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, get
from litestar.params import FromPath, Parameter, QueryParameter
from litestar.response import Stream

from backend.console.pages import render, require, texts_for
from backend.deps import Caller, Db
from backend.reports.controller import export_response
from backend.reports.report_service import ReportService
from backend.reports.run_service import run_report
from backend.reports.schemas import ReportDefinition, RunOptions

ROWS_SHOWN = 500   # the table on the page; the exports carry every row


def _title(report: Any, lang: str) -> str:
    return str(report.name_zh if lang == "zh-CN" and report.name_zh else report.name_en)


class ReportPages(Controller):
    path = "/reports"

    @get("/", sync_to_thread=True)
    def reports(self, request: Request[Any, Any, Any], db: Db, principal: Caller) -> Response[str]:
        require(principal, "reports")
        return render(request, "reports.html", reports=ReportService(db, principal).list_reports())

    @get("/{code:str}", sync_to_thread=True)
    def result(self, request: Request[Any, Any, Any], code: FromPath[str], db: Db, principal: Caller,
               page: Annotated[int, Parameter(ge=1, le=1_000_000)] = 1) -> Response[str]:
        require(principal, "reports")
        lang = texts_for(request).lang
        saved = ReportService(db, principal).report(code)
        options = RunOptions(lang=lang, limit=ROWS_SHOWN, offset=(page - 1) * ROWS_SHOWN)  # type: ignore[arg-type]
        result = run_report(db, principal, ReportDefinition.model_validate(saved.definition), options)
        data = json.dumps(result.model_dump(mode="json"), ensure_ascii=False).replace("</", "<\\/")
        return render(request, "report.html", report=saved, title=_title(saved, lang), result=result,
                      result_json=data, page=page, more=result.total_rows > page * ROWS_SHOWN)

    @get("/{code:str}/export", sync_to_thread=True)
    def export(self, request: Request[Any, Any, Any], code: FromPath[str], db: Db, principal: Caller,
               fmt: Annotated[Literal["csv", "xlsx"], QueryParameter(name="format")] = "csv",
               ) -> Response[bytes] | Stream:
        require(principal, "reports")
        lang = texts_for(request).lang
        saved = ReportService(db, principal).report(code)
        options = RunOptions(lang=lang, limit=1)  # type: ignore[arg-type]
        return export_response(db, principal, ReportDefinition.model_validate(saved.definition), options, fmt,
                               _title(saved, lang), f"{saved.code}-v{saved.version}")

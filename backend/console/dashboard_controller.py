"""The dashboards (数据看板): the shipped reports of backend/reports run with the page's filters (site, line, item,
supplier, period) on the server, each drawn as a chart with PNG, CSV and XLSX exports; clicking a figure opens the
report behind it (backend/console/dashboard_view.py drill_definition)."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get
from litestar.params import FromPath, Parameter, QueryParameter
from litestar.response import Stream
from sqlmodel import Session

from backend.auth.principal import Principal
from backend.console.dashboard_view import DASHBOARD, DashboardFilters, card_json, dimension_columns, drill_definition
from backend.console.pages import render, require, texts_for
from backend.deps import Caller, Db
from backend.errors import InvalidInput
from backend.masterdata.record_service import MasterDataService
from backend.reports.controller import export_response
from backend.reports.datasets import datasets
from backend.reports.report_service import ReportService
from backend.reports.run_service import run_report
from backend.reports.schemas import ReportDefinition

CARD_ROWS = 60      # figures on one chart; the exports carry every row
DRILL_ROWS = 200
Text = Annotated[str, Parameter(max_length=64)]
Day = Annotated[str, Parameter(max_length=10)]


def _filters(site: str, line: str, item: str, supplier: str, from_date: str, to_date: str) -> DashboardFilters:
    return DashboardFilters(site=site, line=line, item=item, supplier=supplier, from_date=from_date, to_date=to_date)


def _title(report: Any, lang: str) -> str:
    return str(report.name_zh if lang == "zh-CN" and report.name_zh else report.name_en)


def _dataset(db: Session, name: str) -> Any:
    return datasets(db.get_bind().dialect.name)[name]


def _choices(db: Session, principal: Principal) -> dict[str, list[str]]:
    """Codes offered by the filter fields (a datalist: typing any code works too)."""
    md = MasterDataService(db)
    scope = principal.site_id
    return {"site": [s.code for s in md.list_sites(limit=200)],
            "line": [loc.code for loc in md.list_locations("LINE", limit=200, site_scope=scope)],
            "item": [i.part_no for i in md.list_items(limit=500)],
            "supplier": [s.code for s in md.list_suppliers(limit=500)]}


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


class DashboardPages(Controller):
    path = "/dashboards"

    @get("/", sync_to_thread=True)
    def dashboards(self, request: Request[Any, Any, Any], db: Db, principal: Caller, site: Text = "",
                   line: Text = "", item: Text = "", supplier: Text = "",
                   from_date: Annotated[str, QueryParameter(name="from", max_length=10)] = "",
                   to_date: Annotated[str, QueryParameter(name="to", max_length=10)] = "") -> Response[str]:
        require(principal, "dashboards")
        lang = texts_for(request).lang
        filters = _filters(site, line, item, supplier, from_date, to_date)
        filters.period()   # a bad date is refused before any report runs
        reports = ReportService(db, principal)
        cards = []
        for code in DASHBOARD:
            saved = reports.report(code)
            definition = ReportDefinition.model_validate(saved.definition)
            options, skipped = filters.options(_dataset(db, definition.dataset), lang=lang, limit=CARD_ROWS)
            result = run_report(db, principal, definition, options)
            cards.append({"code": code, "title": _title(saved, lang), "skipped": skipped, "total": result.total_rows,
                          "data": _json(card_json(result, dimension_columns(definition)))})
        return render(request, "dashboards.html", cards=cards, filters=filters, query=filters.query(),
                      choices=_choices(db, principal))

    @get("/{code:str}/drill", sync_to_thread=True)
    def drill(self, request: Request[Any, Any, Any], code: FromPath[str], db: Db, principal: Caller,
              site: Text = "", line: Text = "", item: Text = "", supplier: Text = "",
              from_date: Annotated[str, QueryParameter(name="from", max_length=10)] = "",
              to_date: Annotated[str, QueryParameter(name="to", max_length=10)] = "",
              page: Annotated[int, Parameter(ge=1, le=100_000)] = 1) -> Response[str]:
        """The rows behind one figure: `at.<column>=<value>` query parameters name the clicked figure."""
        require(principal, "dashboards")
        lang = texts_for(request).lang
        saved = ReportService(db, principal).report(code)
        definition = ReportDefinition.model_validate(saved.definition)
        point = {k.removeprefix("at."): v for k, v in request.query_params.items() if k.startswith("at.")}
        if not point:
            raise InvalidInput("Name the figure to drill into: at.<column>=<value>.")
        drilled = drill_definition(definition, _dataset(db, definition.dataset), point)
        filters = _filters(site, line, item, supplier, from_date, to_date)
        options, skipped = filters.options(_dataset(db, drilled.dataset), lang=lang, limit=DRILL_ROWS,
                                           offset=(page - 1) * DRILL_ROWS)
        result = run_report(db, principal, drilled, options)
        return render(request, "dashboard_drill.html", report=saved, title=_title(saved, lang), point=point,
                      result=result, skipped=skipped, page=page, more=result.total_rows > page * DRILL_ROWS,
                      back=filters.query(),
                      here_query=urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "page"]))

    @get("/{code:str}/export", sync_to_thread=True)
    def export(self, request: Request[Any, Any, Any], code: FromPath[str], db: Db, principal: Caller,
               fmt: Annotated[Literal["csv", "xlsx"], QueryParameter(name="format")] = "csv",
               site: Text = "", line: Text = "", item: Text = "", supplier: Text = "",
               from_date: Annotated[str, QueryParameter(name="from", max_length=10)] = "",
               to_date: Annotated[str, QueryParameter(name="to", max_length=10)] = "",
               ) -> Response[bytes] | Stream:
        """The card's data, every row, with the page's filters (and the figure's, for a drill-down)."""
        require(principal, "dashboards")
        lang = texts_for(request).lang
        saved = ReportService(db, principal).report(code)
        definition = ReportDefinition.model_validate(saved.definition)
        point = {k.removeprefix("at."): v for k, v in request.query_params.items() if k.startswith("at.")}
        if point:
            definition = drill_definition(definition, _dataset(db, definition.dataset), point)
        options, _ = _filters(site, line, item, supplier, from_date, to_date).options(
            _dataset(db, definition.dataset), lang=lang, limit=1)
        name = f"{saved.code}-v{saved.version}" + ("-drill" if point else "")
        return export_response(db, principal, definition, options, fmt, _title(saved, lang), name)

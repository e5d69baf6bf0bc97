"""Rendering a console page: the Jinja2 templates, the words of the request's language, the caller's menu, and
which roles may open which page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from litestar import Request, Response
from litestar.plugins.jinja import JinjaTemplateEngine

from backend.auth.guards import STAFF, TRACE_READERS
from backend.auth.principal import Principal
from backend.console.errors import PageForbidden
from backend.console.login_cookie import LANG_COOKIE, PREFIX
from backend.console.texts import Texts, pick_language
from shared_models.enums import Role

TEMPLATES = Path(__file__).resolve().parent / "templates"
ENGINE = JinjaTemplateEngine(engine_instance=Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True,
                                                         undefined=StrictUndefined, trim_blocks=True,
                                                         lstrip_blocks=True))
# Page → who may open it (admins open every page). The API's guards say the same for the calls behind each page.
PAGES: dict[str, frozenset[Role]] = {
    "trace": frozenset(TRACE_READERS),
    "recall": frozenset({Role.QA_MANAGER}),
    "nc": frozenset({Role.QA_MANAGER, Role.INSPECTOR}),
    "warnings": frozenset({Role.QA_MANAGER}),
    "reports": frozenset(STAFF),
    "dashboards": frozenset({Role.QA_MANAGER, Role.INSPECTOR, Role.ENGINEER}),
    "masterdata": frozenset({Role.QA_MANAGER}),
    "rules": frozenset({Role.QA_MANAGER}),
    "users": frozenset(),       # administrators only
    "printers": frozenset(),    # administrators only
    "labels": frozenset({Role.QA_MANAGER, Role.ENGINEER}),  # as the labels API lets them design templates
}
MENU = ("dashboards", "trace", "recall", "nc", "warnings", "reports", "masterdata", "rules", "users", "printers",
        "labels")
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")


def may_open(principal: Principal, page: str) -> bool:
    return principal.role is Role.ADMIN or principal.role in PAGES[page]


def require(principal: Principal, page: str) -> None:
    """Raises PageForbidden (a 403 page) when the caller's role may not open `page`."""
    if not may_open(principal, page):
        raise PageForbidden(principal.role.value, page)


def texts_for(request: Request[Any, Any, Any]) -> Texts:
    return Texts(pick_language(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language", "")))


def is_htmx(request: Request[Any, Any, Any]) -> bool:
    return request.headers.get("hx-request") == "true"


def render(request: Request[Any, Any, Any], template: str, *, status_code: int = 200,
           headers: dict[str, str] | None = None, **context: Any) -> Response[str]:
    """`template` rendered with the language's texts (`t`), the caller (`user`, None before log-in) and their menu."""
    t = texts_for(request)
    user: Principal | None = request.scope.get("user")
    menu = [page for page in MENU if user is not None and may_open(user, page)]
    html = ENGINE.engine.get_template(template).render(
        t=t, lang=t.lang, user=user, menu=menu, prefix=PREFIX, path=request.url.path,
        here=request.url.path + (f"?{request.url.query}" if request.url.query else ""), **context)
    return Response(html, media_type="text/html; charset=utf-8", status_code=status_code,
                    headers={"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
                             "Cache-Control": "no-store", "Referrer-Policy": "same-origin", **(headers or {})})

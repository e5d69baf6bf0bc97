"""The console's router (/console): log-in and out, language, home, static files, and errors shown as pages.

Every console route is outside the API's bearer middleware; the console's own middleware reads the log-in cookie
(backend/console/login_cookie.py) and each page checks the caller's role (pages.require)."""

from __future__ import annotations

import logging
from typing import Annotated, Any
from urllib.parse import quote
from uuid import uuid4

from litestar import Request, Response, Router, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException
from litestar.middleware import DefineMiddleware
from litestar.params import Body, FromPath, FromQuery, QueryParameter
from litestar.response import File, Redirect

from backend.auth import service as auth
from backend.auth.throttle import ThrottleLimits
from backend.auth.tokens import TokenIssuer
from backend.console.admin_controller import PrinterPages, UserPages
from backend.console.dashboard_controller import DashboardPages
from backend.console.designer_controller import LabelDesignerPages
from backend.console.errors import ConsoleLoginNeeded, PageForbidden
from backend.console.home_service import home_counts
from backend.console.login_cookie import (
    LANG_COOKIE,
    PREFIX,
    PUBLIC,
    ConsoleCookieAuth,
    check_form_token,
    forget_login,
    form_token_cookie,
    new_form_token,
    safe_next,
    same_origin_change,
    token_cookie,
)
from backend.console.masterdata_controller import MasterDataPages
from backend.console.pages import is_htmx, render
from backend.console.recall_controller import RecallPages
from backend.console.report_controller import ReportPages
from backend.console.review_controller import NonconformancePages, WarningPages
from backend.console.rules_controller import RulePages
from backend.console.schemas import LoginForm
from backend.console.texts import LANGUAGES
from backend.console.trace_controller import TracePages
from backend.console.vendor import media_type, static_file
from backend.deps import Caller, Config, Db
from backend.errors import DomainError

log = logging.getLogger("lotline.console")
Form = Body(media_type=RequestEncodingType.URL_ENCODED)


@get("/login", sync_to_thread=False)
def login_page(request: Request[Any, Any, Any],
               next_path: Annotated[str, QueryParameter(name="next")] = "") -> Response[str]:
    token = new_form_token()
    page = render(request, "login.html", csrf=token, next=safe_next(next_path), error=None)
    page.set_cookie(form_token_cookie(request, token))
    return page


@post("/login", opt={"form_token": True}, sync_to_thread=True, status_code=303)
def log_in(request: Request[Any, Any, Any], data: Annotated[LoginForm, Form], db: Db,
           settings: Config) -> Response[Any]:
    check_form_token(request, data.csrf)
    try:
        user = auth.authenticate(db, data.username, data.password, limits=ThrottleLimits.of(settings),
                                 address=request.client.host if request.client else None)
    except DomainError as exc:  # wrong password, throttled: the same form again, saying why
        return render(request, "login.html", status_code=exc.status_code, csrf=data.csrf, next=safe_next(data.next),
                      error=exc.detail)
    tokens: TokenIssuer = request.app.state.tokens
    answer = Redirect(safe_next(data.next), status_code=303)
    answer.set_cookie(token_cookie(request, tokens.issue(auth.principal_of(user)), tokens.ttl_s))
    return answer


@post("/logout", status_code=200, sync_to_thread=False)
def log_out() -> Response[str]:
    return forget_login(Response("", headers={"HX-Redirect": f"{PREFIX}/login"}))


@get("/lang", sync_to_thread=False)
def switch_language(to: FromQuery[str], next_path: Annotated[str, QueryParameter(name="next")] = "") -> Redirect:
    """A preference, not a change of data: a plain link sets it."""
    answer = Redirect(safe_next(next_path), status_code=303)
    if to in LANGUAGES:
        answer.set_cookie(LANG_COOKIE, to, path=PREFIX, samesite="lax", max_age=365 * 86400)
    return answer


@get("/", sync_to_thread=True)
def home(request: Request[Any, Any, Any], db: Db, principal: Caller) -> Response[str]:
    return render(request, "home.html", counts=home_counts(db, principal))


@get("/static/{name:path}", sync_to_thread=True)
def static(name: FromPath[str]) -> File:
    path = static_file(name.lstrip("/"))
    if path is None or not path.is_file():
        raise HTTPException(status_code=404, detail=f"No console file {name}.")
    cache = "public, max-age=86400" if "vendor/" in name or name.startswith("font/") else "no-cache"
    return File(path, media_type=media_type(path), content_disposition_type="inline",
                headers={"Cache-Control": cache, "X-Content-Type-Options": "nosniff"})


# -- errors as pages -------------------------------------------------------------------------------------------------
def _login_needed(request: Request[Any, Any, Any], exc: ConsoleLoginNeeded) -> Response[Any]:
    target = f"{PREFIX}/login?next={quote(request.url.path)}"
    if is_htmx(request):
        return forget_login(Response("", status_code=200, headers={"HX-Redirect": target}))
    return forget_login(Redirect(target, status_code=303))


def _refused(request: Request[Any, Any, Any], status_code: int, title_key: str, detail: str) -> Response[str]:
    if is_htmx(request):  # the message goes to the page's flash area, whatever the request meant to replace
        return render(request, "_flash.html", status_code=status_code, kind="error", message=detail,
                      headers={"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"})
    return render(request, "error.html", status_code=status_code, title_key=title_key, detail=detail)


def _forbidden(request: Request[Any, Any, Any], exc: PageForbidden) -> Response[str]:
    role = str(exc.context.get("role", ""))
    return _refused(request, 403, "error.forbidden", exc.detail if is_htmx(request) else role)


def _domain(request: Request[Any, Any, Any], exc: DomainError) -> Response[str]:
    return _refused(request, exc.status_code, "error.not_found" if exc.status_code == 404 else "error.title",
                    exc.detail)


def _http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[str]:
    if exc.status_code >= 500:
        return _unexpected(request, exc)
    detail = str(exc.detail)
    if exc.extra:
        detail += ": " + "; ".join(f"{e.get('key', '')} {e.get('message', '')}".strip()
                                   for e in (exc.extra if isinstance(exc.extra, list) else [exc.extra])
                                   if isinstance(e, dict))
    return _refused(request, exc.status_code, "error.not_found" if exc.status_code == 404 else "error.title",
                    detail[:500])


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[str]:
    request_id = uuid4().hex[:12]
    log.exception("unhandled console error on %s %s (request %s)", request.method, request.url.path, request_id,
                  exc_info=exc)
    return _refused(request, 500, "error.title", f"Internal error; quote request {request_id} to support.")


console_router = Router(
    path=PREFIX, include_in_schema=False, opt={"exclude_from_auth": True},  # the API's bearer check: not here
    route_handlers=[login_page, log_in, log_out, switch_language, home, static, TracePages, RecallPages,
                    NonconformancePages, WarningPages, ReportPages, DashboardPages, MasterDataPages, RulePages,
                    UserPages, PrinterPages, LabelDesignerPages],
    middleware=[DefineMiddleware(ConsoleCookieAuth, exclude=PUBLIC, exclude_from_auth_key="console_public")],
    guards=[same_origin_change],
    exception_handlers={ConsoleLoginNeeded: _login_needed, PageForbidden: _forbidden, DomainError: _domain,
                        HTTPException: _http, Exception: _unexpected},
)

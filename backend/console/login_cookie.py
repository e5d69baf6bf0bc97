"""The console's log-in: the access token the auth service issues, kept in an HttpOnly SameSite=Strict cookie and
verified on every console request with the same TokenIssuer and user-row check as a bearer token; and the rule
that a console change comes with the htmx header (a cross-site form cannot send it) or the form's token."""

from __future__ import annotations

import hmac
import secrets
from typing import Any
from urllib.parse import urlsplit

import anyio.to_thread
from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from backend.auth.service import caller_now
from backend.auth.tokens import TokenIssuer
from backend.console.errors import ConsoleLoginNeeded, CsrfRefused
from backend.errors import DomainError

PREFIX = "/console"
TOKEN_COOKIE = "lotline_console"
CSRF_COOKIE = "lotline_console_csrf"
LANG_COOKIE = "lotline_lang"
PUBLIC = [f"^{PREFIX}/login", f"^{PREFIX}/static/", f"^{PREFIX}/lang$"]
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class ConsoleCookieAuth(AbstractAuthenticationMiddleware):
    """Sets the request's user (a Principal) from the console cookie; raises ConsoleLoginNeeded without one."""

    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        token = connection.cookies.get(TOKEN_COOKIE, "")
        if not token:
            raise ConsoleLoginNeeded()
        issuer: TokenIssuer = connection.app.state.tokens
        try:
            claimed = issuer.verify(token)
            principal = await anyio.to_thread.run_sync(caller_now, connection.app.state.engine, claimed)
        except DomainError as exc:  # expired, revoked, deactivated: each means "log in again"
            raise ConsoleLoginNeeded(exc.detail) from exc
        return AuthenticationResult(user=principal, auth=token)


def same_origin_change(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Guard: a state-changing console request carries the htmx header, or (handlers marked `form_token`) a form
    token checked by the handler itself; an Origin header, when sent, must be this host."""
    if connection.scope.get("method") in SAFE_METHODS:
        return
    origin = connection.headers.get("origin")
    if origin and urlsplit(origin).netloc != connection.headers.get("host", ""):
        raise CsrfRefused()
    if handler.opt.get("form_token") or connection.headers.get("hx-request") == "true":
        return
    raise CsrfRefused()


def new_form_token() -> str:
    return secrets.token_urlsafe(24)


def check_form_token(request: Request[Any, Any, Any], sent: str) -> None:
    expected = request.cookies.get(CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, sent):
        raise CsrfRefused()


def _secure(request: Request[Any, Any, Any]) -> bool:
    return request.url.scheme == "https"


def token_cookie(request: Request[Any, Any, Any], token: str, max_age: int) -> Cookie:
    return Cookie(key=TOKEN_COOKIE, value=token, path=PREFIX, httponly=True, samesite="strict",
                  secure=_secure(request), max_age=max_age)


def form_token_cookie(request: Request[Any, Any, Any], value: str) -> Cookie:
    return Cookie(key=CSRF_COOKIE, value=value, path=PREFIX, httponly=True, samesite="strict",
                  secure=_secure(request))


def forget_login(response: Response[Any]) -> Response[Any]:
    response.delete_cookie(TOKEN_COOKIE, path=PREFIX)
    return response


def safe_next(target: str | None) -> str:
    """Where to go after log-in: a console path only, never another site."""
    if target and target.startswith(f"{PREFIX}/") and not target.startswith("//") and "\\" not in target:
        return target
    return f"{PREFIX}/"

"""Domain errors with a stable code, and the one place that turns them into HTTP answers."""

from __future__ import annotations

import logging
from typing import Any, ClassVar
from uuid import uuid4

from litestar import Request, Response
from litestar.exceptions import HTTPException
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError

from shared_models.bounds import shorten

log = logging.getLogger("lotline")


class DomainError(Exception):
    """Base of every business-rule failure: a code machines key on and a sentence a worker can act on."""

    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "domain_error"

    def __init__(self, detail: str, **context: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.context = context

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "detail": self.detail}
        if self.context:
            body["context"] = self.context
        return body


class NotFound(DomainError):
    status_code = 404
    code = "not_found"

    def __init__(self, what: str, key: str) -> None:
        super().__init__(f"No {what} '{key}'.", what=what, key=key)


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class InvalidInput(DomainError):
    status_code = 422
    code = "invalid_input"


class BadRequest(DomainError):
    """A request no handler could read (e.g. JSON nested deeper than any command)."""

    status_code = 400
    code = "bad_request"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class Unauthorized(DomainError):
    status_code = 401
    code = "unauthorized"


def domain_error_handler(_: Request[Any, Any, Any], exc: DomainError) -> Response[dict[str, Any]]:
    return Response(exc.to_dict(), status_code=exc.status_code)


def http_error_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    if exc.status_code >= 500:  # the framework's own 500s (a misconfiguration) say nothing a caller may read
        return unexpected_error_handler(request, exc)
    # What the caller sent is echoed at most ECHO_CHARS long: a 10 KB query string is not repeated back.
    body: dict[str, Any] = {"code": "http_error", "detail": shorten(str(exc.detail))}
    if exc.extra:
        body["errors"] = _shortened(exc.extra)
    if exc.status_code == 400 and exc.extra:
        body["code"] = "validation_error"
    return Response(body, status_code=exc.status_code, headers=exc.headers)


def _shortened(value: Any) -> Any:
    if isinstance(value, str):
        return shorten(value)
    if isinstance(value, list):
        return [_shortened(v) for v in value[:20]]
    if isinstance(value, dict):
        return {k: _shortened(v) for k, v in value.items()}
    return value


def database_error_handler(request: Request[Any, Any, Any], exc: DBAPIError) -> Response[dict[str, Any]]:
    """What the database refused, as the caller's problem or a temporary one, never a bare 500:
    - a value the database cannot hold (a NUL byte in text, a number out of its range): 400 naming it;
    - a write that clashes with stored data (a unique key taken meanwhile): 409;
    - the database busy or unreachable (SQLite's write lock past its timeout, a dropped connection): 503, retry.
    Anything else is a bug and goes to `unexpected_error_handler`."""
    reason = shorten(str(exc.orig if exc.orig is not None else exc).strip().splitlines()[0])
    if isinstance(exc, DataError):
        return Response({"code": "invalid_value", "detail": f"The database cannot store a value sent: {reason}"},
                        status_code=400)
    if isinstance(exc, IntegrityError):
        return Response({"code": "write_conflict", "detail": f"The change clashes with stored data: {reason}. "
                         "Reload and try again."}, status_code=409)
    if isinstance(exc, OperationalError) or exc.connection_invalidated:
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, reason)
        return Response({"code": "temporarily_unavailable", "detail": "The database is busy or unreachable; "
                         "try again shortly."}, status_code=503, headers={"Retry-After": "2"})
    return unexpected_error_handler(request, exc)


def unexpected_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    request_id = uuid4().hex[:12]
    log.exception("unhandled error on %s %s (request %s)", request.method, request.url.path, request_id,
                  exc_info=exc)
    return Response({"code": "internal_error", "detail": "Internal error; quote this request id to support.",
                     "request_id": request_id}, status_code=500)

"""Domain errors with a stable code, and the one place that turns them into HTTP answers."""

from __future__ import annotations

import logging
from typing import Any, ClassVar
from uuid import uuid4

from litestar import Request, Response
from litestar.exceptions import HTTPException

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


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class Unauthorized(DomainError):
    status_code = 401
    code = "unauthorized"


def domain_error_handler(_: Request[Any, Any, Any], exc: DomainError) -> Response[dict[str, Any]]:
    return Response(exc.to_dict(), status_code=exc.status_code)


def http_error_handler(_: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {"code": "http_error", "detail": exc.detail}
    if exc.extra:
        body["errors"] = exc.extra
    if exc.status_code == 400 and exc.extra:
        body["code"] = "validation_error"
    return Response(body, status_code=exc.status_code, headers=exc.headers)


def unexpected_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    request_id = uuid4().hex[:12]
    log.exception("unhandled error on %s %s (request %s)", request.method, request.url.path, request_id,
                  exc_info=exc)
    return Response({"code": "internal_error", "detail": "Internal error; quote this request id to support.",
                     "request_id": request_id}, status_code=500)

"""The OpenAPI document a partner reads: each operation's description (its handler's docstring), the roles that may
call it (read from the guards it really has) and every error it can answer, in the shape the API really answers
(backend/errors.py). One place, applied to every operation as the document is built, so it cannot drift."""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from litestar.handlers import HTTPRouteHandler
from litestar.openapi import OpenAPIConfig
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    Components,
    Example,
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIType,
    RequestBody,
    Schema,
    SecurityScheme,
)
from litestar.openapi.spec.operation import Operation
from litestar.types import Method
from pydantic import BaseModel, Field

from backend.errors import DomainError
from shared_models.enums import Role

# Paths the bearer middleware lets through without a token (backend/app.py's `exclude`); tests/backend/
# test_openapi.py calls each operation without a token, so a path missing here fails there.
PUBLIC = re.compile(r"^/health$|^/schema|^/\.well-known/|^/api/auth/login$")
ROLES_LINE = "Roles: "
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


class Problem(BaseModel):
    """What every error answers (status 4xx/5xx): `code` is stable (key on it), `detail` is a sentence for people."""

    code: str = Field(description="Stable machine-readable code, e.g. `not_found`, `illegal_transition`.",
                      examples=["not_found"])
    detail: str = Field(description="What is wrong, in a sentence a person can act on.",
                        examples=["No unit 'PART-1/L9'."])
    context: dict[str, Any] | None = Field(
        default=None, description="Business errors: the values the sentence names (e.g. `what`, `key`, `rule`).")
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="400 `validation_error`: one entry per invalid field, with `key` and `message`.")
    request_id: str | None = Field(default=None, description="500 `internal_error` only: quote it to support.")
    type: str | None = Field(default=None, description="EPCIS routes only (RFC 7807): the GS1 exception type URI.")
    title: str | None = Field(default=None, description="EPCIS routes only (RFC 7807).")
    status: int | None = Field(default=None, description="EPCIS routes only (RFC 7807): the HTTP status.")


# Codes answered by the one handler per kind of failure in backend/errors.py, not by a DomainError subclass.
FRAMEWORK_CODES: dict[int, tuple[str, ...]] = {
    400: ("validation_error", "bad_request", "invalid_value", "http_error"),
    401: ("unauthorized",), 403: ("forbidden",), 404: ("not_found", "http_error"),
    409: ("conflict", "write_conflict"), 413: ("http_error",), 422: ("invalid_input",),
    500: ("internal_error",), 503: ("temporarily_unavailable",),
}
MEANING = {
    400: "The request cannot be read: a field is missing, of the wrong type or out of range (`errors` lists each).",
    401: "No valid bearer token: log in at `POST /api/auth/login` and send `Authorization: Bearer <token>`.",
    403: "The caller's role may not do this; the detail names the roles that may.",
    404: "Something the request names does not exist, or the caller may not see it (another site).",
    409: "The request clashes with the current state (an illegal status change, a duplicate, a stale version).",
    413: "The body is over the size limit.",
    415: "The upload is not of a type this operation takes.",
    422: "The request is well-formed but breaks a business rule; the detail says which.",
    429: "Too many attempts; wait for the `Retry-After` header's seconds.",
    500: "A bug: quote `request_id` to support.",
    503: "The database is busy or unreachable; retry after `Retry-After` seconds.",
}


def openapi_config() -> OpenAPIConfig:
    """The app's OpenAPI settings; each operation is completed by `document` as the document is built."""
    return OpenAPIConfig(
        title="Lotline", version="0.1.0",
        description="Quality traceability API. Start with docs/integration.md: log in, resolve a scan, record events, "
                    "trace, webhooks, EPCIS. Unit codes are `PART/LOT` for lots and `PART/SERIAL` for serial units; "
                    "wherever a unit, item or location is taken, any scan works: a GS1 element string, a GS1 "
                    "Digital Link URI, an SSCC or the plain code. Every error answers a `Problem` body.",
        components=Components(security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer",
                                                                          bearer_format="JWT")}),
        security=[{"bearer": []}], operation_id_creator=document)


def document(handler: HTTPRouteHandler, method: Method, path: list[str | Any]) -> str:
    """Litestar's operation id; on the way, sets the handler's description (docstring + roles) and its error
    responses, which Litestar reads right after asking for the id (litestar/_openapi/path_item.py)."""
    from litestar._openapi.utils import default_operation_id_creator

    path_text = "/" + "/".join(p if isinstance(p, str) else "{" + p.name + "}" for p in path)
    public = bool(PUBLIC.match(path_text)) or bool(handler.opt.get("exclude_from_auth"))
    doc = handler.opt.setdefault("lotline_doc", _docstring(handler))
    roles = allowed_roles(handler)
    who = ("anyone, no token needed" if public else "any logged-in user" if roles is None
           else ", ".join(sorted(r.value for r in roles)))
    handler.description = f"{doc}\n\n{ROLES_LINE}{who}." if doc else f"{ROLES_LINE}{who}."
    own = handler.opt.setdefault("lotline_responses", dict(handler.responses or {}))
    verb = str(getattr(method, "value", method)).upper()
    handler.responses = {**error_responses(handler, verb, public, roles is not None), **own}
    return default_operation_id_creator(handler, method, path)


def _docstring(handler: HTTPRouteHandler) -> str:
    if handler.description:
        return handler.description
    fn = function_of(handler)
    return inspect.cleandoc(fn.__doc__) if fn.__doc__ else ""


def function_of(handler: HTTPRouteHandler) -> Any:
    """The function written in the controller (a sync handler run in a thread is wrapped in an AsyncCallable)."""
    fn = handler.fn
    return inspect.unwrap(getattr(fn, "func", fn))


def allowed_roles(handler: HTTPRouteHandler) -> set[Role] | None:
    """The roles every `allow(...)` guard on the handler (its own, its controller's, its router's) lets through;
    None when it has none (any logged-in user)."""
    roles: set[Role] | None = None
    guards = [g for layer in handler.ownership_layers for g in (layer.guards or [])]
    for guard in guards:
        allowed = inspect.getclosurevars(guard).nonlocals.get("allowed") if inspect.isfunction(guard) else None
        if isinstance(allowed, set):
            roles = set(allowed) if roles is None else roles & allowed
    return roles


def error_responses(handler: HTTPRouteHandler, method: str, public: bool, guarded: bool) -> dict[int, ResponseSpec]:
    params = handler.parsed_fn_signature.parameters
    body = "data" in params or (method in WRITES and "request" in params)  # or the handler reads it itself
    takes_input = body or any(name not in {"db", "principal", "settings", "request", "state", "self"}
                              for name in params)
    statuses = {500}
    if "db" in params:
        statuses.add(503)
    if not public:
        statuses.add(401)
    if guarded:
        statuses.add(403)
    if takes_input:
        statuses |= {400, 404, 422}
    if body:
        statuses.add(413)
    if method in WRITES:
        statuses |= {409, 422}
    area_codes, area_statuses = _area_codes(handler)
    if takes_input:  # a read neither clashes nor uploads
        statuses |= area_statuses if method in WRITES else area_statuses - {409, 413, 415}
    return {s: _spec(s, (*FRAMEWORK_CODES.get(s, ()), *area_codes.get(s, ()))) for s in sorted(statuses)}


def _area_codes(handler: HTTPRouteHandler) -> tuple[dict[int, tuple[str, ...]], set[int]]:
    """The codes of the DomainErrors the handler's area (and the resolver every code goes through) defines, and
    the statuses of the area's own errors (e.g. 429 for log-in, 413 for photos)."""
    parts = function_of(handler).__module__.split(".")
    modules = {"backend.errors", "backend.trace.errors"}
    if len(parts) > 2 and parts[0] == "backend":
        name = f"backend.{parts[1]}.errors"
        try:
            importlib.import_module(name)
            modules.add(name)
        except ModuleNotFoundError:
            pass
    found: dict[int, list[str]] = {}
    own: set[int] = set()
    for cls in _subclasses(DomainError):
        if cls.__module__ in modules and cls.code not in found.setdefault(cls.status_code, []):
            found[cls.status_code].append(cls.code)
            if cls.__module__ not in {"backend.errors", "backend.trace.errors"}:
                own.add(cls.status_code)
    return {s: tuple(sorted(c)) for s, c in found.items()}, own


def _subclasses(cls: type[DomainError]) -> Iterator[type[DomainError]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _spec(status: int, codes: tuple[str, ...]) -> ResponseSpec:
    unique = tuple(dict.fromkeys(codes))
    text = MEANING.get(status, "Error.") + " Codes: " + ", ".join(f"`{c}`" for c in unique) + "."
    example = {"code": unique[0] if unique else "error", "detail": MEANING.get(status, "Error.")}
    return ResponseSpec(data_container=Problem, generate_examples=False, description=text,
                        examples=[Example(summary=example["code"], value=example)])


def roles_of(operation: dict[str, Any] | Operation) -> str | None:
    """The roles line of a built operation's description (for tests and clients)."""
    text = operation.get("description") if isinstance(operation, dict) else operation.description
    for line in (text or "").splitlines():
        if line.startswith(ROLES_LINE):
            return line[len(ROLES_LINE):].rstrip(".")
    return None


def request_body(description: str, content: dict[str, Schema]) -> type[Operation]:
    """For a handler that reads its body itself (a file, a stream request, a JSON-LD document): an Operation class
    that documents that body (Litestar's `operation_class=`)."""
    body = RequestBody(description=description, required=True,
                       content={media: OpenAPIMediaType(schema=schema) for media, schema in content.items()})

    @dataclass
    class WithBody(Operation):
        def __post_init__(self) -> None:
            self.request_body = body

    return WithBody


def binary(description: str) -> Schema:
    return Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY, description=description)


def upload(description: str, fields: dict[str, Schema] | None = None) -> Schema:
    """A multipart form with one file (`file`) and, optionally, other fields."""
    return Schema(type=OpenAPIType.OBJECT, required=["file"],
                  properties={"file": binary(description), **(fields or {})})

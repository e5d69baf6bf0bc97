"""Request-scoped dependencies: a database session that rolls back unless committed, and the caller."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, TypeAlias

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import HeaderParameter
from sqlmodel import Session

from backend.audit.service import act_as
from backend.auth.principal import Principal
from backend.config import Settings
from backend.errors import InvalidInput


def provide_db(state: State, request: Request[Any, Any, Any]) -> Iterator[Session]:
    session = Session(state.engine, expire_on_commit=False)
    act_as(session, request.scope.get("user"))  # the audit trail's actor for what this request changes
    try:
        yield session
    finally:
        session.rollback()
        session.close()


def provide_principal(request: Request[Principal, Any, Any]) -> Principal:
    return request.user


def provide_settings(state: State) -> Settings:
    return state.settings


# Explicit markers for handler parameters (Litestar 3 stops inferring them).
Db: TypeAlias = NamedDependency[Session]
Caller: TypeAlias = NamedDependency[Principal]
Config: TypeAlias = NamedDependency[Settings]

# Optimistic locking on edits: the version the caller read comes back as If-Match (or expected_version).
IfMatch = Annotated[str | None, HeaderParameter(name="if-match", max_length=24)]


def expected_version(if_match: str | None, in_body: int | None) -> int | None:
    """The version the caller edited: `If-Match: 3` (quotes and W/ allowed) or `expected_version` in the body."""
    if if_match is None:
        return in_body
    tag = if_match.strip().removeprefix("W/").strip('"')
    if not tag.isdigit():
        raise InvalidInput(f"If-Match must be the version you edited, e.g. 'If-Match: 3'; got '{if_match}'.")
    if in_body is not None and in_body != int(tag):
        raise InvalidInput(f"If-Match says version {tag} but expected_version says {in_body}; send one.")
    return int(tag)

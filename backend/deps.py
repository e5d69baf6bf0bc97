"""Request-scoped dependencies: a database session that rolls back unless committed, and the caller."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeAlias

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency
from sqlmodel import Session

from backend.audit.service import act_as
from backend.auth.principal import Principal
from backend.config import Settings


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

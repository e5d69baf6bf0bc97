"""Role guards for routes: `guards=[allow(Role.QA_MANAGER)]`; admins pass every guard."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from backend.auth.principal import Principal
from backend.errors import Forbidden
from shared_models.enums import Role

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], None]

STAFF = (Role.QA_MANAGER, Role.INSPECTOR, Role.PICKER, Role.ENGINEER)
WAREHOUSE = (Role.QA_MANAGER, Role.PICKER)
TRACE_READERS = (Role.QA_MANAGER, Role.INSPECTOR, Role.ENGINEER, Role.PICKER)


def allow(*roles: Role) -> Guard:
    allowed = {Role.ADMIN, *roles}

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if connection.scope.get("method") == "OPTIONS":
            # The auth middleware lets OPTIONS through unauthenticated (a browser's CORS preflight carries no
            # token), so there is no user to check; the answer is only the Allow header and runs no handler.
            return
        principal: Principal = connection.user
        if principal.role not in allowed:
            names = ", ".join(sorted(r.value for r in allowed))
            raise Forbidden(f"Role {principal.role.value} may not do this; it needs one of: {names}.")

    return guard

"""Bearer-token authentication for every route except the few that must stay public.

A verified token only says who the caller is; what they may do comes from their user row as it is now, read by
primary key on every request (backend.auth.service.caller_now), so a role or site change, a deactivation, a new
password or an administrator's "revoke tokens" takes effect on the next request, in every backend process."""

from __future__ import annotations

import anyio.to_thread
from litestar.connection import ASGIConnection
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from backend.auth.service import caller_now
from backend.auth.tokens import TokenIssuer
from backend.errors import Unauthorized


class BearerAuthMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        # PowerSync clients send "Token <jwt>"; everyone else "Bearer <jwt>".
        if scheme.lower() not in ("bearer", "token") or not token:
            raise Unauthorized("Missing bearer token; log in at POST /api/auth/login.")
        issuer: TokenIssuer = connection.app.state.tokens
        claimed = issuer.verify(token.strip())
        # In a worker thread: a read that waits (a full connection pool, a locked SQLite file) must not stall
        # every other request on the event loop.
        principal = await anyio.to_thread.run_sync(caller_now, connection.app.state.engine, claimed)
        return AuthenticationResult(user=principal, auth=token)

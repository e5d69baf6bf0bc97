"""Bearer-token authentication for every route except the few that must stay public."""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

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
        principal = issuer.verify(token.strip())
        return AuthenticationResult(user=principal, auth=token)

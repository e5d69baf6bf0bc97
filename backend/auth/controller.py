"""Log-in, who-am-I and the public key set."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import JSONBody
from pydantic import BaseModel, Field

from backend.auth.principal import Principal
from backend.auth.service import authenticate, principal_of
from backend.auth.tokens import TokenIssuer
from backend.deps import Db
from shared_models.users import User


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class UserPublic(BaseModel):
    id: str
    username: str
    display_name: str
    role: str
    site_id: str | None
    customer_id: str | None
    locale: str


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    user: UserPublic


def _public(user: User) -> UserPublic:
    return UserPublic(id=user.id, username=user.username, display_name=user.display_name, role=user.role.value,
                      site_id=user.site_id, customer_id=user.customer_id, locale=user.locale)


class AuthController(Controller):
    path = "/api/auth"
    tags = ["auth"]

    @post("/login", exclude_from_auth=True, status_code=200, sync_to_thread=True)
    def login(self, data: JSONBody[LoginRequest], db: Db, request: Request[Any, Any, Any]) -> TokenResponse:
        user = authenticate(db, data.username, data.password)
        tokens: TokenIssuer = request.app.state.tokens
        return TokenResponse(access_token=tokens.issue(principal_of(user)), expires_in=tokens.ttl_s,
                             user=_public(user))

    @get("/me", sync_to_thread=True)
    def me(self, db: Db, request: Request[Principal, Any, Any]) -> UserPublic:
        user = db.get(User, request.user.user_id)
        assert user is not None
        return _public(user)


@get("/.well-known/jwks.json", exclude_from_auth=True, tags=["auth"], sync_to_thread=False)
def jwks(request: Request[Any, Any, Any]) -> dict[str, Any]:
    tokens: TokenIssuer = request.app.state.tokens
    return tokens.keys.jwks()

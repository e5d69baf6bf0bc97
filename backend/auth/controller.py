"""Log-in, who-am-I, password changes, ending a user's log-ins, and the public key set."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody

from backend.auth import service
from backend.auth.errors import LoginThrottled, UnknownUser
from backend.auth.guards import allow
from backend.auth.models import User
from backend.auth.principal import Principal
from backend.auth.schemas import LoginRequest, PasswordChange, PasswordReset, TokenResponse, UserPublic, user_public
from backend.auth.throttle import ThrottleLimits
from backend.auth.tokens import TokenIssuer
from backend.deps import Caller, Config, Db


def _token(request: Request[Any, Any, Any], user: User) -> TokenResponse:
    tokens: TokenIssuer = request.app.state.tokens
    return TokenResponse(access_token=tokens.issue(service.principal_of(user)), expires_in=tokens.ttl_s,
                         user=user_public(user))


def _throttled(_: Request[Any, Any, Any], exc: LoginThrottled) -> Response[dict[str, Any]]:
    return Response(exc.to_dict(), status_code=exc.status_code, headers={"Retry-After": str(exc.retry_after_s)})


class AuthController(Controller):
    path = "/api/auth"
    tags = ["auth"]
    exception_handlers = {LoginThrottled: _throttled}

    @post("/login", exclude_from_auth=True, status_code=200, sync_to_thread=True)
    def login(self, data: JSONBody[LoginRequest], db: Db, settings: Config,
              request: Request[Any, Any, Any]) -> TokenResponse:
        """Logs in with username and password; answers a bearer token (`access_token`) to send as
        `Authorization: Bearer <token>` on every other call. Repeated failures answer 429 with `Retry-After`."""
        user = service.authenticate(db, data.username, data.password, limits=ThrottleLimits.of(settings),
                                    address=request.client.host if request.client else None)
        return _token(request, user)

    @get("/me", sync_to_thread=True)
    def me(self, db: Db, request: Request[Principal, Any, Any]) -> UserPublic:
        """The caller: username, role, site and (for a distributor) customer."""
        user = db.get(User, request.user.user_id)
        if user is None:  # deleted since this request was authenticated
            raise UnknownUser()
        return user_public(user)

    @post("/password", status_code=200, sync_to_thread=True)
    def change_password(self, data: JSONBody[PasswordChange], db: Db, principal: Caller,
                        request: Request[Any, Any, Any]) -> TokenResponse:
        """Ends every log-in of the caller (other devices log in again); answers a fresh token for this one."""
        user = service.change_own_password(db, principal.user_id, data.current_password, data.new_password)
        return _token(request, user)

    @post("/users/{username:str}/password", guards=[allow()], status_code=200, sync_to_thread=True)
    def reset_password(self, username: FromPath[str], data: JSONBody[PasswordReset], db: Db) -> UserPublic:
        """Sets another user's password (admin)."""
        return user_public(service.set_password(db, username, data.new_password))

    @post("/users/{username:str}/revoke-tokens", guards=[allow()], status_code=200, sync_to_thread=True)
    def revoke_tokens(self, username: FromPath[str], db: Db) -> UserPublic:
        """Revokes every token issued to a user before now; the user must log in again."""
        return user_public(service.revoke_tokens(db, username))

    @post("/users/{username:str}/deactivate", guards=[allow()], status_code=200, sync_to_thread=True)
    def deactivate(self, username: FromPath[str], db: Db) -> UserPublic:
        """Deactivates a user: log-in refused and existing tokens rejected."""
        return user_public(service.deactivate_user(db, username))

    @post("/users/{username:str}/activate", guards=[allow()], status_code=200, sync_to_thread=True)
    def activate(self, username: FromPath[str], db: Db) -> UserPublic:
        """Re-activates a deactivated user."""
        return user_public(service.reactivate_user(db, username))


@get("/.well-known/jwks.json", exclude_from_auth=True, tags=["auth"], sync_to_thread=False)
def jwks(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """The public keys (JWKS) that verify Lotline's tokens, for the PowerSync Service and partners."""
    tokens: TokenIssuer = request.app.state.tokens
    return tokens.keys.jwks()

"""Access tokens: RS256 JWTs carrying sub, aud, kid, iat, exp, the user's token generation (gen) and the caller's
role and scope at issue time. The backend authorises by the user's row as it is now (backend.auth.service
.caller_now); the role and scope claims are for the PowerSync Service's stream rules."""

from __future__ import annotations

import time
from typing import Any

import jwt

from backend.auth.keys import KeyRing
from backend.auth.principal import Principal
from backend.errors import Unauthorized
from shared_models.enums import Role

MAX_TTL_S = 86400  # PowerSync refuses tokens living longer than a day


class TokenIssuer:
    def __init__(self, keys: KeyRing, *, audience: str, ttl_s: int) -> None:
        if not 0 < ttl_s <= MAX_TTL_S:
            raise ValueError(f"token lifetime {ttl_s}s is outside 1..{MAX_TTL_S}s")
        self.keys = keys
        self.audience = audience
        self.ttl_s = ttl_s

    def issue(self, principal: Principal, *, now: int | None = None) -> str:
        iat = int(time.time()) if now is None else now
        claims: dict[str, Any] = {
            "sub": principal.user_id, "aud": self.audience, "iat": iat, "exp": iat + self.ttl_s,
            "name": principal.username, "role": principal.role.value,
            "site": principal.site_id, "cust": principal.customer_id, "gen": principal.token_generation,
        }
        key = self.keys.current
        return jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid})

    def verify(self, token: str) -> Principal:
        """The caller as the token claims it; raises Unauthorized for a bad signature, an unknown key, expiry or a
        missing claim. Whether the user still exists and the token's generation is current is caller_now's job."""
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"Malformed access token: {exc}.") from exc
        key = self.keys.get(kid) if kid else None
        if key is None:
            raise Unauthorized(f"Access token signed with unknown key id {kid!r}; log in again.")
        try:
            claims = jwt.decode(token, key.private_key.public_key(), algorithms=["RS256"], audience=self.audience,
                                options={"require": ["sub", "aud", "iat", "exp", "gen"]})
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("Access token has expired; log in again.") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"Access token rejected: {exc}.") from exc
        try:
            return Principal(user_id=str(claims["sub"]), username=claims.get("name", ""), role=Role(claims["role"]),
                             site_id=claims.get("site"), customer_id=claims.get("cust"),
                             token_generation=_whole(claims["gen"]))
        except (KeyError, ValueError) as exc:
            raise Unauthorized(f"Access token rejected: unreadable claim {exc}.") from exc


def _whole(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"gen={value!r}")
    return value

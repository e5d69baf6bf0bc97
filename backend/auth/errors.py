"""Why a token or a log-in was refused: each with a stable code the handheld and the console key on."""

from __future__ import annotations

from typing import ClassVar

from backend.errors import DomainError, Unauthorized


class UnknownUser(Unauthorized):
    code = "user_unknown"

    def __init__(self) -> None:
        super().__init__("The account this token was issued to no longer exists; log in again.")


class UserInactive(Unauthorized):
    code = "user_inactive"

    def __init__(self, username: str) -> None:
        super().__init__(f"Account '{username}' is deactivated; ask an administrator.", username=username)


class TokenRevoked(Unauthorized):
    code = "token_revoked"

    def __init__(self) -> None:
        super().__init__("This log-in has ended (the password changed or an administrator ended the account's "
                         "sessions); log in again.")


class LoginThrottled(DomainError):
    """Too many failed log-ins; `retry_after_s` says when the window that counts them closes."""

    status_code = 429
    code = "login_throttled"
    _WHO: ClassVar[dict[str, str]] = {"user": "for this username", "ip": "from this address"}

    def __init__(self, scope: str, retry_after_s: int) -> None:
        minutes = max(1, -(-retry_after_s // 60))
        super().__init__(f"Too many failed log-ins {self._WHO[scope]}; try again in {minutes} minute"
                         f"{'s' if minutes > 1 else ''}.", scope=scope, retry_after_s=retry_after_s)
        self.retry_after_s = retry_after_s

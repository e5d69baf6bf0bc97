"""What the sync client raises: one family, so the app knows what a retry can fix (no I/O library is imported here:
the browser and the server-mode adapters both raise these)."""

from __future__ import annotations


class SyncError(Exception):
    """Base of every error the sync client raises."""


class SyncUnavailable(SyncError):
    """The server could not be reached or answered 5xx: nothing was lost, try again later."""

    def __init__(self, message: str, *, retry_after_s: float | None = None, timed_out: bool = False) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
        self.timed_out = timed_out  # no answer in time: the server may still be working on the request


class StreamCut(SyncUnavailable):
    """The download stream ended before the checkpoint it was sending was complete."""


class SyncRejected(SyncError):
    """The server refused the request itself (4xx other than 401); retrying it unchanged will not help."""

    def __init__(self, status_code: int, detail: str) -> None:
        super().__init__(f"HTTP {status_code}: {detail}")
        self.status_code = status_code
        self.detail = detail


class AuthExpired(SyncError):
    """The token was refused (401): fetch new credentials. `code`: the server's reason."""

    def __init__(self, message: str, *, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class LoginRequired(AuthExpired):
    """The server ended this log-in (tokens revoked, account deactivated or gone) or refused the password: only the
    worker logging in again helps. Nothing queued is lost, and these credentials are not tried again."""


# 401 codes that end a log-in for good (backend.auth.errors); any other 401 is an expired token: log in again.
LOGIN_ENDED = frozenset({"token_revoked", "user_inactive", "user_unknown"})

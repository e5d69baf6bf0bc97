"""HTTP for the handheld: httpx calls, one place that maps httpx's errors to ours, and the NDJSON stream reader."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

STREAM_READ_TIMEOUT_S = 60.0  # the server sends a keepalive line every 20 s


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


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    if isinstance(body, dict):
        return str(body.get("detail") or body.get("code") or body)[:300]
    return str(body)[:300]


def _code(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("code") or "") if isinstance(body, dict) else ""


def _raise_for_status(response: httpx.Response) -> None:
    status = response.status_code
    if status < 400:
        return
    if status == 401:
        code = _code(response)
        raise (LoginRequired if code in LOGIN_ENDED else AuthExpired)(_detail(response), code=code)
    if status >= 500 or status in (408, 429):
        retry_after = response.headers.get("Retry-After")
        raise SyncUnavailable(f"HTTP {status}: {_detail(response)}",
                              retry_after_s=float(retry_after) if retry_after and retry_after.isdigit() else None)
    raise SyncRejected(status, _detail(response))


@contextmanager
def _mapped_errors() -> Iterator[None]:
    # We want to map to the most specific exception we can find: a cut stream is a StreamCut, a timeout or a
    # refused connection is temporary.
    try:
        yield
    except httpx.TimeoutException as exc:
        raise SyncUnavailable(f"timed out: {exc}", timed_out=True) from exc
    except httpx.TransportError as exc:
        raise SyncUnavailable(f"{type(exc).__name__}: {exc}") from exc


def auth_header(token: str) -> dict[str, str]:
    return {"Authorization": f"Token {token}"}


class Transport:
    """Blocking httpx calls; one instance per thread that talks to the server (httpx.Client is not shared)."""

    def __init__(self, http: httpx.Client | None = None, *, timeout_s: float = 30.0) -> None:
        self.http = http or httpx.Client(timeout=httpx.Timeout(timeout_s, read=STREAM_READ_TIMEOUT_S))

    def close(self) -> None:
        self.http.close()

    def post_json(self, url: str, body: dict[str, Any], token: str | None = None) -> Any:
        with _mapped_errors():
            response = self.http.post(url, json=body, headers=auth_header(token) if token else None)
            _raise_for_status(response)
            return _json(response)

    def get_json(self, url: str, token: str, params: dict[str, str] | None = None) -> Any:
        with _mapped_errors():
            response = self.http.get(url, params=params, headers=auth_header(token))
            _raise_for_status(response)
            return _json(response)

    @contextmanager
    def stream(self, url: str, body: dict[str, Any], token: str) -> Iterator[Iterator[dict[str, Any]]]:
        """Yields the stream's lines, parsed. A connection lost mid-stream, or a last line without its newline,
        raises StreamCut once every complete line before it has been handed out."""
        with _mapped_errors(), self.http.stream("POST", url, json=body, headers=auth_header(token)) as response:
            if response.status_code >= 400:
                response.read()
                _raise_for_status(response)
            yield _ndjson_lines(response)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise SyncUnavailable(f"the server's answer is not JSON: {response.text[:120]!r}") from exc


def _ndjson_lines(response: httpx.Response) -> Iterator[dict[str, Any]]:
    pending = b""
    try:
        for chunk in response.iter_bytes():
            pending += chunk
            *complete, pending = pending.split(b"\n")
            for raw in complete:
                if raw.strip():
                    yield _parse_line(raw)
    except httpx.HTTPError as exc:
        raise StreamCut(f"stream cut: {type(exc).__name__}: {exc}") from exc
    if pending.strip():
        raise StreamCut(f"stream cut mid-line after {len(pending)} bytes; the partial line was dropped")


def _parse_line(raw: bytes) -> dict[str, Any]:
    try:
        line = json.loads(raw)
    except ValueError as exc:
        raise StreamCut(f"unreadable stream line {raw[:80]!r}") from exc
    if not isinstance(line, dict):
        raise StreamCut(f"stream line is not an object: {raw[:80]!r}")
    return line

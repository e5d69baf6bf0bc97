"""The sync server's HTTP as the client sees it: status codes mapped to our errors, and the NDJSON stream reader.

The bytes travel through an `Http` adapter (httpx in server mode, fetch in the browser), which maps its network's
errors to SyncUnavailable / StreamCut; this module maps the server's answers, the same way on both.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sync.client.adapters import STREAM_READ_TIMEOUT_S, Http, HttpAnswer, default_http
from sync.client.errors import (
    LOGIN_ENDED,
    AuthExpired,
    LoginRequired,
    StreamCut,
    SyncError,
    SyncRejected,
    SyncUnavailable,
)

__all__ = [
    "LOGIN_ENDED",
    "STREAM_READ_TIMEOUT_S",
    "AuthExpired",
    "LoginRequired",
    "StreamCut",
    "SyncError",
    "SyncRejected",
    "SyncUnavailable",
    "Transport",
    "auth_header",
]


def _detail(answer: HttpAnswer) -> str:
    try:
        body = answer.json()
    except ValueError:
        return answer.text[:300]
    if isinstance(body, dict):
        return str(body.get("detail") or body.get("code") or body)[:300]
    return str(body)[:300]


def _code(answer: HttpAnswer) -> str:
    try:
        body = answer.json()
    except ValueError:
        return ""
    return str(body.get("code") or "") if isinstance(body, dict) else ""


def _raise_for_status(answer: HttpAnswer) -> None:
    status = answer.status_code
    if status < 400:
        return
    if status == 401:
        code = _code(answer)
        raise (LoginRequired if code in LOGIN_ENDED else AuthExpired)(_detail(answer), code=code)
    if status >= 500 or status in (408, 429):
        retry_after = answer.headers.get("retry-after")
        raise SyncUnavailable(f"HTTP {status}: {_detail(answer)}",
                              retry_after_s=float(retry_after) if retry_after and retry_after.isdigit() else None)
    raise SyncRejected(status, _detail(answer))


def auth_header(token: str) -> dict[str, str]:
    return {"Authorization": f"Token {token}"}


class Transport:
    """The sync endpoints' calls over one `Http` (concurrent calls may share it: one event loop)."""

    def __init__(self, http: Http | None = None) -> None:
        self.http = http or default_http()

    async def aclose(self) -> None:
        await self.http.aclose()

    async def post_json(self, url: str, body: dict[str, Any], token: str | None = None) -> Any:
        answer = await self.http.request("POST", url, json=body, headers=auth_header(token) if token else None)
        _raise_for_status(answer)
        return _json(answer)

    async def get_json(self, url: str, token: str, params: dict[str, str] | None = None) -> Any:
        answer = await self.http.request("GET", url, params=params, headers=auth_header(token))
        _raise_for_status(answer)
        return _json(answer)

    @asynccontextmanager
    async def stream(self, url: str, body: dict[str, Any], token: str) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
        """Yields the stream's lines, parsed. A connection lost mid-stream, or a last line without its newline,
        raises StreamCut once every complete line before it has been handed out."""
        async with self.http.stream("POST", url, json=body, headers=auth_header(token)) as response:
            if response.status_code >= 400:
                _raise_for_status(HttpAnswer(response.status_code, await response.read()))
            yield _ndjson_lines(response.chunks())


def _json(answer: HttpAnswer) -> Any:
    try:
        return answer.json()
    except ValueError as exc:
        raise SyncUnavailable(f"the server's answer is not JSON: {answer.text[:120]!r}") from exc


async def _ndjson_lines(chunks: AsyncIterator[bytes]) -> AsyncIterator[dict[str, Any]]:
    pending = b""
    async for chunk in chunks:
        pending += chunk
        *complete, pending = pending.split(b"\n")
        for raw in complete:
            if raw.strip():
                yield _parse_line(raw)
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

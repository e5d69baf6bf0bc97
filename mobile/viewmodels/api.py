"""The backend as the handheld sees it when online: log-in, trace, resolve, verify, quality. The platform's HTTP
adapter (httpx in server mode, fetch in the browser) maps network errors to SyncUnavailable; here that and the
status codes become what view-models know: `Offline` (try later, keep the work) and `Refused` (the server said no)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sync.client.adapters import Http, HttpAnswer, default_http
from sync.client.errors import LOGIN_ENDED, SyncUnavailable


class ApiError(Exception):
    """Base of what the online API raises."""


class Offline(ApiError):
    """The backend could not be reached or answered 5xx: nothing was decided, keep the work and retry later."""


class Refused(ApiError):
    """The backend answered 4xx: `status`, its error `code` and `detail` (a sentence for the worker)."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(f"HTTP {status} {code}: {detail}")
        self.status = status
        self.code = code
        self.detail = detail


class BackendApi:
    """Calls with a bearer token from `login`, awaited on the app's event loop. `http` lets tests stand in for the
    server (an HttpxHttp over httpx.MockTransport); by default the platform's own."""

    def __init__(self, base_url: str, *, http: Http | None = None, timeout_s: float = 8.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = http or default_http(timeout_s=timeout_s)
        self.token: str | None = None
        self._credentials: tuple[str, str] | None = None

    async def aclose(self) -> None:
        await self.http.aclose()

    # -- auth ------------------------------------------------------------------------------------------------
    async def login(self, username: str, password: str) -> dict[str, Any]:
        """{access_token, user: {...}}. Raises Refused (401: wrong name or password) or Offline."""
        answer = await self._send("POST", "/api/auth/login", json={"username": username, "password": password},
                                  auth=False)
        self.token = answer["access_token"]
        self._credentials = (username, password)
        return answer

    # -- calls -----------------------------------------------------------------------------------------------
    async def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return await self._send("GET", path, params={k: str(v) for k, v in (params or {}).items()} or None)

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        return await self._send("POST", path, json=body)

    async def post_file(self, path: str, name: str, content: bytes, content_type: str = "image/jpeg",
                        fields: dict[str, str] | None = None) -> Any:
        return await self._send("POST", path, files={"file": (name, content, content_type)}, data=fields or {})

    async def _send(self, method: str, path: str, *, auth: bool = True, json: Any = None,
                    params: Mapping[str, str] | None = None, files: Any = None,
                    data: Mapping[str, str] | None = None) -> Any:
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {self.token}"} if auth and self.token else {}
            try:
                response = await self.http.request(method, self.base_url + path, json=json, params=params,
                                                   headers=headers, files=files, data=data)
            except SyncUnavailable as exc:  # refused, reset, timed out: the same to a worker
                raise Offline(str(exc)) from exc
            if response.status_code == 401 and auth and self._credentials and attempt == 1 \
                    and _body_code(response) not in LOGIN_ENDED:
                await self.login(*self._credentials)  # the token expired: log in again once (not when ended)
                continue
            return _answer(response)
        raise AssertionError("unreachable")


def _body_code(response: HttpAnswer) -> str:
    try:
        body = response.json() if response.content else None
    except ValueError:
        return ""
    return str(body.get("code") or "") if isinstance(body, dict) else ""


def _answer(response: HttpAnswer) -> Any:
    status = response.status_code
    try:
        body = response.json() if response.content else None
    except ValueError:
        body = None
    if status < 400:
        return body
    # A throttled log-in is a refusal to show (it says when to try again), not a server to wait for.
    if status >= 500 or (status in (408, 429) and _body_code(response) != "login_throttled"):
        raise Offline(f"HTTP {status}")
    if isinstance(body, dict):
        code = str(body.get("code") or body.get("status_code") or status)
        detail = str(body.get("detail") or body.get("message") or response.text[:300])
    else:
        code, detail = str(status), response.text[:300]
    raise Refused(status, code, detail)

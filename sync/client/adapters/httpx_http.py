"""Server-mode HTTP: httpx.AsyncClient, with the one place that maps httpx's errors to the sync client's."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx

from sync.client.adapters.http import Files, HttpAnswer
from sync.client.errors import StreamCut, SyncUnavailable


@contextmanager
def _mapped_errors() -> Iterator[None]:
    # We want to map to the most specific exception we can find: a timeout may still be worked on by the server,
    # a refused connection is plainly down.
    try:
        yield
    except httpx.TimeoutException as exc:
        raise SyncUnavailable(f"timed out: {exc}", timed_out=True) from exc
    except httpx.TransportError as exc:
        raise SyncUnavailable(f"{type(exc).__name__}: {exc}") from exc


class _HttpxStream:
    def __init__(self, response: httpx.Response) -> None:
        self._response = response

    @property
    def status_code(self) -> int:
        return self._response.status_code

    async def read(self) -> bytes:
        with _mapped_errors():
            return await self._response.aread()

    async def chunks(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.aiter_bytes():
                yield chunk
        except httpx.HTTPError as exc:
            raise StreamCut(f"stream cut: {type(exc).__name__}: {exc}") from exc


class HttpxHttp:
    """`client` lets tests stand in for the server (httpx.MockTransport); its timeouts are then the client's."""

    def __init__(self, client: httpx.AsyncClient | None = None, *, timeout_s: float = 30.0,
                 read_timeout_s: float = 60.0) -> None:
        self.client = client or httpx.AsyncClient(timeout=httpx.Timeout(timeout_s))
        self._stream_timeout = httpx.Timeout(timeout_s, read=read_timeout_s) if client is None \
            else self.client.timeout

    async def request(self, method: str, url: str, *, json: Any = None, params: Mapping[str, str] | None = None,
                      headers: Mapping[str, str] | None = None, files: Files | None = None,
                      data: Mapping[str, str] | None = None) -> HttpAnswer:
        with _mapped_errors():
            response = await self.client.request(method, url, json=json, params=params, headers=headers,
                                                 files=files, data=data)
        return HttpAnswer(response.status_code, response.content,
                          {k.lower(): v for k, v in response.headers.items()})

    @asynccontextmanager
    async def stream(self, method: str, url: str, *, json: Any = None,
                     headers: Mapping[str, str] | None = None) -> AsyncIterator[_HttpxStream]:
        with _mapped_errors():
            request = self.client.build_request(method, url, json=json, headers=headers,
                                                timeout=self._stream_timeout)
            response = await self.client.send(request, stream=True)
        try:
            yield _HttpxStream(response)
        finally:
            await response.aclose()

    async def aclose(self) -> None:
        await self.client.aclose()

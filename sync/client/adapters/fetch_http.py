"""Browser HTTP (Pyodide): `pyodide.http.pyfetch` for request/response, `js.fetch` + `body.getReader()` for the
NDJSON stream, an AbortController on every request so a server that accepts and then stalls times out.

Importable anywhere; `js` and `pyodide` are imported only when a `PyodideSurface` is used, i.e. inside Pyodide.
With the network down `pyfetch` raises `pyodide.http.AbortError` (an OSError) and `js.fetch` a `JsException`
(TypeError: Failed to fetch); a server dying mid-stream makes `reader.read()` raise `JsException`. They become
SyncUnavailable / StreamCut in `_mapped_errors`, the one place that knows them.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from typing import Any
from urllib.parse import urlencode

from sync.client.adapters.http import Files, HttpAnswer
from sync.client.errors import StreamCut, SyncUnavailable


class PyodideSurface:
    """The few things this adapter uses of the browser; tests subclass it with a fake that behaves the same way."""

    def network_errors(self) -> tuple[type[BaseException], ...]:
        from pyodide.ffi import JsException  # type: ignore[import-not-found]

        return (OSError, JsException)  # pyodide.http.AbortError is an OSError

    def abort_controller(self) -> Any:
        import js  # type: ignore[import-not-found]

        return js.AbortController.new()

    async def pyfetch(self, url: str, **options: Any) -> Any:
        """A `pyodide.http.FetchResponse`: `.status`, `.headers` (a dict), `await .bytes()`."""
        from pyodide.http import pyfetch  # type: ignore[import-not-found]

        return await pyfetch(url, **options)

    async def fetch(self, url: str, options: dict[str, Any]) -> Any:
        """A JS Response: `.status`, `.body.getReader()`, `await .arrayBuffer()`."""
        import js
        from pyodide.ffi import to_js  # type: ignore[import-not-found]

        return await js.fetch(url, to_js(options, dict_converter=js.Object.fromEntries))

    def form_data(self, data: Mapping[str, str], files: Files) -> Any:
        import js
        from pyodide.ffi import to_js

        form = js.FormData.new()
        for name, value in data.items():
            form.append(name, value)
        for name, (filename, content, content_type) in files.items():
            blob = js.Blob.new([to_js(content)], to_js({"type": content_type}, dict_converter=js.Object.fromEntries))
            form.append(name, blob, filename)
        return form

    def to_bytes(self, value: Any) -> bytes:
        """A Uint8Array or ArrayBuffer proxy as Python bytes."""
        return bytes(value.to_py())


@contextmanager
def _mapped_errors(surface: PyodideSurface, controller: Any, timeout_s: float, *,
                   cut: bool = False) -> Iterator[None]:
    try:
        yield
    except TimeoutError as exc:
        controller.abort()  # Python stopped waiting; this stops the browser's request as well
        raised = StreamCut if cut else SyncUnavailable
        raise raised(f"no answer within {timeout_s:g} s", timed_out=True) from exc
    except surface.network_errors() as exc:
        raised = StreamCut if cut else SyncUnavailable
        raise raised(f"{type(exc).__name__}: {exc}") from exc


class _FetchStream:
    def __init__(self, surface: PyodideSurface, response: Any, controller: Any, read_timeout_s: float) -> None:
        self._surface = surface
        self._response = response
        self._controller = controller
        self._read_timeout_s = read_timeout_s

    @property
    def status_code(self) -> int:
        return int(self._response.status)

    async def read(self) -> bytes:
        with _mapped_errors(self._surface, self._controller, self._read_timeout_s):
            async with asyncio.timeout(self._read_timeout_s):
                return self._surface.to_bytes(await self._response.arrayBuffer())

    async def chunks(self) -> AsyncIterator[bytes]:
        reader = self._response.body.getReader()
        while True:
            with _mapped_errors(self._surface, self._controller, self._read_timeout_s, cut=True):
                async with asyncio.timeout(self._read_timeout_s):
                    chunk = await reader.read()
            if chunk.done:
                return
            yield self._surface.to_bytes(chunk.value)


class FetchHttp:
    def __init__(self, surface: PyodideSurface | None = None, *, timeout_s: float = 30.0,
                 read_timeout_s: float = 60.0) -> None:
        self.surface = surface or PyodideSurface()
        self.timeout_s = timeout_s
        self.read_timeout_s = read_timeout_s

    def _options(self, method: str, headers: Mapping[str, str] | None, json: Any, files: Files | None,
                 data: Mapping[str, str] | None, controller: Any) -> dict[str, Any]:
        sent = dict(headers or {})
        options: dict[str, Any] = {"method": method, "signal": controller.signal}
        if files:
            options["body"] = self.surface.form_data(data or {}, files)  # the browser sets the boundary
        elif json is not None:
            sent["Content-Type"] = "application/json"
            options["body"] = jsonlib.dumps(json, separators=(",", ":"))
        options["headers"] = sent
        return options

    async def request(self, method: str, url: str, *, json: Any = None, params: Mapping[str, str] | None = None,
                      headers: Mapping[str, str] | None = None, files: Files | None = None,
                      data: Mapping[str, str] | None = None) -> HttpAnswer:
        controller = self.surface.abort_controller()
        target = f"{url}{'&' if '?' in url else '?'}{urlencode(params)}" if params else url
        options = self._options(method, headers, json, files, data, controller)
        with _mapped_errors(self.surface, controller, self.timeout_s):
            async with asyncio.timeout(self.timeout_s):
                response = await self.surface.pyfetch(target, **options)
                content = await response.bytes()
        return HttpAnswer(int(response.status), bytes(content),
                          {str(k).lower(): str(v) for k, v in dict(response.headers).items()})

    @asynccontextmanager
    async def stream(self, method: str, url: str, *, json: Any = None,
                     headers: Mapping[str, str] | None = None) -> AsyncIterator[_FetchStream]:
        controller = self.surface.abort_controller()
        options = self._options(method, headers, json, None, None, controller)
        with _mapped_errors(self.surface, controller, self.timeout_s):
            async with asyncio.timeout(self.timeout_s):
                response = await self.surface.fetch(url, options)
        try:
            yield _FetchStream(self.surface, response, controller, self.read_timeout_s)
        finally:
            controller.abort()  # a stream left early (stop, a resync) is ended at once, not left open

    async def aclose(self) -> None:
        """Nothing to close: the browser owns the connections."""

"""The browser adapters outside a browser: FetchHttp against a fake of the `js`/`pyodide` surface it uses, and the
IDBFS storage against a fake Emscripten FS. What is checked is the mapping: every way fetch fails is SyncUnavailable
or StreamCut, a stalled server is aborted, commits are copied to IndexedDB without piling up copies."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

from sync.client import LocalStore, StreamCut, SyncUnavailable, Transport
from sync.client.adapters.fetch_http import FetchHttp, PyodideSurface
from sync.client.adapters.storage import EmscriptenFs, IdbfsStorage
from tests.aio import Run, run_fixture  # noqa: F401


class JsException(Exception):
    """Stands in for pyodide.ffi.JsException (TypeError: Failed to fetch)."""


class Controller:
    def __init__(self) -> None:
        self.signal = object()
        self.aborted = False

    def abort(self) -> None:
        self.aborted = True


class Chunk:
    def __init__(self, value: bytes | None) -> None:
        self.done = value is None
        self.value = value


class Reader:
    def __init__(self, parts: list[bytes | BaseException], stall: asyncio.Event | None = None) -> None:
        self.parts = parts
        self.stall = stall

    async def read(self) -> Chunk:
        if not self.parts:
            if self.stall is not None:
                await self.stall.wait()
            return Chunk(None)
        part = self.parts.pop(0)
        if isinstance(part, BaseException):
            raise part
        return Chunk(part)


class JsResponse:
    def __init__(self, status: int, reader: Reader) -> None:
        self.status = status
        self.body = self
        self._reader = reader

    def getReader(self) -> Reader:
        return self._reader

    async def arrayBuffer(self) -> bytes:
        return b"".join(p for p in self._reader.parts if isinstance(p, bytes))


class FetchResponse:
    def __init__(self, status: int, content: bytes, headers: dict[str, str]) -> None:
        self.status = status
        self.headers = headers
        self._content = content

    async def bytes(self) -> bytes:
        return self._content


class FakeSurface(PyodideSurface):
    """`answer(url, options)` returns a response or raises, as pyfetch / js.fetch would."""

    def __init__(self, answer: Callable[[str, dict[str, Any]], Any]) -> None:
        self.answer = answer
        self.controllers: list[Controller] = []
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def network_errors(self) -> tuple[type[BaseException], ...]:
        return (OSError, JsException)

    def abort_controller(self) -> Controller:
        self.controllers.append(Controller())
        return self.controllers[-1]

    async def pyfetch(self, url: str, **options: Any) -> Any:
        self.sent.append((url, options))
        found = self.answer(url, options)
        return await found if asyncio.iscoroutine(found) else found

    async def fetch(self, url: str, options: dict[str, Any]) -> Any:
        return await self.pyfetch(url, **options)

    def to_bytes(self, value: Any) -> bytes:
        return bytes(value)


def refuse(error: BaseException) -> Callable[[str, dict[str, Any]], Any]:
    def answer(_url: str, _options: dict[str, Any]) -> Any:
        raise error

    return answer


def test_a_server_that_is_down_is_unavailable_from_pyfetch_and_from_js_fetch(run: Run[Any]) -> None:
    for error in (OSError("AbortError: fetch failed"), JsException("TypeError: Failed to fetch")):
        transport = Transport(FetchHttp(FakeSurface(refuse(error))))
        with pytest.raises(SyncUnavailable) as down:
            run(transport.post_json("http://sync/sync/upload", {}, "t"))
        assert not down.value.timed_out and down.value.__cause__ is error

        async def follow(transport: Transport) -> None:
            async with transport.stream("http://sync/sync/stream", {}, "t") as lines:
                [line async for line in lines]

        with pytest.raises(SyncUnavailable):
            run(follow(transport))


def test_a_server_that_accepts_and_stalls_times_out_and_the_request_is_aborted(run: Run[Any]) -> None:
    async def stall(_url: str, _options: dict[str, Any]) -> Any:
        await asyncio.Event().wait()

    surface = FakeSurface(lambda url, options: stall(url, options))
    http = FetchHttp(surface, timeout_s=0.05)
    with pytest.raises(SyncUnavailable) as slow:
        run(Transport(http).get_json("http://sync/write-checkpoint2.json", "t"))
    assert slow.value.timed_out and surface.controllers[-1].aborted


def test_stream_lines_arrive_as_sent_and_a_server_dying_mid_stream_is_a_cut(run: Run[Any]) -> None:
    parts: list[bytes | BaseException] = [b'{"a": 1}\n{"b"', b': 2}\n', JsException("network error")]
    surface = FakeSurface(lambda url, options: JsResponse(200, Reader(parts)))
    got: list[dict[str, Any]] = []

    async def follow() -> None:
        async with Transport(FetchHttp(surface)).stream("http://sync/sync/stream", {"x": 1}, "t") as lines:
            async for line in lines:
                got.append(line)

    with pytest.raises(StreamCut):
        run(follow())
    assert got == [{"a": 1}, {"b": 2}]
    assert surface.sent[0][1]["headers"]["Authorization"] == "Token t"
    assert surface.controllers[-1].aborted  # leaving the stream ends the request


def test_a_stream_that_goes_quiet_past_the_read_timeout_is_cut(run: Run[Any]) -> None:
    surface = FakeSurface(lambda url, options: JsResponse(200, Reader([b'{"a": 1}\n'], stall=asyncio.Event())))

    async def follow() -> list[dict[str, Any]]:
        got = []
        async with Transport(FetchHttp(surface, read_timeout_s=0.05)).stream("http://s/sync/stream", {}, "t") as lines:
            with pytest.raises(StreamCut):
                async for line in lines:
                    got.append(line)
        return got

    assert run(follow()) == [{"a": 1}]


def test_status_codes_map_the_same_way_as_in_server_mode(run: Run[Any]) -> None:
    surface = FakeSurface(lambda url, options: FetchResponse(503, b'{"detail": "busy"}', {"Retry-After": "7"}))
    with pytest.raises(SyncUnavailable) as busy:
        run(Transport(FetchHttp(surface)).get_json("http://sync/x", "t", {"client_id": "c 1"}))
    assert busy.value.retry_after_s == 7.0 and surface.sent[0][0] == "http://sync/x?client_id=c+1"


class FakeFs(EmscriptenFs):
    """Emscripten's FS as far as IdbfsStorage uses it; a copy finishes when the test says so."""

    def __init__(self) -> None:
        self.dirs: set[str] = set()
        self.mounted: list[str] = []
        self.copies: list[bool] = []
        self.pending: list[Callable[[Any], None]] = []

    def is_dir(self, path: str) -> bool:
        return path in self.dirs

    def mkdir(self, path: str) -> None:
        self.dirs.add(path)

    def mount_idbfs(self, path: str) -> None:
        self.mounted.append(path)

    def syncfs(self, populate: bool, done: Callable[[Any], None]) -> None:
        self.copies.append(populate)
        if populate:
            done(None)
        else:
            self.pending.append(done)

    def finish(self) -> None:
        self.pending.pop(0)(None)


def test_idbfs_is_mounted_and_loaded_at_start_and_commits_are_copied_without_piling_up(run: Run[Any],
                                                                                        tmp_path: Any) -> None:
    fs = FakeFs()
    storage = IdbfsStorage("/lotline", fs)
    assert run(storage.open()) == "/lotline"
    assert fs.mounted == ["/lotline"] and fs.copies == [True]  # loaded from IndexedDB before any file is opened

    async def commits() -> None:
        store = LocalStore(tmp_path / "replica.db", storage=storage)  # its schema: one commit, one copy
        for n in range(5):
            store.record("item", f"i{n}", {"n": n})  # five commits while that copy runs
        assert fs.copies == [True, False]
        fs.finish()  # the first copy ends: one more copy takes all five
        assert fs.copies == [True, False, False]
        waiting = asyncio.ensure_future(storage.flushed())
        await asyncio.sleep(0)
        assert not waiting.done()
        fs.finish()
        await waiting
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        store.close()

    run(commits())


def test_the_browser_adapters_import_without_pyodide_and_the_client_without_httpx() -> None:
    code = ("import sys, sync.client, sync.client.adapters.fetch_http, sync.client.adapters.storage;"
            "print(sorted(m for m in ('httpx', 'js', 'pyodide', 'pyodide_js', 'threading') if m in sys.modules))")
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "httpx" not in found and "js" not in found and "pyodide" not in found

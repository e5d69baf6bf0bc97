"""A small HTTP/1.1 fault proxy on 127.0.0.1: between the sync client and the live server, it refuses
connections, loses answers after the server acted, sends a request twice, delays, reorders concurrent
uploads and cuts responses after N bytes. Each request goes upstream on its own connection."""

from __future__ import annotations

import asyncio
import random
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Request:
    index: int
    method: str
    path: str
    head: bytes
    body: bytes


@dataclass(frozen=True, slots=True)
class Fault:
    kind: str = "pass"      # pass | refuse | lose_ack | duplicate | delay | slow_ack | cut
    delay_s: float = 0.0    # delay: before the request goes on; slow_ack: before the answer comes back
    cut_after: int = 0      # bytes of the response that get through before the connection is cut


PASS = Fault()
Plan = Callable[[Request], Fault]


class RandomFaults:
    """Seeded: each request draws one fault (or none) by the given probabilities; the first requests get the
    kinds in `first`, one each, so every kind happens however short the run."""

    def __init__(self, seed: int, *, refuse: float = 0.0, lose_ack: float = 0.0, duplicate: float = 0.0,
                 delay: float = 0.0, cut: float = 0.0, max_delay_s: float = 0.05, paths: tuple[str, ...] = ("/sync/",),
                 max_cut: int = 4000, first: tuple[str, ...] = ()) -> None:
        self.rng = random.Random(seed)
        self.first = list(first)
        self.weights = [("refuse", refuse), ("lose_ack", lose_ack), ("duplicate", duplicate), ("delay", delay),
                        ("cut", cut)]
        self.max_delay_s = max_delay_s
        self.paths = paths
        self.max_cut = max_cut
        self.lock = threading.Lock()

    def __call__(self, request: Request) -> Fault:
        if not request.path.startswith(self.paths):
            return PASS
        with self.lock:
            if self.first:
                return Fault(self.first.pop(0), delay_s=self.max_delay_s, cut_after=self.rng.randint(1, self.max_cut))
            draw = self.rng.random()
            for kind, p in self.weights:
                if draw < p:
                    return Fault(kind, delay_s=self.rng.uniform(0, self.max_delay_s),
                                 cut_after=self.rng.randint(1, self.max_cut))
                draw -= p
        return PASS


class FaultProxy:
    def __init__(self, upstream_port: int, plan: Plan | None = None, *, reorder_window: int = 0,
                 reorder_wait_s: float = 0.2) -> None:
        self.upstream_port = upstream_port
        self.plan: Plan = plan or (lambda _r: PASS)
        self.reorder_window = reorder_window  # > 1: uploads are held until this many arrive, then sent newest first
        self.reorder_wait_s = reorder_wait_s
        self.seen: Counter[str] = Counter()   # fault kind → how often it happened
        self.forwarded: list[str] = []        # "METHOD path" in the order the server got them
        self.port = 0
        self.in_flight = 0                    # requests sent upstream whose answer has not been passed on yet
        self._count = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._held: list[tuple[Request, asyncio.Future[None]]] = []
        self._upstream_lock: asyncio.Lock | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- lifecycle -------------------------------------------------------------------------------------------------
    def start(self) -> FaultProxy:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(ready,), daemon=True, name="fault-proxy")
        self._thread.start()
        if not ready.wait(5):
            raise RuntimeError("fault proxy did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def _serve(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._upstream_lock = asyncio.Lock()
        server = loop.run_until_complete(asyncio.start_server(self._client, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        ready.set()
        loop.run_forever()
        server.close()
        for task in asyncio.all_tasks(loop):
            task.cancel()
        loop.run_until_complete(asyncio.sleep(0))
        loop.close()

    # -- one client connection ---------------------------------------------------------------------------------
    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while (request := await self._read_request(reader)) is not None:
                if not await self._handle(request, writer):
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass  # the client went away: so does this connection
        finally:
            writer.close()

    async def _read_request(self, reader: asyncio.StreamReader) -> Request | None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        length = 0
        kept = [lines[0]]
        for line in lines[1:]:
            name = line.split(":", 1)[0].strip().lower()
            if name == "content-length":
                length = int(line.split(":", 1)[1])
            if name and name != "connection":
                kept.append(line)
        kept.append("Connection: close")
        body = await reader.readexactly(length) if length else b""
        self._count += 1
        return Request(self._count, method, path, ("\r\n".join(kept) + "\r\n\r\n").encode("latin-1"), body)

    async def _handle(self, request: Request, writer: asyncio.StreamWriter) -> bool:
        """Returns False when the client connection was closed on purpose."""
        fault = self.plan(request)
        self.seen[fault.kind] += 1
        if fault.kind == "refuse":
            return False
        if fault.kind == "delay":
            await asyncio.sleep(fault.delay_s)
        if self.reorder_window > 1 and request.method == "POST" and request.path.startswith("/sync/upload"):
            await self._wait_turn(request)
        if fault.kind == "duplicate":
            await self._exchange(request, None)  # the first answer is lost; the server sees the request twice
        if fault.kind == "lose_ack":
            await self._exchange(request, None)
            return False
        return await self._exchange(request, writer, cut_after=fault.cut_after if fault.kind == "cut" else None,
                                    hold_s=fault.delay_s if fault.kind == "slow_ack" else 0.0)

    async def _wait_turn(self, request: Request) -> None:
        assert self._loop is not None
        turn: asyncio.Future[None] = self._loop.create_future()
        self._held.append((request, turn))
        if len(self._held) >= self.reorder_window:
            self._release()
        else:
            self._loop.call_later(self.reorder_wait_s, self._release)
        await turn

    def _release(self) -> None:
        held, self._held = self._held, []
        if len(held) > 1:
            self.seen["reordered"] += len(held)
        for _, turn in reversed(held):  # newest first; _exchange's lock keeps them one at a time in this order
            if not turn.done():
                turn.set_result(None)

    async def _exchange(self, request: Request, writer: asyncio.StreamWriter | None, *,
                        cut_after: int | None = None, hold_s: float = 0.0) -> bool:
        assert self._upstream_lock is not None
        self.in_flight += 1
        try:
            if self.reorder_window > 1:
                async with self._upstream_lock:
                    return await self._forward(request, writer, cut_after, hold_s)
            return await self._forward(request, writer, cut_after, hold_s)
        finally:
            self.in_flight -= 1

    async def _forward(self, request: Request, writer: asyncio.StreamWriter | None, cut_after: int | None,
                       hold_s: float) -> bool:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            return False  # the server is down: the client sees its connection closed
        self.forwarded.append(f"{request.method} {request.path}")
        try:
            up_writer.write(request.head + request.body)
            await up_writer.drain()
            sent = 0
            if hold_s:
                answer = await up_reader.read(-1)
                await asyncio.sleep(hold_s)
                up_reader = _replay(answer)
            while chunk := await up_reader.read(65536):
                if writer is None:
                    continue
                if cut_after is not None and sent + len(chunk) >= cut_after:
                    writer.write(chunk[: max(0, cut_after - sent)])
                    await writer.drain()
                    writer.transport.abort()
                    return False
                writer.write(chunk)
                await writer.drain()
                sent += len(chunk)
            return writer is not None and sent > 0
        except ConnectionError:
            return False
        finally:
            up_writer.close()


def _replay(data: bytes) -> asyncio.StreamReader:
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    return reader

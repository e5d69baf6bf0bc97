"""The download stream: a checkpoint, the data the client lacks, checkpoint_complete, then diffs as ops commit.

`SyncStream.lines()` yields protocol lines (dicts); the web layer encodes them as NDJSON. Reads run in a
worker thread; a hub wakes streams when a commit wrote ops, with a poll as back-stop for other processes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import anyio
from sqlalchemy.engine import Engine

from sync.protocol import (
    BucketRequest,
    bucket_checksum,
    checkpoint_complete_line,
    checkpoint_diff_line,
    checkpoint_line,
    data_line,
    token_expires_line,
)
from sync.server.store import Checkpoint, read_checkpoint, read_ops, read_write_checkpoint


class SyncHub:
    """Wakes every open stream when ops were committed; safe to call from worker threads."""

    def __init__(self) -> None:
        self._generation = 0
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    def notify(self) -> None:
        self._generation += 1
        for loop, ev in list(self._waiters):
            loop.call_soon_threadsafe(ev.set)

    async def wait(self, timeout_s: float) -> None:
        ev = asyncio.Event()
        key = (asyncio.get_running_loop(), ev)
        self._waiters.add(key)
        try:
            with anyio.move_on_after(timeout_s):
                await ev.wait()
        finally:
            self._waiters.discard(key)


@dataclass
class StreamOptions:
    batch_size: int = 1000
    poll_s: float = 1.0
    keepalive_s: float = 20.0
    once: bool = False  # stop after the first checkpoint_complete (tests, one-shot syncs)


class SyncStream:
    def __init__(self, engine: Engine, hub: SyncHub, *, user_id: str, client_id: str | None,
                 buckets: Callable[[], list[str]], requested: list[BucketRequest], expires_at: float,
                 options: StreamOptions | None = None) -> None:
        self.engine = engine
        self.hub = hub
        self.user_id = user_id
        self.client_id = client_id
        self.buckets = buckets
        self.positions = {b.name: b.after for b in requested}
        self.expires_at = expires_at
        self.options = options or StreamOptions()

    async def lines(self) -> AsyncIterator[dict[str, Any]]:
        names = await anyio.to_thread.run_sync(self.buckets)
        checkpoint, write_cp = await anyio.to_thread.run_sync(self._checkpoint, names)
        yield token_expires_line(self._expires_in())
        yield checkpoint_line(checkpoint.last_op_id, self._checksums(checkpoint, names), write_cp)
        async for line in self._catch_up(checkpoint, names):
            yield line
        if self.options.once:
            return
        sent, sent_wcp, sent_names = checkpoint, write_cp, names
        last_keepalive = time.monotonic()
        while self._expires_in() > 0:
            await self.hub.wait(self.options.poll_s)
            names = await anyio.to_thread.run_sync(self.buckets)
            checkpoint, write_cp = await anyio.to_thread.run_sync(self._checkpoint, names)
            changed = [n for n in names if n not in sent.buckets or checkpoint.buckets[n] != sent.buckets[n]]
            removed = [n for n in sent_names if n not in names]
            if changed or removed or write_cp != sent_wcp:
                updated = [bucket_checksum(n, checkpoint.buckets[n].checksum, checkpoint.buckets[n].count)
                           for n in changed]
                yield checkpoint_diff_line(checkpoint.last_op_id, updated, removed, write_cp)
                async for line in self._catch_up(checkpoint, changed):
                    yield line
                for name in removed:
                    self.positions.pop(name, None)
                sent, sent_wcp, sent_names = checkpoint, write_cp, names
            if time.monotonic() - last_keepalive >= self.options.keepalive_s:
                last_keepalive = time.monotonic()
                yield token_expires_line(self._expires_in())
        yield token_expires_line(0)

    def _checkpoint(self, names: list[str]) -> tuple[Checkpoint, int | None]:
        with self.engine.connect() as conn:
            checkpoint = read_checkpoint(conn, names)
            write_cp = read_write_checkpoint(conn, self.user_id, self.client_id)
        if write_cp is not None and write_cp > checkpoint.last_op_id:
            write_cp = None  # not yet visible in this checkpoint: echo it with a later one
        return checkpoint, write_cp

    @staticmethod
    def _checksums(checkpoint: Checkpoint, names: list[str]) -> list[dict[str, Any]]:
        return [bucket_checksum(n, checkpoint.buckets[n].checksum, checkpoint.buckets[n].count) for n in names]

    async def _catch_up(self, checkpoint: Checkpoint, names: list[str]) -> AsyncIterator[dict[str, Any]]:
        for name in names:
            after = self.positions.get(name, 0)
            while after < checkpoint.buckets[name].last_op_id:
                ops = await anyio.to_thread.run_sync(self._page, name, after, checkpoint.last_op_id)
                if not ops:
                    break
                more = len(ops) == self.options.batch_size
                yield data_line(name, after, ops, more)
                after = int(ops[-1]["op_id"])
            self.positions[name] = max(after, self.positions.get(name, 0))
        yield checkpoint_complete_line(checkpoint.last_op_id)

    def _page(self, bucket: str, after: int, upto: int) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return read_ops(conn, bucket, after, upto, self.options.batch_size)

    def _expires_in(self) -> int:
        return int(self.expires_at - time.time())

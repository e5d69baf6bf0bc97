"""Where the replica's SQLite file lives, and what makes a commit durable there.

DiskStorage: a file on disk; SQLite's own commit is durable, `flush` does nothing.
IdbfsStorage: the browser. Pyodide's files live in memory; a directory mounted as Emscripten's IDBFS is copied to
IndexedDB by `FS.syncfs(false)` and back by `FS.syncfs(true)`. `open()` mounts it and loads what the last session
left; `flush()` after each commit starts a copy (one at a time: commits during a copy are taken by one more copy
right after it, so a burst of commits costs two copies, not one each).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Protocol


class Storage(Protocol):
    journal_mode: str  # what the replica's SQLite uses on this storage

    def flush(self) -> None:
        """Called after each local commit; returns at once (a copy it starts runs on the event loop)."""
        ...


class DiskStorage:
    journal_mode = "WAL"  # WAL + synchronous=NORMAL: every committed transaction survives a killed process

    def flush(self) -> None:
        """A file on disk is durable at COMMIT."""


class EmscriptenFs:
    """The few calls made on Pyodide's Emscripten FS (`pyodide_js.FS`); tests subclass it with an in-memory fake."""

    def __init__(self, fs: Any = None) -> None:
        if fs is None:
            import pyodide_js  # type: ignore[import-not-found]

            fs = pyodide_js.FS
        self.fs = fs

    def is_dir(self, path: str) -> bool:
        info = self.fs.analyzePath(path)
        return bool(info.exists)

    def mkdir(self, path: str) -> None:
        self.fs.mkdirTree(path)

    def mount_idbfs(self, path: str) -> None:
        self.fs.mount(self.fs.filesystems.IDBFS, {}, path)

    def syncfs(self, populate: bool, done: Callable[[Any], None]) -> None:
        """Copies IndexedDB → memory (`populate`) or memory → IndexedDB; `done(error or None)` when finished."""
        from pyodide.ffi import create_once_callable  # type: ignore[import-not-found]

        self.fs.syncfs(populate, create_once_callable(done))

    async def persisted(self) -> bool | None:
        """Whether the browser promised not to evict this origin's storage (the page asks for it with
        `navigator.storage.persist()`, which a worker cannot call); None where there is no StorageManager."""
        try:
            import js  # type: ignore[import-not-found]
        except ImportError:
            return None
        storage = getattr(js.navigator, "storage", None)
        if storage is None or not hasattr(storage, "persisted"):
            return None
        return bool(await storage.persisted())


class IdbfsStorage:
    # The main file alone holds every commit (no -wal/-shm beside it), and Emscripten has no shared memory for WAL.
    journal_mode = "DELETE"

    def __init__(self, mount: str = "/lotline", fs: EmscriptenFs | None = None) -> None:
        self.mount = mount
        self._fs = fs
        self._copying = False
        self._again = False
        self._idle: asyncio.Event | None = None
        self.last_error: str | None = None  # the last copy that failed (the next commit tries again)
        self.persisted: bool | None = None  # False: the browser may evict the data (the app says so)

    @property
    def fs(self) -> EmscriptenFs:
        if self._fs is None:
            self._fs = EmscriptenFs()
        return self._fs

    async def open(self) -> str:
        """Mounts the IndexedDB-backed directory and loads what it holds; returns its path (the data dir)."""
        if not self.fs.is_dir(self.mount):
            self.fs.mkdir(self.mount)
        self.fs.mount_idbfs(self.mount)
        loaded = asyncio.get_running_loop().create_future()

        def done(error: Any) -> None:
            if not loaded.done():
                loaded.set_result(error)

        self.fs.syncfs(True, done)
        error = await loaded
        if error:
            raise OSError(f"could not load the handheld's data from IndexedDB: {error}")
        self.persisted = await self.fs.persisted()
        return self.mount

    def flush(self) -> None:
        if self._copying:
            self._again = True
            return
        self._copying, self._again = True, False
        if self._idle is None:
            self._idle = asyncio.Event()
        self._idle.clear()
        self.fs.syncfs(False, self._copied)

    def _copied(self, error: Any) -> None:
        self.last_error = str(error) if error else None
        self._copying = False
        if self._again:
            self.flush()
        elif self._idle is not None:
            self._idle.set()

    async def flushed(self) -> None:
        """Returns once every commit so far is in IndexedDB (before closing the page, and in tests)."""
        if self._copying and self._idle is not None:
            await self._idle.wait()

"""What the sync client needs from the platform it runs on, and the implementations chosen at start-up.

    Http     request/response and a streamed body     HttpxHttp (server mode)  | FetchHttp (Pyodide: fetch)
    Storage  where the replica file lives, flushes    DiskStorage (a file)     | IdbfsStorage (IndexedDB-backed FS)

The sync client and the handheld's API speak only to these interfaces; each implementation maps its own network
errors to SyncUnavailable / StreamCut in one place. Nothing here imports httpx, `js` or `pyodide` at import time:
the browser has no sockets and the server has no `js`.
"""

from __future__ import annotations

import sys

from sync.client.adapters.http import Files, Http, HttpAnswer, HttpStream
from sync.client.adapters.storage import DiskStorage, IdbfsStorage, Storage

STREAM_READ_TIMEOUT_S = 60.0  # the server sends a keepalive line every 20 s


def in_browser() -> bool:
    """True inside Pyodide (Emscripten): no threads, no sockets, fetch instead."""
    return sys.platform == "emscripten"


def default_http(*, timeout_s: float = 30.0, read_timeout_s: float = STREAM_READ_TIMEOUT_S) -> Http:
    """The platform's HTTP: fetch in the browser, httpx.AsyncClient elsewhere (imported only here, when asked)."""
    if in_browser():
        from sync.client.adapters.fetch_http import FetchHttp

        return FetchHttp(timeout_s=timeout_s, read_timeout_s=read_timeout_s)
    from sync.client.adapters.httpx_http import HttpxHttp

    return HttpxHttp(timeout_s=timeout_s, read_timeout_s=read_timeout_s)


__all__ = [
    "STREAM_READ_TIMEOUT_S",
    "DiskStorage",
    "Files",
    "Http",
    "HttpAnswer",
    "HttpStream",
    "IdbfsStorage",
    "Storage",
    "default_http",
    "in_browser",
]

"""The handheld end of Lotline's offline sync: a local SQLite replica, an upload queue, the download stream.

    store = LocalStore("handheld.db")
    store.record("event_command", event_id, {"kind": "receive", ...})   # row + queue entry, one transaction
    client = SyncClient(store, HttpConnector("https://lotline.example", "picker", password))
    await client.sync_once()    # or asyncio.create_task(client.run(stop)) beside the app, on the same loop
    client.status()             # online, pending, last_synced_at, rejected (with reasons), resyncs, last_error

Everything is asyncio on one event loop, the same code in server mode and in the browser (Pyodide: no threads);
what differs is chosen at start-up in `sync.client.adapters` (HTTP: httpx or fetch; storage: a file or IndexedDB).
"""

from sync.client.client import Connector, HttpConnector, SyncClient, SyncReport
from sync.client.download import DownloadReport, Outcome
from sync.client.records import Notice, PendingWrite, RejectedWrite, SyncStatus
from sync.client.store import LocalStore
from sync.client.transport import (
    AuthExpired,
    LoginRequired,
    StreamCut,
    SyncError,
    SyncRejected,
    SyncUnavailable,
    Transport,
)
from sync.client.upload import Backoff, UploadReport

__all__ = [
    "AuthExpired",
    "Backoff",
    "Connector",
    "DownloadReport",
    "HttpConnector",
    "LocalStore",
    "LoginRequired",
    "Notice",
    "Outcome",
    "PendingWrite",
    "RejectedWrite",
    "StreamCut",
    "SyncClient",
    "SyncError",
    "SyncRejected",
    "SyncReport",
    "SyncStatus",
    "SyncUnavailable",
    "Transport",
    "UploadReport",
]

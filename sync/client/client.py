"""The handheld's sync client: upload the queue, follow the download stream, tell the UI where things stand."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from sync.client.download import Downloader, DownloadReport, Outcome
from sync.client.records import SyncStatus
from sync.client.store import LocalStore
from sync.client.transport import AuthExpired, LoginRequired, StreamCut, SyncError, SyncUnavailable, Transport
from sync.client.upload import WRITE_NEEDED, Backoff, Uploader, UploadReport

T = TypeVar("T")


class Connector(Protocol):
    async def fetch_credentials(self) -> tuple[str, str]:
        """(endpoint, token) for the sync server. Raises SyncUnavailable when it can't be reached now, LoginRequired
        when the user's own credentials are refused or their log-in was ended."""
        ...


class HttpConnector:
    """Logs in to the Lotline backend and asks its token endpoint for sync credentials."""

    def __init__(self, base_url: str, username: str, password: str, *, transport: Transport | None = None,
                 session_token: str | None = None) -> None:
        """`session_token`: a log-in kept from before (the app reopened offline); with no password, its expiry ends
        this log-in (LoginRequired) without asking the server to check an empty password."""
        self.base_url = base_url.rstrip("/")
        self.username = username
        self._password = password
        self.transport = transport or Transport()
        self._session_token: str | None = session_token
        self._ended: LoginRequired | None = None
        self._lock = asyncio.Lock()  # the upload and the stream may both ask at once: one log-in for both

    async def fetch_credentials(self) -> tuple[str, str]:
        """Raises LoginRequired, from then on without asking the server, once the server ended this log-in or
        refused the password: retrying a refused password would only count failures against the user's name."""
        # The login session is kept: logging in again (a password hash on the server) only when it expired.
        async with self._lock:
            if self._ended is not None:
                raise LoginRequired(str(self._ended), code=self._ended.code)
            for attempt in (1, 2):
                if self._session_token is None:
                    if not self._password:
                        raise self._end(AuthExpired("the kept log-in expired: log in again", code="token_expired"))
                    try:
                        login = await self.transport.post_json(f"{self.base_url}/api/auth/login",
                                                         {"username": self.username, "password": self._password})
                    except AuthExpired as exc:
                        raise self._end(exc) from exc
                    self._session_token = str(login["access_token"])
                try:
                    issued = await self.transport.get_json(f"{self.base_url}/api/auth/token", self._session_token)
                    return str(issued["endpoint"]).rstrip("/"), str(issued["token"])
                except LoginRequired as exc:
                    raise self._end(exc) from exc
                except AuthExpired:
                    self._session_token = None
                    if attempt == 2:
                        raise
        raise AssertionError("unreachable")

    def _end(self, refused: AuthExpired) -> LoginRequired:
        self._session_token, self._password = None, ""
        self._ended = LoginRequired(str(refused), code=refused.code)
        return self._ended


@dataclass
class SyncReport:
    upload: UploadReport | None = None
    downloads: list[DownloadReport] = field(default_factory=list)

    @property
    def applied(self) -> bool:
        return any(Outcome.APPLIED in d.outcomes for d in self.downloads)


class SyncClient:
    """`upload_url`: where uploads go when the stream comes from elsewhere (a PowerSync Service); by default
    the credentials' endpoint serves both. Every method runs on the caller's event loop; nothing here starts a
    thread (Pyodide has none)."""

    def __init__(self, store: LocalStore, connector: Connector, *, transport: Transport | None = None,
                 upload_url: str | None = None, batch_size: int = 1000, backoff: Backoff | None = None,
                 max_stream_passes: int = 3) -> None:
        self.store = store
        self.connector = connector
        self.transport = transport or Transport()
        self.upload_url = upload_url.rstrip("/") if upload_url else None
        self.backoff = backoff or Backoff()
        self.uploader = Uploader(store, batch_size=batch_size, backoff=self.backoff)
        self.downloader = Downloader(store)
        self.max_stream_passes = max_stream_passes
        self._credentials: tuple[str, str] | None = None
        self._lock = asyncio.Lock()
        self._online = False
        self._login_required = False
        self._last_error: str | None = None

    # -- one pass ------------------------------------------------------------------------------------------------
    async def sync_once(self) -> SyncReport:
        """Uploads the queue, then reads the stream up to its first complete checkpoint (again, up to
        `max_stream_passes` times, while buckets fail their checksum). Raises SyncUnavailable (after both halves
        were tried; nothing is lost and a later call resumes), AuthExpired or SyncRejected."""
        report = SyncReport()
        error: SyncUnavailable | None = None
        try:
            report.upload = await self._upload()
            for _ in range(self.max_stream_passes):
                download = await self._stream_pass(first_only=True)
                report.downloads.append(download)
                if Outcome.RESYNC not in download.outcomes:
                    break
        except SyncUnavailable as exc:
            error = exc
            if report.upload is None:  # the upload failed: still bring down what the server has
                with contextlib.suppress(SyncUnavailable):  # the first error is the one to report
                    report.downloads.append(await self._stream_pass(first_only=True))
        except SyncError as exc:
            self._note(exc)
            raise
        self._note(error)
        if error is not None:
            raise error
        return report

    async def upload(self, *, max_batches: int | None = None) -> UploadReport:
        """The upload half alone (all of the queue, or its first `max_batches` batches); raises as sync_once."""
        try:
            report = await self._upload(max_batches=max_batches)
        except SyncError as exc:
            self._note(exc)
            raise
        self._note(None)
        return report

    # -- continuous --------------------------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event | None = None, *, upload_poll_s: float = 5.0,
                  reconnect_s: float = 1.0) -> None:
        """Follows the stream and uploads as writes are recorded, until `stop` is set or the task is cancelled;
        errors are retried after a backoff and shown in `status()`. Stopping cancels the stream and any upload
        on its way: a write leaves the queue only once its answer was settled, so nothing is lost."""
        stop = stop or asyncio.Event()
        tasks = [asyncio.create_task(self._upload_loop(upload_poll_s), name="sync-upload"),
                 asyncio.create_task(self._stream_loop(reconnect_s), name="sync-stream")]
        try:
            await stop.wait()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _stream_loop(self, reconnect_s: float) -> None:
        failures = 0
        while True:
            try:
                await self._stream_pass(first_only=False)
                failures = 0
                await asyncio.sleep(reconnect_s)  # the server ended the stream (token expiry, restart): come back
            except SyncError as exc:
                failures += 1
                self._note(exc)
                await asyncio.sleep(self.backoff.delay(failures))

    async def _upload_loop(self, poll_s: float) -> None:
        wake = asyncio.Event()
        unlisten = self.store.listen(wake.set)
        failures = 0
        try:
            while True:
                wake.clear()
                if self.store.pending_count() or self.store.kv_get(WRITE_NEEDED):
                    try:
                        await self._upload()
                        failures = 0
                    except SyncError as exc:
                        failures += 1
                        self._note(exc)
                        await asyncio.sleep(self.backoff.delay(failures))
                        continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), poll_s)
        finally:
            unlisten()

    # -- halves --------------------------------------------------------------------------------------------------
    async def _upload(self, *, max_batches: int | None = None) -> UploadReport:
        transport = self.transport

        async def post(body: dict[str, Any]) -> Any:
            return await self._authorized(lambda endpoint, token: transport.post_json(
                f"{self.upload_url or endpoint}/sync/upload", body, token))

        async def write_checkpoint() -> int:
            answer = await self._authorized(lambda endpoint, token: transport.get_json(
                f"{endpoint}/write-checkpoint2.json", token, {"client_id": self.store.client_id}))
            return int(answer["data"]["write_checkpoint"])

        return await self.uploader.upload_pass(post, write_checkpoint, max_batches=max_batches)

    async def _stream_pass(self, *, first_only: bool) -> DownloadReport:
        report = DownloadReport()

        async def follow(endpoint: str, token: str) -> None:
            async with self.transport.stream(f"{endpoint}/sync/stream", self.downloader.request_body(),
                                             token) as lines:
                heard = False
                async for line in lines:
                    if not heard:  # the server answers: online now, though a followed stream may stay open for hours
                        heard = True
                        self._note(None)
                    outcome = self.downloader.feed(line, report)
                    if outcome is Outcome.RESYNC or (outcome is not None and first_only):
                        return
                    if report.token_expired:
                        self._credentials = None  # the next pass fetches a fresh token
                        return
            if not report.outcomes or self.downloader.open_checkpoint:
                raise StreamCut("the stream ended before its checkpoint was complete")

        await self._authorized(follow)
        self._note(None)
        return report

    async def _authorized(self, call: Callable[[str, str], Awaitable[T]]) -> T:
        """Runs `call(endpoint, token)`; a refused token is replaced once through the connector."""
        for attempt in (1, 2):
            async with self._lock:
                if self._credentials is None:
                    self._credentials = await self.connector.fetch_credentials()
                endpoint, token = self._credentials
            try:
                return await call(endpoint, token)
            except AuthExpired:
                self._credentials = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    # -- what the UI sees ----------------------------------------------------------------------------------------
    def _note(self, error: Exception | None) -> None:
        self._online = error is None
        self._login_required = isinstance(error, LoginRequired)
        self._last_error = None if error is None else f"{type(error).__name__}: {error}"

    def status(self) -> SyncStatus:
        return SyncStatus(online=self._online, pending=self.store.pending_count(),
                          last_synced_at=self.store.kv_get("last_synced_at"), rejected=self.store.rejected(),
                          resyncs=self.downloader.resyncs, last_error=self._last_error,
                          notices=list(self.uploader.notices), login_required=self._login_required)

    def retry_rejected(self, op_id: int) -> int:
        """Queues a rejected write again under a new op id; returns that id. Raises KeyError if unknown."""
        return self.store.retry_rejected(op_id)

    def discard_rejected(self, op_id: int) -> None:
        """Drops a rejected write for good (the server keeps its copy for QA). Raises KeyError if unknown."""
        self.store.discard_rejected(op_id)

    async def aclose(self) -> None:
        await self.transport.aclose()

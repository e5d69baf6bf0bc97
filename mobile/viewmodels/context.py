"""One logged-in handheld: who uses it, its replica and upload queue, the online API, the sync client, the clock.

Every flow records its shop-floor action through `record`: the command is validated with the same schema the
backend uses (a malformed command is refused here, where it is made) and queued with its local row in one
transaction, so it goes up whether or not the backend is reachable right now.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from mobile.i18n import Msg
from mobile.viewmodels.api import BackendApi
from mobile.viewmodels.gating import Gates
from mobile.viewmodels.keys import VerifyingKeys
from mobile.viewmodels.numbers import NumberPool
from mobile.viewmodels.replica import Replica
from shared_models.commands import EventCommand
from shared_models.enums import Role
from sync.client import Backoff, HttpConnector, LocalStore, SyncClient, SyncStatus
from sync.client.adapters import DiskStorage, Storage

NUMBERS_EVERY_S = 60.0  # while online: number pool top-up and signing keys this often (and when numbers run low)

# Starts a coroutine function as a task on the app's event loop (Flet: `page.run_task`); by default asyncio's.
RunTask = Callable[[Callable[[], Awaitable[None]]], Any]

_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]")


@dataclass(frozen=True, slots=True)
class UserSession:
    username: str
    display_name: str
    role: Role
    site_id: str | None = None
    customer_id: str | None = None
    locale: str = "zh-CN"
    offline_login: bool = False

    @classmethod
    def from_api(cls, user: dict[str, Any], *, offline_login: bool = False) -> UserSession:
        return cls(username=user["username"], display_name=user.get("display_name") or user["username"],
                   role=Role(user["role"]), site_id=user.get("site_id"), customer_id=user.get("customer_id"),
                   locale=user.get("locale") or "zh-CN", offline_login=offline_login)

    def to_json(self) -> str:
        data = asdict(self)
        data["role"] = self.role.value
        data.pop("offline_login")
        return json.dumps(data)


class CommandInvalid(ValueError):
    """The form does not make a valid command; `msg` names the fields."""

    def __init__(self, msg: Msg) -> None:
        super().__init__(msg.params.get("detail", msg.key))
        self.msg = msg


def invalid(exc: ValidationError) -> Msg:
    parts = []
    for err in exc.errors()[:4]:
        where = ".".join(str(x) for x in err["loc"]) or "form"
        parts.append(f"{where}: {err['msg']}")
    return Msg.of("form.invalid", detail="; ".join(parts))


def build(schema: type[BaseModel], **fields: Any) -> Any:
    """The command, or CommandInvalid naming what is wrong."""
    try:
        return schema.model_validate(fields)
    except ValidationError as exc:
        raise CommandInvalid(invalid(exc)) from exc


def _create_task(start: Callable[[], Awaitable[None]]) -> asyncio.Task[None]:
    async def body() -> None:
        await start()

    return asyncio.ensure_future(body())


class Handheld:
    """`clock` gives aware datetimes (tests pin it); `api` is the online backend; the sync client runs only after
    `start_sync`, as a task on the app's event loop. A store file per user keeps one worker's replica and queue
    apart from another's; `storage` says where files live (a disk, or the browser's IndexedDB-backed FS)."""

    def __init__(self, data_dir: str | Path, user: UserSession, api: BackendApi, *,
                 clock: Callable[[], datetime] | None = None, device_id: str | None = None,
                 gates: Gates | None = None, storage: Storage | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.user = user
        self.api = api
        self.clock = clock or (lambda: datetime.now(UTC))
        self.storage = storage or DiskStorage()
        self.store = LocalStore(self.data_dir / f"replica-{_SAFE_NAME.sub('_', user.username)}.db",
                                storage=self.storage)
        self.replica = Replica(self.store)
        self.gates = gates or Gates(self.replica)
        self.device_id = device_id or f"handheld-{self.store.client_id[:8]}"
        self.numbers = NumberPool(self.store, api, self.device_id,
                                  site_code=lambda: (self.replica.site(self.site_id) or {}).get("code"))
        self.keys = VerifyingKeys(self.store, api)
        self.client: SyncClient | None = None
        self._stop: asyncio.Event | None = None
        self._running: Any = None  # what run_task returned (a Task, or Flet's Future)
        self._topping: Any = None
        self._ended: asyncio.Event | None = None

    # -- time and ids ------------------------------------------------------------------------------------------
    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        return self.clock().date()

    @staticmethod
    def new_id() -> uuid.UUID:
        return uuid.uuid4()

    def base(self) -> dict[str, Any]:
        """The fields every event command starts with."""
        return {"id": self.new_id(), "occurred_at": self.now(), "device_id": self.device_id}

    @property
    def site_id(self) -> str | None:
        return self.user.site_id

    # -- recording ---------------------------------------------------------------------------------------------
    def record(self, kind: str, command: EventCommand) -> int:
        return self.record_all([(kind, command)])[0]

    def record_all(self, commands: list[tuple[str, EventCommand]]) -> list[int]:
        """Queues commands as one local transaction: all or none. Returns their op ids."""
        writes: list[tuple[str, str, dict[str, Any] | None, str]] = []
        for kind, command in commands:
            data = command.model_dump(mode="json", exclude={"id"})
            writes.append(("event_command", str(command.id), {"kind": kind, **data}, "PUT"))
        return self.store.record_many(writes)

    # -- sync ----------------------------------------------------------------------------------------------------
    def start_sync(self, password: str = "", *, backoff: Backoff | None = None,
                   run_task: RunTask | None = None) -> SyncClient:
        """Follows the stream and uploads, as a task on the running event loop (`run_task`: Flet's
        page.run_task), until `stop_sync`. Without the password (a kept session reopened), the API's token is
        used until it expires; then the worker logs in again and the queue waits in the store file."""
        if self.client is not None:
            return self.client
        connector = HttpConnector(self.api.base_url, self.user.username, password,
                                  session_token=None if password else self.api.token)
        client = SyncClient(self.store, connector, backoff=backoff or Backoff(base_s=0.25, max_s=3.0))
        stop, ended = asyncio.Event(), asyncio.Event()

        async def follow() -> None:
            try:
                await client.run(stop, upload_poll_s=1.0, reconnect_s=0.5)
            finally:
                ended.set()

        async def keep_numbers() -> None:  # SSCC blocks topped up (numbers.py), signing keys fetched (keys.py)
            while not stop.is_set():
                self.numbers.wanted.clear()
                await self.numbers.top_up()
                await self.keys.refresh()
                waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self.numbers.wanted.wait())]
                await asyncio.wait(waits, timeout=NUMBERS_EVERY_S, return_when=asyncio.FIRST_COMPLETED)
                for wait in waits:
                    wait.cancel()

        self.client, self._stop, self._ended = client, stop, ended
        self._running = (run_task or _create_task)(follow)
        self._topping = (run_task or _create_task)(keep_numbers)  # kept: a task nobody holds may be collected
        return client

    def sync_now(self) -> None:
        """Wakes the upload loop (it also wakes on every local write)."""
        self.store.notify_changed()

    def sync_status(self) -> SyncStatus:
        if self.client is not None:
            return self.client.status()
        return SyncStatus(online=False, pending=self.store.pending_count(),
                          last_synced_at=self.store.kv_get("last_synced_at"), rejected=self.store.rejected(),
                          resyncs=0, last_error=None)

    @property
    def login_required(self) -> bool:
        """The server ended this log-in (revoked, deactivated, password changed): the app sends the worker to log in
        again; the queue stays in this user's store file and drains once the new log-in starts sync."""
        return self.client is not None and self.client.status().login_required

    async def stop_sync(self) -> None:
        """Stops the sync task (an upload on its way is dropped: its writes stay queued) and closes its HTTP."""
        client, stop, ended = self.client, self._stop, self._ended
        self.client = self._stop = self._ended = self._running = None
        if stop is not None:
            stop.set()
        if ended is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ended.wait(), 5)
        if client is not None:
            await client.aclose()
            connector = client.connector
            if isinstance(connector, HttpConnector):
                await connector.transport.aclose()

    async def aclose(self) -> None:
        await self.stop_sync()
        await self.api.aclose()
        self.store.close()


# -- remembered log-ins: a worker who logged in online once may log in again without the backend ------------------
# Pyodide's hashlib has no OpenSSL, so no pbkdf2_hmac: there the same PBKDF2-HMAC-SHA256 runs in Python, with
# fewer rounds (~0.1 s natively, a second or two in a phone's browser), recorded in each entry.
ROUNDS = 200_000 if hasattr(hashlib, "pbkdf2_hmac") else 50_000


def pbkdf2_sha256(password: bytes, salt: bytes, rounds: int) -> bytes:
    """PBKDF2-HMAC-SHA256, one 32-byte block: hashlib's where it has one, else the same in Python."""
    if hasattr(hashlib, "pbkdf2_hmac"):
        return hashlib.pbkdf2_hmac("sha256", password, salt, rounds)
    return pbkdf2_sha256_in_python(password, salt, rounds)


def pbkdf2_sha256_in_python(password: bytes, salt: bytes, rounds: int) -> bytes:
    key = hashlib.sha256(password).digest() if len(password) > 64 else password
    inner, outer = hashlib.sha256(bytes(b ^ 0x36 for b in key.ljust(64, b"\0"))), \
        hashlib.sha256(bytes(b ^ 0x5C for b in key.ljust(64, b"\0")))

    def prf(message: bytes) -> bytes:
        i, o = inner.copy(), outer.copy()
        i.update(message)
        o.update(i.digest())
        return o.digest()

    u = prf(salt + b"\0\0\0\1")
    result = int.from_bytes(u)
    for _ in range(rounds - 1):
        u = prf(u)
        result ^= int.from_bytes(u)
    return result.to_bytes(32)


def _hash(password: str, salt: bytes, rounds: int) -> str:
    return pbkdf2_sha256(password.encode(), salt, rounds).hex()


class LoginCache:
    """One small JSON file per data dir: username → salted PBKDF2 hash and the user's profile."""

    def __init__(self, data_dir: str | Path, storage: Storage | None = None) -> None:
        self.path = Path(data_dir) / "logins.json"
        self.storage = storage or DiskStorage()

    def _load(self) -> dict[str, Any]:
        return json.loads(self.path.read_text(encoding="utf-8")) if self.path.exists() else {}

    def remember(self, user: UserSession, password: str) -> None:
        data = self._load()
        salt = os.urandom(16)
        data[user.username] = {"salt": salt.hex(), "rounds": ROUNDS, "hash": _hash(password, salt, ROUNDS),
                               "user": json.loads(user.to_json())}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        tmp.replace(self.path)
        self.storage.flush()

    def check(self, username: str, password: str) -> UserSession | None:
        entry = self._load().get(username)
        if entry is None or _hash(password, bytes.fromhex(entry["salt"]), int(entry.get("rounds", 200_000))) \
                != entry["hash"]:
            return None
        return UserSession.from_api(entry["user"], offline_login=True)


class LastSession:
    """The last online log-in on this phone, so that the app reopens offline where the worker was: the user's
    profile and the backend's session token (never the password), in session.json beside the stores, flushed to
    the platform's storage. Forgotten on log-out; an expired token sends the worker to log in, the queue stays."""

    def __init__(self, data_dir: str | Path, storage: Storage | None = None) -> None:
        self.path = Path(data_dir) / "session.json"
        self.storage = storage or DiskStorage()

    def keep(self, user: UserSession, token: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"user": json.loads(user.to_json()), "token": token}), encoding="utf-8")
        tmp.replace(self.path)
        self.storage.flush()

    def load(self) -> tuple[UserSession, str] | None:
        """The kept user and token, or None (never kept, forgotten, or unreadable). Not an offline log-in: the
        backend checked the password when it issued the token."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return UserSession.from_api(data["user"]), str(data["token"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def forget(self) -> None:
        if self.path.exists():
            self.path.unlink()
            self.storage.flush()

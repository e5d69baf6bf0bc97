"""Log-in: online against the backend, or offline for a worker who logged in on this handheld before."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mobile.i18n import Msg
from mobile.viewmodels.api import BackendApi, Offline, Refused
from mobile.viewmodels.context import Handheld, LastSession, LoginCache, UserSession
from sync.client.adapters import DiskStorage, Storage


@dataclass
class LoginState:
    username: str = ""
    password: str = ""
    error: Msg | None = None


class LoginViewModel:
    """`submit` returns the logged-in Handheld (its sync not yet started) or None with `state.error` set."""

    def __init__(self, data_dir: str | Path, backend_url: str,
                 api_factory: Callable[[str], BackendApi] | None = None, *, storage: Storage | None = None,
                 keep_session: bool = False) -> None:
        """`keep_session`: the device is one worker's phone (the PWA), so the last online log-in is kept and the app
        reopens with it offline; never in server mode, where every browser shares the server's data dir."""
        self.data_dir = Path(data_dir)
        self.backend_url = backend_url
        self.api_factory = api_factory or BackendApi
        self.storage = storage or DiskStorage()
        self.cache = LoginCache(self.data_dir, self.storage)
        self.last = LastSession(self.data_dir, self.storage)
        self.keep_session = keep_session
        self.state = LoginState()

    def set_username(self, value: str) -> None:
        self.state.username = value.strip()

    def set_password(self, value: str) -> None:
        self.state.password = value

    async def submit(self) -> Handheld | None:
        username, password = self.state.username, self.state.password
        if not username or not password:
            self.state.error = Msg.of("login.missing")
            return None
        api = self.api_factory(self.backend_url)
        try:
            answer = await api.login(username, password)
            user = UserSession.from_api(answer["user"])
            self.cache.remember(user, password)
            if self.keep_session:
                self.last.keep(user, str(answer["access_token"]))
        except Refused as exc:
            await api.aclose()
            self.state.error = Msg.of("login.wrong") if exc.status in (400, 401, 403) \
                else Msg.of("server.refused", detail=exc.detail)
            return None
        except Offline:
            cached = self.cache.check(username, password)
            if cached is None:
                await api.aclose()
                self.state.error = Msg.of("login.offline_unknown")
                return None
            user = cached
            kept = self.last.load()
            if kept is not None and kept[0].username != username:
                self.last.forget()  # the phone changed hands: never reopen as the one before
        self.state.error = None
        self.state.password = ""
        return Handheld(self.data_dir, user, api, storage=self.storage)

    def resume(self) -> Handheld | None:
        """The last session kept on this phone, without the network (start its sync with no password: it uses the
        kept token); None when there is none."""
        kept = self.last.load() if self.keep_session else None
        if kept is None:
            return None
        user, token = kept
        api = self.api_factory(self.backend_url)
        api.token = token
        return Handheld(self.data_dir, user, api, storage=self.storage)

    def forget(self) -> None:
        """Log-out: the app opens on the log-in screen next time (queued writes stay in the user's store file)."""
        self.last.forget()

"""Log-in: online against the backend, or offline for a worker who logged in on this handheld before."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mobile.i18n import Msg
from mobile.viewmodels.api import BackendApi, Offline, Refused
from mobile.viewmodels.context import Handheld, LoginCache, UserSession
from sync.client.adapters import DiskStorage, Storage


@dataclass
class LoginState:
    username: str = ""
    password: str = ""
    error: Msg | None = None


class LoginViewModel:
    """`submit` returns the logged-in Handheld (its sync not yet started) or None with `state.error` set."""

    def __init__(self, data_dir: str | Path, backend_url: str,
                 api_factory: Callable[[str], BackendApi] | None = None, *, storage: Storage | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.backend_url = backend_url
        self.api_factory = api_factory or BackendApi
        self.storage = storage or DiskStorage()
        self.cache = LoginCache(self.data_dir, self.storage)
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
        self.state.error = None
        self.state.password = ""
        return Handheld(self.data_dir, user, api, storage=self.storage)

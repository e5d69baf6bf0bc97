"""Log-in (online, and offline for a worker seen before), role tiles, the sync badge and the inbox of refused
writes (reason, retry, discard)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from mobile.i18n import Msg, Translator
from mobile.scanner import ScanPipeline
from mobile.viewmodels.api import BackendApi
from mobile.viewmodels.home import HomeViewModel
from mobile.viewmodels.login import LoginViewModel
from mobile.viewmodels.pick import PickViewModel
from mobile.viewmodels.sync_status import InboxViewModel, SyncBadgeViewModel
from shared_models.enums import Role
from sync.client import HttpConnector, SyncClient, Transport
from sync.client.adapters.httpx_http import HttpxHttp
from tests.aio import Run, run_fixture  # noqa: F401
from tests.mobile.handheld_fixtures import make_handheld, offline_api, server_api

PICKER = {"id": "u-picker", "username": "picker", "display_name": "张伟", "role": "picker", "site_id": "site-sz",
          "customer_id": None, "locale": "zh-CN"}


def login_route(request: httpx.Request) -> httpx.Response:
    body = json.loads(request.content)
    if body["password"] != "lotline-demo":
        return httpx.Response(401, json={"code": "bad_credentials", "detail": "Wrong username or password."})
    return httpx.Response(200, json={"access_token": "tok", "token_type": "bearer", "expires_in": 3600,
                                     "user": PICKER})


def test_login_online_then_offline_with_the_remembered_password(run: Run[Any], tmp_path: Path) -> None:
    online = LoginViewModel(tmp_path, "http://backend.test",
                            api_factory=lambda url: server_api({("POST", "/api/auth/login"): login_route}))
    online.set_username("picker")
    online.set_password("nope")
    assert run(online.submit()) is None and online.state.error == Msg.of("login.wrong")
    online.set_password("lotline-demo")
    hh = run(online.submit())
    assert hh is not None and hh.user.role is Role.PICKER and not hh.user.offline_login
    assert online.state.password == ""
    run(hh.aclose())

    offline = LoginViewModel(tmp_path, "http://backend.test", api_factory=lambda url: offline_api())
    offline.set_username("picker")
    offline.set_password("wrong")
    assert run(offline.submit()) is None and offline.state.error == Msg.of("login.offline_unknown")
    offline.set_password("lotline-demo")
    again = run(offline.submit())
    assert again is not None and again.user.offline_login and again.user.site_id == "site-sz"
    assert HomeViewModel(again.user).offline_login == Msg.of("home.offline_login")
    run(again.aclose())


def test_login_needs_both_fields(run: Run[Any], tmp_path: Path) -> None:
    vm = LoginViewModel(tmp_path, "http://backend.test", api_factory=lambda url: offline_api())
    assert run(vm.submit()) is None and vm.state.error == Msg.of("login.missing")


@pytest.mark.parametrize(("role", "tiles"), [
    (Role.PICKER, ["receive", "move", "pick", "ship", "stocktake", "scan", "inbox"]),
    (Role.INSPECTOR, ["inspect", "scan", "inbox"]),
    (Role.ENGINEER, ["origin", "scan", "inbox"]),
    (Role.DISTRIBUTOR, ["verify", "scan", "inbox"]),
    (Role.QA_MANAGER, ["receive", "move", "pick", "ship", "stocktake", "inspect", "origin", "verify", "scan",
                       "inbox"]),
])
def test_home_shows_the_tiles_of_the_role(tmp_path: Path, role: Role, tiles: list[str]) -> None:
    hh, _ = make_handheld(tmp_path, role=role)
    home = HomeViewModel(hh.user)
    assert [t.flow for t in home.tiles] == tiles
    assert home.may_open(tiles[0]) and (role is Role.QA_MANAGER or not home.may_open("pick" if role is not
                                                                                      Role.PICKER else "inspect"))
    assert Translator("zh-CN")(home.greeting) == f"{role.value} · {Translator('zh-CN')(Msg.of(f'role.{role.value}'))}"


def test_badge_counts_pending_writes_offline(run: Run[Any], tmp_path: Path) -> None:
    hh, _ = make_handheld(tmp_path)
    badge = SyncBadgeViewModel(hh)
    assert (badge.badge.online, badge.badge.pending, badge.badge.rejected) == (False, 0, 0)
    assert badge.badge.last_sync.key == "badge.last_sync"  # the replica was downloaded once
    vm = PickViewModel(hh)
    vm.add_line("RM-PC-01", 5)
    run(vm.on_scan(ScanPipeline().scan_text("RM-PC-01/PC-B", source="manual")))
    b = badge.refresh()
    assert (b.online, b.pending) == (False, 1)
    assert Translator("en")(b.status) == "Offline" and Translator("zh-CN")(b.pending_text) == "待同步 1"


class FakeSyncServer:
    """The sync endpoints as a MockTransport: uploads are refused with a reason, the stream is one empty
    checkpoint. (The real server's behaviour is tested in tests/sync; here only the handheld's inbox matters.)"""

    def __init__(self) -> None:
        self.uploads: list[list[dict[str, object]]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/api/auth/login":
            return httpx.Response(200, json={"access_token": "tok", "user": PICKER})
        if path == "/api/auth/token":
            return httpx.Response(200, json={"token": "tok", "endpoint": "http://backend.test"})
        if path == "/sync/upload":
            batch = json.loads(request.content)["batch"]
            self.uploads.append(batch)
            return httpx.Response(200, json={"verdicts": [
                {"op_id": e["op_id"], "status": "rejected", "code": "not_found",
                 "reason": "No location with code SZ-GONE."} for e in batch]})
        if path == "/write-checkpoint2.json":
            return httpx.Response(200, json={"data": {"write_checkpoint": "1"}})
        if path == "/sync/stream":
            lines = [{"checkpoint": {"last_op_id": "0", "buckets": [], "write_checkpoint": "1"}},
                     {"checkpoint_complete": {"last_op_id": "0"}}]
            return httpx.Response(200, content="".join(json.dumps(x) + "\n" for x in lines).encode())
        return httpx.Response(404)


def test_inbox_shows_rejected_writes_with_reason_and_retries_or_discards_them(run: Run[Any], tmp_path: Path) -> None:
    hh, _ = make_handheld(tmp_path)
    server = FakeSyncServer()
    http = HttpxHttp(httpx.AsyncClient(transport=httpx.MockTransport(server)))
    hh.client = SyncClient(hh.store, HttpConnector("http://backend.test", "picker", "lotline-demo",
                                                   transport=Transport(http)), transport=Transport(http))
    from mobile.viewmodels.move import MoveViewModel

    move = MoveViewModel(hh)
    move.set("unit", "RM-PC-01/PC-A")
    move.set("from_location", "SZ-RM-01")
    move.set("to_location", "SZ-RM-02")
    assert move.submit()
    run(hh.client.sync_once())
    badge = SyncBadgeViewModel(hh).badge
    assert (badge.online, badge.pending, badge.rejected) == (True, 0, 1)
    inbox = InboxViewModel(hh)
    (entry,) = inbox.entries
    assert entry.reason == "No location with code SZ-GONE." and entry.code == "not_found"
    assert Translator("en")(entry.what) == "Move: RM-PC-01/PC-A"
    inbox.retry(entry.op_id)
    assert hh.store.pending_count() == 1 and inbox.entries == []
    run(hh.client.sync_once())
    (again,) = inbox.entries
    inbox.discard(again.op_id)
    assert inbox.entries == [] and inbox.done == Msg.of("inbox.discarded")
    assert len(server.uploads) == 2
    hh.client = None
    run(hh.aclose())


def test_backend_api_maps_errors(run: Run[Any], tmp_path: Path) -> None:
    from mobile.viewmodels.api import Offline, Refused

    api = BackendApi("http://backend.test", http=HttpxHttp(httpx.AsyncClient(transport=httpx.MockTransport(
        lambda r: httpx.Response(503) if r.url.path == "/busy" else httpx.Response(
            409, json={"code": "illegal_transition", "detail": "cannot"})))))
    with pytest.raises(Offline):
        run(api.get("/busy"))
    with pytest.raises(Refused) as refused:
        run(api.post("/x", {}))
    assert (refused.value.status, refused.value.code, refused.value.detail) == (409, "illegal_transition", "cannot")
    with pytest.raises(Offline):
        run(offline_api().get("/anything"))

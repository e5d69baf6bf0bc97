"""The handheld's views in a real Flet `Session` over a fake `Connection`: every message goes through msgpack as on
the wire, REGISTER_CLIENT comes first, events arrive as CONTROL_EVENT frames. No Flutter, no browser."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import msgpack
from flet.controls.base_control import BaseControl
from flet.controls.context import _context_page
from flet.controls.core.semantics import Semantics
from flet.messaging.connection import Connection
from flet.messaging.protocol import (
    ControlEventBody,
    Message,
    MessageAction,
    RegisterClientRequestBody,
    RegisterClientResponseBody,
    UpdateControlPropsBody,
    configure_encode_object_for_msgpack,
    decode_ext_from_msgpack,
)
from flet.messaging.session import Session
from flet.pubsub.pubsub_hub import PubSubHub

from mobile.app import make_main
from mobile.viewmodels.api import BackendApi
from sync.client import LocalStore
from sync.client.adapters.httpx_http import HttpxHttp
from tests.mobile.handheld_fixtures import ReplicaFeeder, plant_rows

UNREACHABLE = "http://127.0.0.1:9"  # the discard port: the sync client finds the backend down at once
PICKER = {"id": "u-picker", "username": "picker", "display_name": "张伟", "role": "picker", "site_id": "site-sz",
          "customer_id": None, "locale": "zh-CN"}


class FakeConnection(Connection):
    """Keeps what the server sends, decoded from msgpack exactly as the browser would receive it."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self.loop = loop
        self.executor = ThreadPoolExecutor(max_workers=2)
        self.pubsubhub = PubSubHub(loop=loop, executor=self.executor)
        self.sent: list[list[Any]] = []
        self._encode = configure_encode_object_for_msgpack(BaseControl)

    def send_message(self, message: Message) -> None:
        packed = msgpack.packb([message.action, message.body], default=self._encode)
        self.sent.append(msgpack.unpackb(packed, ext_hook=decode_ext_from_msgpack, strict_map_key=False))


class Harness:
    def __init__(self, main: Callable[[Any], Coroutine[Any, Any, None]]) -> None:
        self.main = main
        self.conn: FakeConnection
        self.session: Session

    async def start(self) -> None:
        self.conn = FakeConnection(asyncio.get_running_loop())
        self.session = Session(self.conn)
        await self.client_says(MessageAction.REGISTER_CLIENT, {
            "session_id": "", "page_name": "", "page": {"route": "/", "web": True, "platform": "android",
                                                        "width": 412.0, "height": 915.0}})
        _context_page.set(self.session.page)
        await self.main(self.session.page)

    async def client_says(self, action: MessageAction, body: dict[str, Any]) -> None:
        """A frame from the browser, through msgpack, handled as flet_web's FletApp handles it."""
        action_code, body = msgpack.unpackb(msgpack.packb([action.value, body]), strict_map_key=False)
        if MessageAction(action_code) is MessageAction.REGISTER_CLIENT:
            req = RegisterClientRequestBody(**body)
            self.session.apply_page_patch(req.page)
            self.conn.send_message(Message(MessageAction.REGISTER_CLIENT, RegisterClientResponseBody(
                session_id=self.session.id, page_patch=self.session.get_page_patch(), error="")))
        elif MessageAction(action_code) is MessageAction.UPDATE_CONTROL_PROPS:
            req_props = UpdateControlPropsBody(**body)
            self.session.apply_patch(req_props.id, req_props.props)
        else:
            req_event = ControlEventBody(**body)
            await self.session.dispatch_event(req_event.target, req_event.name, req_event.data)

    # -- finding controls by their semantics identifier ----------------------------------------------------------
    def find(self, identifier: str) -> Any:
        found = [c for c in list(self.session.index.values())
                 if isinstance(c, Semantics) and c.identifier == identifier and c.visible is not False]
        assert found, f"no control with identifier {identifier!r}; have {sorted(self.identifiers())}"
        return found[-1].content

    def visible(self, identifier: str) -> bool:
        return any(isinstance(c, Semantics) and c.identifier == identifier and c.visible is not False
                   for c in list(self.session.index.values()))

    def identifiers(self) -> set[str]:
        return {c.identifier for c in list(self.session.index.values()) if isinstance(c, Semantics)}

    def text(self, identifier: str) -> str:
        return " ".join(_texts(self.find(identifier)))

    async def type(self, identifier: str, value: str) -> None:
        control = self.find(identifier)
        await self.client_says(MessageAction.UPDATE_CONTROL_PROPS, {"id": control._i, "props": {"value": value}})
        await self.client_says(MessageAction.CONTROL_EVENT, {"target": control._i, "name": "change", "data": value})

    async def click(self, identifier: str) -> None:
        await self.client_says(MessageAction.CONTROL_EVENT, {"target": self.find(identifier)._i, "name": "click",
                                                             "data": None})

    async def submit(self, identifier: str) -> None:
        await self.client_says(MessageAction.CONTROL_EVENT, {"target": self.find(identifier)._i, "name": "submit",
                                                             "data": None})

    def patches(self) -> int:
        return sum(1 for m in self.conn.sent if m[0] == MessageAction.PATCH_CONTROL.value)


def _texts(control: Any) -> list[str]:
    out: list[str] = []
    value = getattr(control, "value", None)
    if isinstance(value, str) and type(control).__name__ == "Text":
        out.append(value)
    for name in ("content", "controls"):
        child = getattr(control, name, None)
        if isinstance(child, list):
            for c in child:
                out += _texts(c)
        elif isinstance(child, BaseControl):
            out += _texts(child)
        elif isinstance(child, str):
            out.append(child)
    return out


def fake_backend(url: str) -> BackendApi:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/auth/login":
            ok = json.loads(request.content)["password"] == "lotline-demo"
            return httpx.Response(200, json={"access_token": "tok", "user": PICKER}) if ok else \
                httpx.Response(401, json={"code": "bad_credentials", "detail": "Wrong username or password."})
        raise httpx.ConnectError("backend down", request=request)

    return BackendApi(url, http=HttpxHttp(httpx.AsyncClient(transport=httpx.MockTransport(answer))))


def run(tmp_path: Path, scenario: Callable[[Harness], Coroutine[Any, Any, None]], locale: str = "zh-CN") -> None:
    store = LocalStore(tmp_path / "replica-picker.db")  # the replica the picker's handheld downloaded earlier
    ReplicaFeeder(store).put(plant_rows(date.today()))  # the app runs on the real clock
    store.close()
    harness = Harness(make_main(tmp_path, UNREACHABLE, locale, api_factory=fake_backend))

    async def body() -> None:
        await harness.start()
        try:
            await scenario(harness)
        finally:
            if harness.visible("back"):
                await harness.click("back")
            if harness.visible("logout"):
                await harness.click("logout")

    asyncio.run(body())


async def log_in(h: Harness, password: str = "lotline-demo") -> None:
    await h.type("login-username", "picker")
    await h.type("login-password", password)
    await h.click("login-submit")


def test_login_view_renders_and_refuses_a_wrong_password(tmp_path: Path) -> None:
    async def scenario(h: Harness) -> None:
        assert h.conn.sent[0][0] == MessageAction.REGISTER_CLIENT.value
        assert {"login-username", "login-password", "login-submit", "lang-toggle"} <= h.identifiers()
        assert h.find("login-username").label == "用户名"
        await log_in(h, "wrong")
        assert h.text("login-error") == "用户名或密码错误"
        await h.click("lang-toggle")
        assert h.find("login-username").label == "Username"
        assert h.text("login-error") == "Wrong username or password"

    run(tmp_path, scenario)


def test_login_submits_and_home_shows_the_picker_tiles(tmp_path: Path) -> None:
    async def scenario(h: Harness) -> None:
        await log_in(h)
        tiles = sorted(i for i in h.identifiers() if i.startswith("tile-"))
        assert tiles == ["tile-inbox", "tile-move", "tile-pick", "tile-receive", "tile-scan", "tile-ship",
                         "tile-stocktake"]
        assert "拣货出库" in h.text("tile-pick")
        assert h.text("home-greeting") == "张伟 · 仓库拣货员"
        assert h.find("screen-title").value == "首页"
        # Flutter refuses a Semantics whose content is hidden ("content must be provided and visible").
        hidden = [c.identifier for c in list(h.session.index.values()) if isinstance(c, Semantics)
                  and c.visible is not False and getattr(c.content, "visible", True) is False]
        assert hidden == []

    run(tmp_path, scenario)


def test_sync_badge_shows_the_pending_count_after_an_offline_pick(tmp_path: Path) -> None:
    async def scenario(h: Harness) -> None:
        await log_in(h)
        assert "待同步 0" in h.text("sync-badge")
        await h.click("tile-pick")
        await h.type("pick-new-item", "RM-PC-01")
        await h.type("pick-new-qty", "10")
        await h.click("pick-add-line")
        assert "RM-PC-01/PC-B" in h.text("pick-fefo")  # FEFO first
        await h.type("scan-input", "RM-PC-01/PC-B")
        await h.submit("scan-input")
        assert "RM-PC-01/PC-B" in h.text("pick-done")
        for _ in range(30):  # the badge refreshes itself once a second
            if "待同步 1" in h.text("sync-badge"):
                break
            await asyncio.sleep(0.1)
        assert "离线" in h.text("sync-badge") and "待同步 1" in h.text("sync-badge")
        await h.type("scan-input", "RM-PC-01/PC-HOLD")
        await h.submit("scan-input")
        assert h.text("pick-error") == "不允许： • RM-PC-01/PC-HOLD 已冻结，不得使用"

    run(tmp_path, scenario)

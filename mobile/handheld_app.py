"""One session of the handheld (Flet): the page's stable frame, the current screen rebuilt from its view-model after
each action, log-in and out, the sync badge, and scanning (keyboard wedge, typed, camera).

Every handler is async on the page's event loop and the sync client runs as a task beside them (`page.run_task`):
no threads, so the same code runs in Flet's server mode and in the browser under Pyodide (`mobile.platform` picks
the adapters at start-up).

The page is one stable column — header with the sync badge, the current screen, the camera preview, the scan bar —
and only the screen's body is rebuilt from its view-model after each action, so the camera and badge keep their
state.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
from collections.abc import Callable
from typing import Any

import flet as ft

from mobile.camera import CameraScanner
from mobile.i18n import LOCALES, Msg, Translator, normalise_locale
from mobile.platform import Platform
from mobile.scanner import ScanResult
from mobile.viewmodels.api import BackendApi
from mobile.viewmodels.context import Handheld
from mobile.viewmodels.home import HomeViewModel
from mobile.viewmodels.inspection import InspectionViewModel, outbox_for
from mobile.viewmodels.login import LoginViewModel
from mobile.viewmodels.move import MoveViewModel
from mobile.viewmodels.origin import OriginViewModel
from mobile.viewmodels.pick import PickViewModel
from mobile.viewmodels.receive import ReceiveViewModel
from mobile.viewmodels.replica import ScanRefused
from mobile.viewmodels.scan import ScanInput, ScanViewModel
from mobile.viewmodels.ship import ShipViewModel
from mobile.viewmodels.stocktake import StocktakeViewModel
from mobile.viewmodels.sync_status import InboxViewModel, SyncBadgeViewModel
from mobile.viewmodels.verify import VerifyViewModel
from mobile.views import home as home_view
from mobile.views import inbox as inbox_view
from mobile.views import inspection as inspection_view
from mobile.views import login as login_view
from mobile.views import move as move_view
from mobile.views import origin as origin_view
from mobile.views import pick as pick_view
from mobile.views import receive as receive_view
from mobile.views import scan as scan_view
from mobile.views import ship as ship_view
from mobile.views import stocktake as stocktake_view
from mobile.views import verify as verify_view
from mobile.views.common import ERROR, MUTED, OK, WARN, Kit, sid

log = logging.getLogger(__name__)

FLOWS: dict[str, Callable[[Handheld], Any]] = {
    "receive": ReceiveViewModel, "move": MoveViewModel, "pick": PickViewModel, "ship": ShipViewModel,
    "stocktake": StocktakeViewModel, "inspect": InspectionViewModel, "origin": OriginViewModel,
    "verify": VerifyViewModel,
}
VIEWS: dict[str, Any] = {
    "receive": receive_view, "move": move_view, "pick": pick_view, "ship": ship_view, "stocktake": stocktake_view,
    "origin": origin_view, "verify": verify_view,
}
SCANNING = frozenset({"scan", *FLOWS})


class HandheldApp:
    """One browser session of the handheld."""

    def __init__(self, page: ft.Page, platform: Platform, backend_url: str, locale: str | None = None,
                 api_factory: Callable[[str], BackendApi] | None = None) -> None:
        self.page = page
        self.platform = platform
        self.data_dir = platform.data_dir
        self.t = Translator(normalise_locale(locale or os.environ.get("LOTLINE_LOCALE")))
        self.kit = Kit(self.t, self)
        api_factory = api_factory or (lambda url: BackendApi(url, http=platform.http(timeout_s=8.0)))
        self.login_vm = LoginViewModel(self.data_dir, backend_url, api_factory, storage=platform.storage,
                                       keep_session=platform.mode == "browser")
        self.hh: Handheld | None = None
        self.screen = "login"
        self.vm: Any = None
        self.home_vm: HomeViewModel | None = None
        self.badge_vm: SyncBadgeViewModel | None = None
        self.scan_input = ScanInput(decoder=platform.decoder)
        self.camera = CameraScanner(self.scan_input)
        self.focused = False
        self.manual_text = ""
        self.closed = False
        self._ticker: Any = None
        self._build_frame()

    # -- the stable frame ------------------------------------------------------------------------------------------
    def _build_frame(self) -> None:
        self.title = ft.Text("", size=18, weight=ft.FontWeight.BOLD, expand=True)
        self.badge_text = ft.Text("", size=13, color=ft.Colors.WHITE, weight=ft.FontWeight.BOLD)
        self.badge = ft.Container(self.badge_text, bgcolor=MUTED, border_radius=14,
                                  padding=ft.Padding.symmetric(horizontal=10, vertical=6),
                                  on_click=self.act(self.go, "inbox"), ink=True)
        self.back = ft.IconButton(ft.Icons.ARROW_BACK, on_click=self.act(self.go, "home"))
        self.back_slot = sid("back", self.back)  # hidden as a whole: a Semantics needs visible content
        self.header = ft.Row([self.back_slot, sid("screen-title", self.title), sid("sync-badge", self.badge)],
                             vertical_alignment=ft.CrossAxisAlignment.CENTER)
        self.storage_note = ft.Text("", size=12, color=WARN)
        self.storage_slot = sid("storage-warning", self.storage_note)
        self.body = ft.Column([], scroll=ft.ScrollMode.AUTO, expand=True, spacing=10)
        self.manual = ft.TextField(hint_text="", dense=True, border=ft.OutlineInputBorder(),
                                   on_change=self.change(self._set_manual),
                                   on_submit=self.act(self.submit_manual, render=False),
                                   on_focus=lambda _: self.focus(True), on_blur=lambda _: self.focus(False))
        self.continuous_btn = ft.IconButton(ft.Icons.AUTORENEW, on_click=self.act(self.toggle_continuous,
                                                                                  render=False))
        self.scan_bar = ft.Row([
            ft.Container(sid("scan-input", self.manual), expand=True),
            sid("scan-submit", ft.IconButton(ft.Icons.KEYBOARD_RETURN,
                                             on_click=self.act(self.submit_manual, render=False))),
            sid("camera-continuous", self.continuous_btn),
            sid("camera-tap", ft.FilledButton(content=ft.Icon(ft.Icons.QR_CODE_SCANNER), height=52, width=72,
                                              on_click=self.act(self.camera_tap, render=False))),
        ], spacing=4, vertical_alignment=ft.CrossAxisAlignment.CENTER)
        self.camera_note = ft.Text("", size=12, color=WARN)
        self.page.add(ft.SafeArea(ft.Column([self.header, self.storage_slot, self.body, self.camera.control,
                                             sid("camera-status", self.camera_note), self.scan_bar],
                                            expand=True, spacing=8), expand=True))

    # -- Actions (mobile.views.common.Actions) ---------------------------------------------------------------------
    def act(self, fn: Callable[..., Any], *args: Any, render: bool = True) -> Callable[[Any], Any]:
        """An event handler on the page's event loop (no threads: the browser has none): a view-model call, awaited
        when it does I/O; then the screen is rebuilt. An unexpected error is shown, not swallowed."""

        async def handler(_: Any = None) -> None:
            try:
                done = fn(*args)
                if inspect.isawaitable(done):
                    await done
            except Exception as exc:
                log.exception("handler %s failed", getattr(fn, "__name__", fn))
                self.flash(Msg.of("app.error", detail=f"{type(exc).__name__}: {exc}"[:200]))
            if render:
                self.render()

        return handler

    def change(self, fn: Callable[[str], Any]) -> Callable[[Any], Any]:
        async def handler(e: Any) -> None:  # async: on the loop, like every call that reads the replica
            fn(e.control.value or "")

        return handler

    def focus(self, focused: bool) -> None:
        self.focused = focused

    def flash(self, msg: Msg) -> None:
        state = getattr(self.vm, "state", None)
        if state is not None and hasattr(state, "error"):
            state.error = msg
        else:
            self.camera_note.value = self.t(msg)

    # -- navigation ------------------------------------------------------------------------------------------------
    def render(self) -> None:
        hh = self.hh
        logged_in = hh is not None and self.screen != "login"
        self.header.visible = logged_in
        # The browser would not promise to keep this origin's data: the worker is told, once logged in.
        self.storage_slot.visible = logged_in and getattr(self.platform.storage, "persisted", None) is False
        self.storage_note.value = self.t("storage.may_be_evicted")
        self.back_slot.visible = logged_in and self.screen != "home"
        self.scan_bar.visible = logged_in and self.screen in SCANNING
        self.camera.control.visible = self.scan_bar.visible and self.camera.camera is not None
        self.camera.show_preview(self.screen == "scan" or self.camera.continuous)
        self.manual.hint_text = self.t("scan.manual_hint")
        self.camera_note.value = self.t(self.camera.problem) if self.camera.problem and self.scan_bar.visible else ""
        self.title.value = self.t(f"screen.{self.screen}")
        self.body.controls = [self._screen()]
        self._refresh_badge()
        self.page.title = self.t("app.name")
        self.page.update()

    def _screen(self) -> ft.Control:
        k, s = self.kit, self.screen
        if s == "login" or self.hh is None:
            return login_view.build(k, self.login_vm, self.act(self.login, render=False),
                                    self.act(self.toggle_language))
        if s == "home":
            assert self.home_vm is not None
            return home_view.build(k, self.home_vm, self.go, self.act(self.logout))
        if s == "scan":
            return scan_view.build(k, self.vm)
        if s == "inspect":
            return inspection_view.build(k, self.vm, self.take_photo)
        if s == "inbox":
            assert self.badge_vm is not None
            return inbox_view.build(k, self.vm, self.badge_vm.refresh(), len(outbox_for(self.hh).list("pending")),
                                    self.send_inspections)
        return VIEWS[s].build(k, self.vm)

    def go(self, screen: str) -> None:
        """Switches screens (the caller renders: `act` does it on the event loop)."""
        hh = self.hh
        if hh is None:
            self.screen, self.vm = "login", None
        elif screen == "home":
            self.screen, self.vm = "home", None
        elif screen == "scan":
            self.screen, self.vm = "scan", ScanViewModel(hh.replica, hh.api, hh.today())
        elif screen == "inbox":
            self.screen, self.vm = "inbox", InboxViewModel(hh)
        elif self.home_vm is not None and self.home_vm.may_open(screen):
            self.screen, self.vm = screen, FLOWS[screen](hh)
        self.camera.stop()

    # -- log-in and out --------------------------------------------------------------------------------------------
    async def login(self) -> None:
        password = self.login_vm.state.password
        hh = await self.login_vm.submit()
        if hh is None:
            self.render()
            return
        self._enter(hh, password)
        self.render()

    def resume(self) -> bool:
        """Opens on the home screen with the last session kept on this phone (no network needed)."""
        hh = self.login_vm.resume()
        if hh is not None:
            self._enter(hh, "")
        return hh is not None

    def _enter(self, hh: Handheld, password: str) -> None:
        self.hh = hh
        self.home_vm = HomeViewModel(hh.user)
        self.badge_vm = SyncBadgeViewModel(hh)
        hh.start_sync(password, run_task=self.page.run_task)
        self._start_ticker()
        self.go("home")

    async def logout(self) -> None:
        self.login_vm.forget()
        if self.hh is not None:
            await self.hh.aclose()
        self.hh = self.home_vm = self.badge_vm = None
        self.go("login")

    def toggle_language(self) -> None:
        self.t = Translator(LOCALES[(LOCALES.index(self.t.locale) + 1) % len(LOCALES)])
        self.kit.t = self.t

    # -- the sync badge ----------------------------------------------------------------------------------------------
    def _refresh_badge(self) -> bool:
        if self.badge_vm is None:
            return False
        b = self.badge_vm.refresh()
        text = f"{self.t(b.status)} · {self.t(b.pending_text)}"
        if not b.online:  # how old the phone's copy is, when it cannot ask
            text += f" · {self.t(b.last_sync)}"
        if b.rejected:
            text += f" · {self.t('badge.rejected', count=b.rejected)}"
        color = ERROR if b.rejected else OK if b.online and not b.pending else WARN if b.online else MUTED
        changed = (text, color) != (self.badge_text.value, self.badge.bgcolor)
        self.badge_text.value, self.badge.bgcolor = text, color
        return changed

    def _start_ticker(self) -> None:
        async def tick() -> None:
            n = 0
            while not self.closed and self.badge_vm is not None and self.hh is not None:
                try:
                    if self.hh.login_required:  # the server ended this log-in: the queue stays for the next one
                        await self.logout()
                        self.login_vm.state.error = Msg.of("login.ended")
                        self.render()
                        return
                    if self._refresh_badge():
                        self.badge.update()
                    n += 1
                    if n % 15 == 0 and self.badge_vm.badge.online:  # inspections waiting for their photos
                        outbox = outbox_for(self.hh)
                        if outbox.list("pending"):
                            await outbox.send(self.hh)
                except Exception:  # the page went away between two ticks, or the backend did
                    log.debug("badge tick skipped", exc_info=True)
                await asyncio.sleep(1.0)

        if self._ticker is None or self._ticker.done():
            self._ticker = self.page.run_task(tick)

    # -- scanning ----------------------------------------------------------------------------------------------------
    def _set_manual(self, value: str) -> None:
        self.manual_text = value

    async def deliver(self, result: ScanResult) -> None:
        vm = self.vm
        if self.screen == "scan":
            await vm.show(result)
        elif hasattr(vm, "on_scan"):
            await vm.on_scan(result)
        self.render()

    async def refused(self, msg: Msg) -> None:
        vm = self.vm
        if self.screen == "scan":
            vm.refuse(msg)
        elif vm is not None and hasattr(vm, "fail"):
            vm.clear()
            vm.fail(msg)
        self.render()

    async def submit_manual(self) -> None:
        text, self.manual_text = self.manual_text, ""
        self.manual.value = ""
        try:
            result = self.scan_input.from_text(text, source="manual")
        except ScanRefused as exc:
            await self.refused(exc.msg)
            return
        await self.deliver(result)

    async def camera_tap(self) -> None:
        try:
            result = await self.camera.tap()
            self.camera.show_preview(self.screen == "scan" or self.camera.continuous)
        except ScanRefused as exc:
            await self.refused(exc.msg)
            return
        if result is None:
            await self.refused(Msg.of("scan.nothing_found"))
            return
        await self.deliver(result)

    async def toggle_continuous(self) -> None:
        if self.camera.continuous:
            self.camera.stop()
        else:
            self.camera.start(self.deliver, self.refused)
        self.continuous_btn.icon_color = ft.Colors.BLUE_800 if self.camera.continuous else None
        self.render()

    async def on_key(self, e: Any) -> None:
        """Keyboard-wedge scanners type the code and Enter; only while no text field has the focus."""
        if self.focused or self.screen not in SCANNING:
            return
        key = str(e.key)
        if len(key) == 1 and key.isalpha() and not getattr(e, "shift", False):
            key = key.lower()  # Flutter names letter keys in capitals; Shift says which case was typed
        try:
            result = self.scan_input.from_key(key, ctrl=bool(getattr(e, "ctrl", False)))
        except ScanRefused as exc:
            await self.refused(exc.msg)
            return
        if result is not None:
            await self.deliver(result)

    async def take_photo(self, characteristic: str) -> None:
        data = await self.camera.picture()
        if data is None:
            self.vm.clear()
            self.vm.fail(self.camera.problem or Msg.of("camera.none"))
            return
        await self.vm.add_photo(characteristic, data)

    async def send_inspections(self) -> None:
        assert self.hh is not None and isinstance(self.vm, InboxViewModel)
        sent, notes = await outbox_for(self.hh).send(self.hh)
        self.vm.done = Msg.of("inbox.inspections_sent", count=sent) if sent or not notes \
            else Msg.of("inspect.not_accepted", detail="; ".join(notes))

    async def on_close(self, _: Any = None) -> None:
        await self.close()

    async def close(self) -> None:
        self.closed = True
        self.camera.stop()
        if self.hh is not None:
            hh, self.hh = self.hh, None
            await hh.aclose()

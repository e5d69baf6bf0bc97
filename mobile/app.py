"""The handheld's Flet entry point, the same in the browser (the PWA, `mobile.pwa.entry`) and in server mode
(`mobile.web`): `make_main(...)` for one configuration, `main` configured by the environment.

Chinese text needs a CJK font served from the app's own assets as fonts/cjk.ttf (`mobile.web.prepare_assets`, and
the PWA bundle's own subset).
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from pathlib import Path

import flet as ft

from mobile.handheld_app import HandheldApp
from mobile.platform import Platform, start_platform
from mobile.viewmodels.api import BackendApi

DEFAULT_BACKEND_URL = "http://127.0.0.1:8000"


def default_data_dir() -> Path:
    return Path(os.environ.get("LOTLINE_HANDHELD_DIR", "var/handheld"))


def make_main(data_dir: str | Path | None = None, backend_url: str | None = None, locale: str | None = None,
              api_factory: Callable[[str], BackendApi] | None = None,
              platform: Platform | None = None) -> Callable[[ft.Page], Awaitable[None]]:
    """The Flet entry point for one configuration; `api_factory` lets tests stand in for the backend's REST API.
    The platform (server mode, or the browser's inside Pyodide) is chosen when the session starts."""
    url = backend_url or os.environ.get("LOTLINE_BACKEND_URL", DEFAULT_BACKEND_URL)

    async def session_main(page: ft.Page) -> None:
        page.title = "Lotline"
        page.padding = 12
        page.fonts = {"LotlineCJK": "/fonts/cjk.ttf"}
        page.theme = ft.Theme(font_family="LotlineCJK", color_scheme_seed=ft.Colors.BLUE)
        page.theme_mode = ft.ThemeMode.LIGHT
        app = HandheldApp(page, platform or await start_platform(data_dir or default_data_dir()), url, locale,
                          api_factory)
        page.on_keyboard_event = app.on_key
        page.on_close = app.on_close
        app.resume()
        app.render()

    return session_main


async def main(page: ft.Page) -> None:
    """Flet entry point, configured by LOTLINE_HANDHELD_DIR, LOTLINE_BACKEND_URL and LOTLINE_LOCALE."""
    await make_main()(page)

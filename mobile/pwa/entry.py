"""The PWA's main.py: starts the same Flet handheld as server mode (`mobile.app.make_main`), inside the browser.

Pyodide runs this in flet-web's Python worker. The platform (browser HTTP, the IndexedDB-backed data dir, flushed
after each commit) is chosen by the app itself at session start (`mobile.platform.start_platform`). The backend is
the page's own origin — the bundle is served at /app/ by the backend — so sync needs no CORS.
"""

from __future__ import annotations

import inspect
import sys

import flet as ft


def in_browser() -> bool:
    return sys.platform == "emscripten"


def page_origin() -> str:
    """The origin that served the page: the backend's, since the backend serves /app/."""
    if not in_browser():
        return "http://127.0.0.1:8000"
    import js

    return str(js.location.origin)


def browser_locale() -> str | None:
    """English for a phone set to English; otherwise the app's default (zh-CN)."""
    if not in_browser():
        return None
    import js

    language = str(getattr(js.navigator, "language", "") or "")
    return "en" if language.lower().startswith("en") else None


async def main(page: ft.Page) -> None:
    from mobile.app import make_main

    started = make_main(None, page_origin(), browser_locale())(page)
    if inspect.isawaitable(started):  # the session's main is a coroutine once the app's I/O is async
        await started
    if in_browser():
        import js

        js.console.log("lotline: handheld started in the browser")  # the browser tests wait for this line


if __name__ == "__main__":
    ft.run(main)

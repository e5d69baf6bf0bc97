"""The handheld PWA shell in Debian's Chromium, served by the real backend at /app/: Python boots in the browser
and draws the log-in screen, our service worker takes the page, and with the backend process gone and the browser
offline a reload opens the app again from the cache. No request leaves for another host."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import BackendProcess, Browser, launch

BOOT_S = 240  # a cold start (Pyodide, the app archive, first imports) takes ~20 s here; CI machines are slower


@pytest.fixture
def backend(pwa_bundle: Path, tmp_path: Path) -> Iterator[BackendProcess]:
    server = BackendProcess(pwa_bundle, tmp_path / "data")
    yield server
    server.kill()


def boot(browser: Browser, url: str) -> None:
    """Opens the app and waits until Python in the browser has drawn the log-in screen."""
    browser.call("open", url=url, timeout=BOOT_S * 1000)
    browser.call("wait", id="login-username", timeout=BOOT_S * 1000)


def test_reload_offline_with_the_backend_gone_opens_the_app_from_the_cache(backend: BackendProcess,
                                                                         pwa_bundle: Path, tmp_path: Path) -> None:
    browser = launch(tmp_path)
    try:
        boot(browser, f"{backend.url}/app/")
        browser.call("waitFor", expr="navigator.serviceWorker.controller !== null && window.lotlineShell.controlled",
                     timeout=BOOT_S * 1000)
        version = browser.call("evaluate", expr="window.lotlineShell.version")
        assert version == json.loads((pwa_bundle / "bundle.json").read_text())["version"]

        backend.kill()
        assert backend.refuses()
        browser.call("offline", on=True)
        browser.call("reload", timeout=BOOT_S * 1000)
        browser.call("wait", id="login-username", timeout=BOOT_S * 1000)  # Python booted again, from the cache
        assert browser.call("evaluate", expr="navigator.onLine") is False
    finally:
        browser.close()


def test_loading_the_app_asks_no_other_host_for_anything(backend: BackendProcess, tmp_path: Path) -> None:
    browser = launch(tmp_path)
    try:
        browser.call("requests")  # what the browser did before the app was opened is not ours
        boot(browser, f"{backend.url}/app/")
        browser.call("waitFor", expr="navigator.serviceWorker.controller !== null", timeout=BOOT_S * 1000)
        urls = browser.call("requests")
    finally:
        browser.close()
    assert any(u.endswith("/app/app.tar.gz") for u in urls)
    elsewhere = sorted({u for u in urls if urlsplit(u).scheme in ("http", "https", "ws", "wss")
                        and urlsplit(u).hostname not in ("127.0.0.1", "localhost")})
    assert elsewhere == []

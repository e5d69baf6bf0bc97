"""Screenshots of the PWA offline, in a phone-sized window (412×915, the installed app's standalone window), in zh-CN
and en, into docs/screenshots/pwa-*.png — only with LOTLINE_SCREENSHOTS=1, like test_screenshots.py. Each screen is
reached as a picker reaches it: log in online, first sync, the backend killed and the network cut, a reload from the
cache, a receipt queued (the badge's pending count), and a pick of a held lot refused with its reason."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.conftest import BackendProcess, hold, launch
from tests.browser.test_pwa_offline import BOOT_S, HELD, log_in_online, receive_offline
from tests.browser.test_screenshots import shot

pytestmark = pytest.mark.skipif(os.environ.get("LOTLINE_SCREENSHOTS") != "1",
                                reason="set LOTLINE_SCREENSHOTS=1 to rewrite docs/screenshots/")


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_pwa_offline_screenshots(demo_backend: BackendProcess, tmp_path: Path, locale: str) -> None:
    english = locale == "en"

    def word(zh: str, en: str) -> str:
        return en if english else zh

    hold(demo_backend.url, HELD)  # before the first sync: the phone's replica knows the lot is held
    browser = launch(tmp_path, locale=locale)  # the PWA follows the browser's language
    try:
        log_in_online(browser, f"{demo_backend.url}/app/")
        browser.wait_text("sync-badge", word("在线", "Online"), word("待同步 0", "0 pending"), timeout_s=90)
        browser.call("waitFor", expr="navigator.serviceWorker.controller !== null && window.lotlineShell.controlled",
                     timeout=BOOT_S * 1000)
        demo_backend.kill()
        browser.call("offline", on=True)
        browser.call("reload", timeout=BOOT_S * 1000)
        browser.call("wait", id="home-greeting", timeout=BOOT_S * 1000)

        receive_offline(browser)
        browser.wait_text("sync-badge", word("离线", "Offline"), word("待同步 1", "1 pending"))
        shot(browser, "pwa-home-offline", locale)

        browser.click("tile-pick")
        browser.fill("pick-new-item", "RM-PC-01")
        browser.fill("pick-new-qty", "10")
        browser.click("pick-add-line")
        browser.wait_text("pick-fefo", "RM-PC-01/PC2610-A")
        browser.scan(HELD)
        browser.wait_text("pick-error", HELD, word("冻结", "hold"))
        shot(browser, "pwa-pick-refused", locale)
    finally:
        browser.close()

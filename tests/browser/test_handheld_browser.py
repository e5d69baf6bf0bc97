"""The handheld web app in Debian's Chromium against the demo backend: a camera scan through Chromium's fake camera,
an offline receipt that syncs when the backend is back, and an offline pick refused because QA held the lot."""

from __future__ import annotations

from pathlib import Path

from tests.browser.conftest import Browser, Plant, label_camera, launch, wait_until


def test_log_in_and_scan_a_qr_label_through_the_camera(plant: Plant, tmp_path: Path) -> None:
    camera = label_camera(tmp_path, "RM-PC-01/PC2610-A")  # the demo's first resin lot
    browser = launch(tmp_path, camera_file=camera)
    try:
        browser.log_in(plant.handheld.url, "picker")
        assert "拣货员" in browser.text("home-greeting")
        browser.wait_text("sync-badge", "在线", timeout_s=60)  # the replica is down: the scan is answered locally
        browser.click("tile-scan")
        browser.click("camera-tap")
        summary = browser.wait_text("scan-summary", "RM-PC-01", "PC2610-A", "SZ-RM-01", timeout_s=60)
        assert "放行" in summary  # released
        assert not browser.call("exists", id="scan-summary-warnings")  # from the replica, not the server
        assert "RM-PC-01/PC2610-A" in browser.text("scan-summary-title")
    finally:
        browser.close()


def test_receive_while_the_backend_is_down_then_sync_when_it_is_back(plant: Plant, browser: Browser) -> None:
    browser.log_in(plant.handheld.url, "picker")
    browser.wait_text("sync-badge", "在线", "待同步 0", timeout_s=60)
    plant.backend.stop()
    browser.wait_text("sync-badge", "离线", timeout_s=60)

    browser.click("tile-receive")
    browser.click("receive-supplier-SUP-NBP")
    browser.fill("receive-item", "RM-PC-01")
    browser.fill("receive-supplier-lot", "NB-99001")
    browser.fill("receive-lot", "PC2611-OFF")
    browser.fill("receive-qty", "25")
    browser.click("receive-submit")
    done = browser.wait_text("receive-done", "PC2611-OFF")
    quarantined = "隔离" in done  # the item needs IQC in this plant's data: the handheld said so
    browser.wait_text("sync-badge", "离线", "待同步 1")
    assert plant.db("SELECT code FROM unit WHERE code = ?", "RM-PC-01/PC2611-OFF") == []

    plant.backend.start()  # same port: the handheld finds it again by itself
    browser.wait_text("sync-badge", "在线", "待同步 0", timeout_s=90)
    query = ("SELECT u.code, u.status, u.supplier_lot, s.qty FROM unit u JOIN stock_on_hand s ON s.unit_id = u.id "
             "WHERE u.code = ?")
    rows = wait_until(lambda: plant.db(query, "RM-PC-01/PC2611-OFF"), what="the received lot in the backend's database")
    assert rows == [("RM-PC-01/PC2611-OFF", "quarantine" if quarantined else "released", "NB-99001", 25.0)]


def test_pick_refused_offline_because_qa_held_the_lot_before_the_last_sync(plant: Plant, browser: Browser) -> None:
    browser.log_in(plant.handheld.url, "picker")
    browser.wait_text("sync-badge", "在线", timeout_s=60)
    plant.hold("RM-PC-01/PC2610-B")
    browser.click("tile-scan")

    def held_on_handheld() -> bool:  # the live stream brings the new status down
        browser.scan("RM-PC-01/PC2610-B")
        return "冻结" in browser.text("scan-summary")

    wait_until(held_on_handheld, timeout_s=60, what="the hold to reach the handheld")
    plant.backend.stop()
    browser.wait_text("sync-badge", "离线", timeout_s=60)

    browser.click("back")
    browser.click("tile-pick")
    browser.fill("pick-new-item", "RM-PC-01")
    browser.fill("pick-new-qty", "10")
    browser.click("pick-add-line")
    fefo = browser.wait_text("pick-fefo", "RM-PC-01/PC2610-A")
    assert "PC2610-B" not in fefo  # a held lot is never suggested
    browser.scan("RM-PC-01/PC2610-B")
    refusal = browser.wait_text("pick-error", "RM-PC-01/PC2610-B 已冻结，不得使用")
    assert refusal.startswith("不允许")
    assert "待同步 0" in browser.text("sync-badge")  # nothing was queued

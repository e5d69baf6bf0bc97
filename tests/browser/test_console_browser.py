"""The office console in Chromium: a QA manager traces a demo code, opens a recall case from the trace explorer and
blocks its stock, dispositions a nonconformance and acknowledges a warning; a picker is refused the QA pages; both
languages render; every request stays on the backend's origin. Screenshots of the trace explorer and a recall case
(desktop 1440×900 in en, phone 412×915 in zh-CN) go to docs/console-*.png with LOTLINE_SCREENSHOTS=1, else to the
test's folder.

The console is plain HTML, so it is driven through driver.mjs's `evaluate` and `press` (its `open` and `click` look
for Flutter's semantics nodes, and `waitFor` evaluates a string, which the console's CSP forbids): each step waits
on a condition in the page, never on time."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.browser.conftest import CHROMIUM, PASSWORD, ROOT, Browser, Plant, wait_until

DOCS = ROOT / "docs"
TRACED = "RM-PC-01/PC2610-A"   # the demo's bad resin lot: 2 units still in stock, 60 meters shipped
NC = "NC-202610-0001"          # the demo's failed IQC of resin lot PC2611-D


@pytest.fixture
def console_plant(demo_template: Path, tmp_path: Path) -> Iterator[Plant]:
    """A copy of the demo plant with only the backend running (the console needs no handheld)."""
    data = tmp_path / "plant"
    shutil.copytree(demo_template, data)
    plant = Plant(data)
    plant.backend.start()
    yield plant
    plant.close()


class Console:
    """The console in one Chromium window of the given size and language."""

    def __init__(self, tmp_path: Path, base: str, *, width: int, height: int, locale: str, name: str) -> None:
        self.base = base
        self.browser = Browser()
        self.browser.call("launch", executablePath=str(CHROMIUM), args=[], width=width, height=height,
                          userDataDir=str(tmp_path / f"profile-{name}"), locale=locale)

    def js(self, expr: str) -> object:
        return self.browser.call("evaluate", expr=f"({expr}) ?? null")

    def run(self, statements: str) -> None:
        self.browser.call("evaluate", expr=f"(() => {{ {statements}; return true; }})()")

    def until(self, expr: str, timeout_s: float = 30) -> None:
        """Polls `expr` from outside the page: the console's CSP (no eval) refuses Playwright's waitForFunction,
        and a navigation under way (its context destroyed) counts as "not yet"."""
        def holds() -> bool:
            try:
                return bool(self.js(expr))
            except AssertionError as exc:
                if "context was destroyed" in str(exc) or "navigation" in str(exc).lower():
                    return False
                raise
        wait_until(holds, timeout_s=timeout_s, what=expr)

    def _navigating(self, action: str, page: str) -> None:
        """Runs `action` (JavaScript that leaves the page) and waits for the new page `page` to be loaded."""
        self.run(f"window.__leaving = true; {action}")
        self.until(f"!window.__leaving && document.readyState === 'complete' && "
                   f"document.body && document.body.dataset.page === {json.dumps(page)}")

    def go(self, path: str, page: str) -> None:
        self._navigating(f"location.assign({json.dumps(self.base + path)})", page)

    def click(self, selector: str) -> None:
        self.until(f"!!document.querySelector({json.dumps(selector)})")
        self.run(f"document.querySelector({json.dumps(selector)}).click()")

    def click_to(self, selector: str, page: str) -> None:
        self.until(f"!!document.querySelector({json.dumps(selector)})")
        self._navigating(f"document.querySelector({json.dumps(selector)}).click()", page)

    def fill(self, selector: str, text: str) -> None:
        self.until(f"!!document.querySelector({json.dumps(selector)})")
        self.run(f"const f = document.querySelector({json.dumps(selector)}); f.focus(); "
                 f"f.value = {json.dumps(text)}; f.dispatchEvent(new Event('input', {{bubbles: true}}))")

    def text(self, selector: str) -> str:
        return str(self.js(f"document.querySelector({json.dumps(selector)})?.innerText ?? ''"))

    def wait_text(self, selector: str, *parts: str, timeout_s: float = 30) -> str:
        checks = " && ".join(f"t.includes({json.dumps(p)})" for p in parts) or "true"
        self.until(f"(() => {{ const e = document.querySelector({json.dumps(selector)}); "
                   f"const t = e ? e.innerText : null; return t !== null && {checks}; }})()", timeout_s)
        return self.text(selector)

    def log_in(self, username: str) -> None:
        self.go("/console/", "login")
        self.fill("#login-username", username)
        self.fill("#login-password", PASSWORD)
        self.click_to("#login-submit", "home")

    def trace(self, code: str) -> None:
        """Types the code into the scan field and presses Enter, as a scanner in keyboard mode does."""
        self.go("/console/trace/", "trace")
        self.fill("#trace-code", code)
        self.run("window.__leaving = true")
        self.browser.call("press", key="Enter")
        self.until("!window.__leaving && document.readyState === 'complete' && "
                   "document.querySelector('#trace-chart')?.dataset.ready === '1'")

    def shot(self, name: str) -> Path:
        folder = DOCS if os.environ.get("LOTLINE_SCREENSHOTS") == "1" else self.shots
        path = folder / f"console-{name}.png"
        self.browser.call("screenshot", path=str(path))
        assert path.stat().st_size > 20_000, f"{path} looks empty"
        return path

    shots = Path()

    def foreign_requests(self) -> list[str]:
        return [u for u in self.browser.call("requests") if not u.startswith((self.base, "data:", "blob:"))]

    def close(self) -> None:
        self.browser.close()


@pytest.fixture
def console(console_plant: Plant, tmp_path: Path) -> Iterator[Console]:
    c = Console(tmp_path, console_plant.backend.url, width=1440, height=900, locale="en-US", name="desktop")
    c.shots = tmp_path
    yield c
    c.close()


def _unknown_code_checked(base: str) -> None:
    """A distributor's phone checks a code nobody issued: the unknown-code warning rule fires after the commit."""
    with httpx.Client(base_url=base, timeout=20) as http:
        token = http.post("/api/auth/login", json={"username": "qa", "password": PASSWORD}).json()["access_token"]
        answer = http.post("/api/verify/", headers={"Authorization": f"Bearer {token}"},
                           json={"code": f"FAKE-{uuid.uuid4().hex[:8]}", "region": "CN-GD"})
    assert answer.status_code == 200, answer.text


def test_qa_manager_recalls_from_the_trace_reviews_an_nc_and_acknowledges_a_warning(
        console: Console, console_plant: Plant) -> None:
    plant, c = console_plant, console
    c.log_in("qa")
    assert "Hello, qa" in c.text("#home-greeting")

    # Trace explorer: the code typed, the genealogy drawn, a node expanded both ways.
    c.trace(TRACED)
    assert "RM-PC-01/PC2610-A" in c.text("#trace-root")
    drawn = int(str(c.js("document.querySelector('#trace-chart').dataset.nodes")))
    assert drawn > 60, drawn   # 62 units forward within two steps, plus the lot's own inputs (none: a raw lot)
    first_board = str(c.js("[...window.lotlineTrace.nodes.values()].find(n => n.level === 2).code"))
    c.run(f"window.lotlineTrace.expandCode({json.dumps(first_board)})")
    c.until(f"Number(document.querySelector('#trace-chart').dataset.nodes) > {drawn}")
    assert "Trace explorer" in c.text("h1")
    c.shot("trace-desktop-en")

    # One button opens a recall case with this scope; the case page blocks its stock.
    c.fill("#recall-reason", "Melt flow out of limits at the customer")
    c.click_to("#trace-open-recall", "recall-case")
    case = c.text("#case-code").split(" ")[0]
    assert case.startswith("RC-"), case
    assert c.text("#case-in-stock") == "2"
    c.click("#case-block")
    assert "2 unit(s) recalled now" in c.wait_text("#block-result", "recalled")
    c.wait_text("#case-blocked", "2 / 2")
    statuses = plant.db("SELECT u.status FROM recall_unit ru JOIN recall_case rc ON rc.id = ru.case_id "
                        "JOIN unit u ON u.id = ru.unit_id WHERE rc.code = ? AND ru.kind = 'in_stock'", case)
    assert statuses == [("recalled",), ("recalled",)]
    assert plant.db("SELECT state FROM recall_case WHERE code = ?", case) == [("blocking",)]
    c.shot("recall-desktop-en")

    # The list finds it, filtered and sorted on the server.
    c.go("/console/recall/?state=blocking&sort=code&dir=asc", "recall-list")
    assert case in c.text("#recall-table")
    c.go("/console/recall/?state=closed", "recall-list")
    assert "No recall case matches" in c.text("#recall-none")

    # Nonconformance review: start the review, then use as is with the approver named.
    c.go("/console/nc/", "nc-list")
    c.click_to(f"a[href='/console/nc/{NC}']", "nc-detail")
    c.click("#nc-do-start_review")
    c.wait_text("#nc-done", "Under review")
    c.fill("#nc-use_as_is-approved_by", "QA manager Wang")
    c.click("#nc-do-use_as_is")
    c.wait_text("#nc-done", "Dispositioned")
    assert plant.db("SELECT state, disposition FROM nonconformance WHERE code = ?", NC) == \
        [("dispositioned", "use_as_is")]

    # Warnings inbox: a warning raised meanwhile is acknowledged.
    _unknown_code_checked(plant.backend.url)
    wait_until(lambda: plant.db("SELECT id FROM warning WHERE state = 'open'"), what="the unknown-code warning")
    (warning_id,) = plant.db("SELECT id FROM warning WHERE state = 'open'")[0]
    c.go("/console/warnings/", "warnings")
    c.click(f"#warning-{warning_id} button.ack")
    c.wait_text(f"#warning-{warning_id}", "Acknowledged by qa")
    assert plant.db("SELECT state FROM warning WHERE id = ?", warning_id) == [("acknowledged",)]

    # A report's result: its chart drawn by ECharts, saved as PNG, its data as CSV from our own origin.
    c.go("/console/reports/", "reports")
    c.click_to("#report-defect_pareto", "report")
    c.until("document.querySelector('#report-chart')?.dataset.ready === '1'")
    assert str(c.js("window.lotlineReport.chart.getDataURL({type: 'png'})")).startswith("data:image/png;base64,")
    assert "D-MFI" in c.text("#report-table")
    csv = str(c.js("fetch(document.querySelector('#report-csv').href).then(r => r.text())"))
    assert csv.splitlines()[1].startswith("D-MFI,3")

    # The other language, one click away.
    c.click_to("#lang-switch", "report")
    assert "← 报表" in c.text("main") and "缺陷代码" in c.text("#report-table")
    assert c.foreign_requests() == []


def test_a_picker_is_refused_the_qa_pages(console: Console) -> None:
    console.log_in("picker")
    for path in ("/console/recall/", f"/console/nc/{NC}", "/console/warnings/"):
        console.go(path, "error")
        assert console.text("#error-title") == "Not allowed", path
        assert "Picker" in console.text("#error-detail")
    console.go("/console/", "home")
    assert console.js("!!document.querySelector('#tile-trace') && !document.querySelector('#tile-recalls')")
    console.trace(TRACED)
    assert console.js("!document.querySelector('#trace-open-recall')")   # tracing yes, opening a recall no


def test_phone_layout_in_chinese(console_plant: Plant, tmp_path: Path) -> None:
    c = Console(tmp_path, console_plant.backend.url, width=412, height=915, locale="zh-CN", name="phone")
    c.shots = tmp_path
    try:
        c.log_in("qa")
        assert "您好" in c.text("#home-greeting")
        c.trace(TRACED)
        assert "追溯查询" in c.text("h1")
        c.shot("trace-phone-zh-CN")
        c.fill("#recall-reason", "客户处发现熔指超标")
        c.click_to("#trace-open-recall", "recall-case")
        c.click("#case-block")
        c.wait_text("#block-result", "已冻结")
        assert "召回范围" not in c.text("#case-body") and "涉及单元" in c.text("#case-body")
        width = c.js("document.documentElement.scrollWidth")
        assert width == 412, f"the page scrolls sideways on a phone: {width}px wide"
        c.shot("recall-phone-zh-CN")
        assert c.foreign_requests() == []
    finally:
        c.close()

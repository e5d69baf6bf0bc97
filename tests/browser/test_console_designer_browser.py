"""The label designer in Chromium: a QA manager opens the GS1 logistic label, drags an element, resizes a barcode,
aligns two texts, undoes and redoes, binds a text to another field and sees the real renderer's preview change, then
saves; the version in use stays and a new one is stored. Screenshots of the designer (desktop 1440×900, en and
zh-CN) go to docs/label-designer-*.png with LOTLINE_SCREENSHOTS=1, else to the test's folder.

Pointer gestures are dispatched as PointerEvents from the page (driver.mjs has no mouse command); each step waits on
a condition in the page (the document, the preview image's revision and ETag), never on time."""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx

from tests.browser.conftest import PASSWORD, Plant
from tests.browser.test_console_browser import DOCS, Console, console_plant  # noqa: F401  (fixture)

CODE = "gs1-logistic-sscc"


def _install_shipped_templates(base: str) -> None:
    with httpx.Client(base_url=base, timeout=30) as http:
        token = http.post("/api/auth/login", json={"username": "qa", "password": PASSWORD}).json()["access_token"]
        answer = http.post("/api/labels/templates/shipped", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 201, answer.text


class Designer:
    def __init__(self, console: Console) -> None:
        self.c = console

    def el(self, ident: str) -> dict[str, object]:
        return dict(self.c.js(f"lotlineDesigner.byId({json.dumps(ident)})"))  # type: ignore[arg-type]

    def gesture(self, selector: str, dx: float, dy: float, *, shift: bool = False) -> None:
        """Presses on the middle of `selector`, moves by (dx, dy) px in steps, releases: a drag as a mouse makes it."""
        self.c.until(f"!!document.querySelector({json.dumps(selector)})")
        self.c.run(f"""
            const n = document.querySelector({json.dumps(selector)}); const r = n.getBoundingClientRect();
            const x = r.left + r.width / 2, y = r.top + r.height / 2;
            const ev = (type, px, py) => new PointerEvent(type, {{bubbles: true, cancelable: true, pointerId: 1,
              isPrimary: true, clientX: px, clientY: py, shiftKey: {json.dumps(shift)}, button: 0}});
            n.dispatchEvent(ev('pointerdown', x, y));
            for (let i = 1; i <= 5; i++) window.dispatchEvent(ev('pointermove', x + {dx} * i / 5, y + {dy} * i / 5));
            window.dispatchEvent(ev('pointerup', x + {dx}, y + {dy}))""")

    def preview_rev(self) -> int:
        return int(str(self.c.js("document.querySelector('#dz-preview').dataset.rev")))

    def choose(self, selector: str, value: str) -> None:
        self.c.until(f"!!document.querySelector({json.dumps(selector)})")
        self.c.run(f"const s = document.querySelector({json.dumps(selector)}); s.value = {json.dumps(value)}; "
                   "s.dispatchEvent(new Event('change', {bubbles: true}))")


def _shot(c: Console, tmp_path: Path, name: str) -> None:
    folder = DOCS if os.environ.get("LOTLINE_SCREENSHOTS") == "1" else tmp_path
    path = folder / f"label-designer-{name}.png"
    c.browser.call("screenshot", path=str(path))
    assert path.stat().st_size > 20_000, f"{path} looks empty"


def test_qa_manager_designs_the_logistic_label_and_saves_a_new_version(console_plant: Plant,  # noqa: F811
                                                                       tmp_path: Path) -> None:
    plant = console_plant
    _install_shipped_templates(plant.backend.url)
    plant.db("UPDATE label_template SET in_use = 1 WHERE code = ?", CODE)   # as a print marks it
    c = Console(tmp_path, plant.backend.url, width=1440, height=900, locale="en-US", name="designer")
    try:
        d = Designer(c)
        c.log_in("qa")
        c.go("/console/labels/", "labels")
        c.click_to(f"#design-{CODE}", "designer")
        c.until("Number(document.querySelector('#dz-preview').dataset.rev) >= 1")   # the renderer's first picture
        first_etag = c.js("document.querySelector('#dz-preview').dataset.etag")

        # Drag: the SSCC text moves by whole 0.5 mm steps.
        before = d.el("sscc-text")
        d.gesture("#dz-el-sscc-text", 60, 6)
        moved = d.el("sscc-text")
        assert float(moved["x_mm"]) > float(before["x_mm"]) + 5 and float(moved["y_mm"]) > float(before["y_mm"])  # type: ignore[arg-type]
        assert float(moved["x_mm"]) * 2 == int(float(moved["x_mm"]) * 2)   # type: ignore[arg-type]

        # Resize: the SSCC barcode's handle pulled down makes its bars taller.
        d.gesture("#dz-el-sscc-barcode", 0, 0)
        c.until("!!document.querySelector('#dz-handle')")
        d.gesture("#dz-handle", 0, -20)
        assert float(d.el("sscc-barcode")["height_mm"]) < 30   # type: ignore[arg-type]

        # Align two texts left (shift-click selects both), undo, redo.
        d.gesture("#dz-el-sscc-title", 0, 0)
        d.gesture("#dz-el-sscc-text", 0, 0, shift=True)
        c.until("lotlineDesigner.S.selected.length === 2")
        c.click("#dz-align-left")
        c.until("lotlineDesigner.byId('sscc-text').x_mm === lotlineDesigner.byId('sscc-title').x_mm")
        c.click("#dz-undo")
        c.until(f"lotlineDesigner.byId('sscc-text').x_mm === {moved['x_mm']}")
        c.click("#dz-redo")
        c.until("lotlineDesigner.byId('sscc-text').x_mm === lotlineDesigner.byId('sscc-title').x_mm")

        # Bind the consignee line to another field: the preview is drawn again by the server's renderer.
        rev = d.preview_rev()
        d.gesture("#dz-el-to", 0, 0)
        d.choose("#dz-p-field", "site.name")
        assert d.el("to")["source"]["field"] == "site.name"   # type: ignore[index]
        c.until(f"Number(document.querySelector('#dz-preview').dataset.rev) > {rev} && "
                f"document.querySelector('#dz-preview').dataset.etag !== {json.dumps(first_etag)}")
        assert c.js("document.querySelectorAll('#dz-faults li').length") == 0
        _shot(c, tmp_path, "desktop-en")

        # A fault is shown on the element it names (here: moved past the label's edge), and undoing it clears it.
        d.gesture("#dz-el-count", 0, 0)
        c.fill("#dz-p-x_mm", "140")
        c.run("document.querySelector('#dz-p-x_mm').dispatchEvent(new Event('change', {bubbles: true}))")
        c.until("document.querySelector('#dz-el-count')?.classList.contains('dz-fault')")
        assert "past the label's width" in c.text("#dz-faults")
        assert "count" in c.text("#dz-faults")
        c.click("#dz-undo")
        c.until("!document.querySelector('#dz-faults li') && !document.querySelector('.dz-fault')")

        # Save: the printed version 1 stays as it was; version 2 holds the design.
        c.click("#dz-save")
        c.until("document.querySelector('#dz-status').dataset.version === '2'")
        assert "new version 2" in c.text("#dz-status")
        stored = dict(plant.db("SELECT version, doc FROM label_template WHERE code = ?", CODE))
        assert set(stored) == {1, 2}
        v1, v2 = json.loads(stored[1]), json.loads(stored[2])
        to_v2 = next(e for e in v2["elements"] if e["id"] == "to")
        to_v1 = next(e for e in v1["elements"] if e["id"] == "to")
        assert to_v2["source"]["field"] == "site.name" and to_v1["source"]["field"] == "shipment.customer_name"
        assert c.foreign_requests() == []

        # The same page in Chinese.
        c.go("/console/lang?to=zh-CN&next=/console/labels/" + CODE, "designer")
        c.until("Number(document.querySelector('#dz-preview').dataset.rev) >= 1")
        assert "标签设计器" in c.text("h1")
        _shot(c, tmp_path, "desktop-zh-CN")
    finally:
        c.close()

"""The console's dashboards and master data in Chromium: a QA manager filters the defect Pareto and clicks a bar to
see the inspections behind it; an administrator imports an XLSX with a bad row (the row is named, nothing is
written), then the fixed file; a picker is refused these pages. Screenshots of the dashboards (desktop 1440×900 and
phone 412×915, in en and zh-CN) go to docs/console-dashboard-*.png with LOTLINE_SCREENSHOTS=1, else to the test's
folder. Every step waits on a condition in the page (tests/browser/test_console_browser.py's Console)."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import pytest
from openpyxl import Workbook

import tests.browser.test_console_browser as base
from tests.browser.conftest import Plant
from tests.browser.test_console_browser import Console

console_plant, console = base.console_plant, base.console   # the same fixtures as the console's first browser test

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SUPPLIER = "SUP-NBP"   # the demo's resin supplier, whose lots failed IQC with D-MFI


def _dashboards_drawn(c: Console) -> None:
    c.until("document.body.dataset.ready === '1' && "
            "[...document.querySelectorAll('.dash-chart')].every((e) => e.dataset.ready === '1')")


def _click_first_bar(c: Console, code: str) -> None:
    """A real click on the chart's canvas, over the middle of the first bar (ECharts hit-tests it)."""
    c.run(f"""
      const chart = window.lotlineDashboards.charts[{json.dumps(code)}];
      const option = chart.getOption();
      const value = option.series[0].data[0];
      const [x, top] = chart.convertToPixel({{seriesIndex: 0}}, [0, value]);
      const [, bottom] = chart.convertToPixel({{seriesIndex: 0}}, [0, 0]);
      const canvas = chart.getDom().querySelector('canvas');
      const box = chart.getDom().getBoundingClientRect();
      const at = {{clientX: box.left + x, clientY: box.top + (top + bottom) / 2, bubbles: true}};
      window.__leaving = true;
      for (const type of ['pointerdown', 'mousedown', 'pointerup', 'mouseup', 'click']) {{
        const Kind = type.startsWith('pointer') ? PointerEvent : MouseEvent;
        canvas.dispatchEvent(new Kind(type, at));
      }}""")
    c.until("!window.__leaving && document.readyState === 'complete' && "
            "document.body.dataset.page === 'dashboard-drill'")


def test_qa_manager_filters_the_pareto_and_drills_into_a_bar(console: Console, console_plant: Plant) -> None:
    c = console
    c.log_in("qa")
    c.go("/console/dashboards/", "dashboards")
    _dashboards_drawn(c)
    assert not c.js("document.querySelector('#dash-filter-box').open")   # no filter yet: folded away
    c.click("#dash-filter-toggle")
    c.fill("#dash-supplier", SUPPLIER)
    c.click_to("#dash-apply", "dashboards")
    _dashboards_drawn(c)
    assert c.js("new URL(location.href).searchParams.get('supplier')") == SUPPLIER
    pareto = json.loads(str(c.js("document.querySelector('#card-defect_pareto script').textContent")))
    first_code, first_count = pareto["rows"][0][0], pareto["rows"][0][1]
    assert first_code == "D-MFI"
    assert "Not filtered by: Supplier" in c.text("#card-output_vs_work_orders")
    png = str(c.js("window.lotlineDashboards.charts.defect_pareto.getDataURL({type: 'png'})"))
    assert png.startswith("data:image/png;base64,")
    c.shot("dashboard-desktop-en")

    _click_first_bar(c, "defect_pareto")
    assert f"code = {first_code}" in c.text("#drill-point")
    assert c.js("new URL(location.href).searchParams.get('supplier')") == SUPPLIER   # the filters came along
    table = c.text("#drill-table")
    assert SUPPLIER in table and "Inspected (day)" in table
    drilled = console_plant.db(
        "SELECT SUM(json_extract(d.value, '$.count')) FROM inspection i, json_each(i.defects) d "
        "JOIN unit u ON u.id = i.unit_id JOIN supplier s ON s.id = u.supplier_id "
        "WHERE json_extract(d.value, '$.code') = ? AND s.code = ?", first_code, SUPPLIER)[0][0]
    assert drilled == first_count
    csv = str(c.js("fetch(document.querySelector('#drill-csv').href).then(r => r.text())"))
    assert len(csv.strip().splitlines()) - 1 == int(str(c.js("document.querySelectorAll('#drill-table tbody tr')"
                                                             ".length")))
    c.click_to("#drill-back", "dashboards")
    assert str(c.js("document.querySelector('#dash-supplier').value")) == SUPPLIER
    assert c.foreign_requests() == []


def _workbook(*rows: tuple[object, ...]) -> str:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return base64.b64encode(out.getvalue()).decode()


def _choose_file(c: Console, name: str, data: str) -> None:
    """What picking a file in the dialog does: the input's FileList holds it."""
    c.run(f"""
      const bytes = Uint8Array.from(atob({json.dumps(data)}), (ch) => ch.charCodeAt(0));
      const list = new DataTransfer();
      list.items.add(new File([bytes], {json.dumps(name)}, {{type: {json.dumps(XLSX)}}}));
      document.querySelector('#md-file').files = list.files""")


def test_admin_imports_an_xlsx_with_a_bad_row_then_the_fixed_one(console: Console, console_plant: Plant) -> None:
    c, plant = console, console_plant
    c.log_in("admin")
    c.go("/console/masterdata/import", "masterdata-import")
    c.run("document.querySelector('#md-entity').value = 'items'")
    bad = _workbook(("part_no", "name", "tracking", "shelf_life_days"), ("XL-01", "垫圈 Washer", "lot", 365),
                    ("XL-02", "Bolt", "lot", -5), ("XL-03", "Nut", "serial", None))
    _choose_file(c, "items.xlsx", bad)
    c.click("#md-upload")
    c.wait_text("#import-refused", "nothing was imported", "1 problem")
    assert "3\tshelf_life_days" in c.text("#import-error-table")     # Excel row 3, the column, and why
    assert plant.db("SELECT part_no FROM item WHERE part_no LIKE 'XL-%'") == []

    good = _workbook(("part_no", "name", "tracking", "shelf_life_days"), ("XL-01", "垫圈 Washer", "lot", 365),
                     ("XL-02", "Bolt", "lot", 5), ("XL-03", "Nut", "serial", None))
    _choose_file(c, "items-fixed.xlsx", good)
    c.click("#md-upload")
    c.wait_text("#import-ok", "items-fixed.xlsx: 3 row(s) imported")
    assert plant.db("SELECT part_no, name, shelf_life_days FROM item WHERE part_no LIKE 'XL-%' ORDER BY part_no") == \
        [("XL-01", "垫圈 Washer", 365), ("XL-02", "Bolt", 5), ("XL-03", "Nut", None)]
    c.go("/console/masterdata/items?q=XL-&sort=part_no&dir=desc", "masterdata")
    assert c.text("#md-table tbody tr:first-child td:first-child") == "XL-03"
    assert c.foreign_requests() == []


def test_a_picker_is_refused_dashboards_master_data_and_users(console: Console) -> None:
    console.log_in("picker")
    for path in ("/console/dashboards/", "/console/masterdata/import", "/console/users/", "/console/rules/"):
        console.go(path, "error")
        assert console.text("#error-title") == "Not allowed", path
    console.go("/console/", "home")
    assert console.js("!document.querySelector('.nav-dashboards') && !document.querySelector('.nav-masterdata')")


@pytest.mark.parametrize(("width", "height", "locale", "name"), [
    (412, 915, "zh-CN", "phone-zh-CN"), (412, 915, "en-US", "phone-en"), (1440, 900, "zh-CN", "desktop-zh-CN")])
def test_dashboards_in_each_size_and_language(console_plant: Plant, tmp_path: Path, width: int, height: int,
                                              locale: str, name: str) -> None:
    c = Console(tmp_path, console_plant.backend.url, width=width, height=height, locale=locale, name=name)
    c.shots = tmp_path
    try:
        c.log_in("qa")
        c.go("/console/dashboards/", "dashboards")
        _dashboards_drawn(c)
        assert ("数据看板" if locale == "zh-CN" else "Dashboards") in c.text("h1")
        scroll = c.js("document.documentElement.scrollWidth")
        assert scroll == width, f"the page scrolls sideways: {scroll}px wide"
        c.shot(f"dashboard-{name}")
        assert c.foreign_requests() == []
    finally:
        c.close()

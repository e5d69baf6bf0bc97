"""Rendered labels for the docs, zh-CN and en, into docs/screenshots/label-*.png: only with LOTLINE_SCREENSHOTS=1,
like the other screenshot tests. Each is read back before it is written, so the picture shows a label that scans."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from backend.labels.binding import normalise
from backend.labels.layout import LabelPlan
from backend.labels.png import render_png
from shared_models.labels import check_template

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(os.environ.get("LOTLINE_SCREENSHOTS") != "1",
                                reason="set LOTLINE_SCREENSHOTS=1 to rewrite docs/screenshots/")
DATA = {
    "zh-CN": {"site.name": "苏州工厂", "shipment.customer_name": "国网江苏省电力有限公司",
              "container.content_lot": "批次L2026-118"},
    "en": {"site.name": "Suzhou plant", "shipment.customer_name": "State Grid Jiangsu",
           "container.content_lot": "L2026-118"},
}


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_logistic_label_screenshot(locale: str) -> None:
    doc = check_template(json.loads((ROOT / "assets/labels/gs1-logistic-sscc.json").read_text(encoding="utf-8")))
    data = normalise(doc.sample | DATA[locale])
    png = render_png(LabelPlan(doc, 300).place(data), strict=True)
    found = {b.text for b in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))}
    assert found == {"(00)095060001343528020", "(02)09506000134352(37)24"}
    (ROOT / "docs" / "screenshots" / f"label-{locale}.png").write_bytes(png)

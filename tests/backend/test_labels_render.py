"""One renderer, three back ends: every shipped template drawn to PNG, to PDF (read back with pdftoppm) and to ZPL,
and every barcode decoded with zxing-cpp to exactly the data bound to it."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from backend.labels.binding import normalise
from backend.labels.code128 import gs1_sequence, plan
from backend.labels.layout import LabelPlan, Layout, Symbol
from backend.labels.pdf import SheetGrid, render_pdf
from backend.labels.png import render_png
from backend.labels.zpl import render_zpl
from shared_models.gs1 import GS1Message, parse
from shared_models.labels import LabelTemplateDoc, Symbology, check_template

SHIPPED = Path(__file__).resolve().parents[2] / "assets" / "labels"
TEMPLATES = sorted(p.stem for p in SHIPPED.glob("*.json"))
SYMBOLOGY_OF = {  # what zxing-cpp reports for each symbology
    Symbology.GS1_128: "Code128", Symbology.CODE128: "Code128", Symbology.EAN13: "EAN13",
    Symbology.GS1_DATAMATRIX: "DataMatrix", Symbology.QR: "QRCode", Symbology.DIGITAL_LINK_QR: "QRCode",
}


def shipped(name: str) -> LabelTemplateDoc:
    return check_template(json.loads((SHIPPED / f"{name}.json").read_text(encoding="utf-8")))


def laid_out(name: str, dpi: int | None = None) -> Layout:
    doc = shipped(name)
    return LabelPlan(doc, dpi or doc.dpi).place(normalise(doc.sample))


def bound(layout: Layout) -> list[tuple[str, str]]:
    """(zxing format, the data as a reader must see it) of every symbol on the label."""
    out = []
    for sym in layout.items:
        if isinstance(sym, Symbol):
            text = sym.message.hri() if sym.message is not None and sym.symbology is not Symbology.DIGITAL_LINK_QR \
                else sym.data
            out.append((SYMBOLOGY_OF[sym.symbology], text))
    return sorted(out)


def decoded(image: Image.Image) -> list[tuple[str, str]]:
    found = []
    for b in zxingcpp.read_barcodes(image):
        text = b.text
        if b.content_type == zxingcpp.ContentType.GS1:  # compared as GS1 data, element by element
            text = parse(b.text, requisites=False).hri()
        found.append((b.format.name, text))
    return sorted(found)


def test_the_shipped_templates_use_every_symbology() -> None:
    used = {el.symbology for name in TEMPLATES for el in shipped(name).elements if el.type == "barcode"}
    assert used == set(Symbology)
    assert {"gs1-logistic-sscc", "product-datamatrix", "digital-link-qr", "raw-material-lot",
            "small-serial"} <= set(TEMPLATES)


@pytest.mark.parametrize("dpi", [203, 300, 600])
@pytest.mark.parametrize("name", TEMPLATES)
def test_every_template_renders_to_a_png_whose_barcodes_read_back_as_bound(name: str, dpi: int) -> None:
    layout = laid_out(name, dpi)
    image = Image.open(io.BytesIO(render_png(layout, strict=True)))
    assert image.size == (layout.width, layout.height)
    assert image.info["dpi"] == pytest.approx((dpi, dpi), abs=0.01)  # PNG stores dots per metre
    assert bound(layout) and decoded(image) == bound(layout)


def test_gs1_data_reads_back_element_for_element() -> None:
    layout = laid_out("product-datamatrix")
    [dm] = [s for s in layout.items if isinstance(s, Symbol) and s.symbology is Symbology.GS1_DATAMATRIX]
    [result] = zxingcpp.read_barcodes(Image.open(io.BytesIO(render_png(layout))), formats=zxingcpp.DataMatrix)
    assert result.symbology_identifier == "]d2"
    assert parse(result.bytes.decode("ascii")).as_dict() == {
        "01": "06901234000016", "17": "271231", "10": "L2026-118", "21": "SN000123"}
    assert dm.message is not None and dm.message.as_dict() == parse(result.bytes.decode("ascii")).as_dict()


pdftoppm = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs pdftoppm (poppler-utils, .ci/deps.sh)")


def pdf_pages(pdf: bytes, tmp_path: Path, dpi: int = 300) -> list[Image.Image]:
    source = tmp_path / "labels.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", str(source), str(tmp_path / "page")], check=True)
    return [Image.open(p) for p in sorted(tmp_path.glob("page-*.png"))]


@pdftoppm
@pytest.mark.parametrize("name", TEMPLATES)
def test_every_template_as_a_roll_pdf_reads_back_as_bound(name: str, tmp_path: Path) -> None:
    layout = laid_out(name)
    pages = pdf_pages(render_pdf([layout], copies=2, sheet="roll"), tmp_path)
    assert len(pages) == 2
    for page in pages:
        assert decoded(page) == bound(layout)


@pdftoppm
def test_an_a4_sheet_holds_n_up_labels_each_reading_back(tmp_path: Path) -> None:
    layout = laid_out("product-datamatrix")
    grid = SheetGrid.for_label(55, 40)
    assert (grid.columns, grid.rows) == (3, 6)
    pages = pdf_pages(render_pdf([layout], copies=grid.per_sheet + 1, sheet="a4"), tmp_path, dpi=200)
    assert len(pages) == 2
    first = decoded(pages[0])
    assert len(first) == 2 * grid.per_sheet and set(first) == set(bound(layout))
    assert decoded(pages[1]) == bound(layout)


def test_gs1_128_is_planned_with_fnc1_and_code_c_for_digits() -> None:
    message = GS1Message((("02", "09506000134352"), ("37", "24"), ("10", "LOT42")), requisites=False)
    p = plan(gs1_sequence(message))
    # start C, FNC1, 0209506000134352 in pairs, 3724 in pairs, FNC1 after the variable-length (37), then B for 10LOT42
    assert p.zpl == ">;>8" + "0209506000134352" + "3724" + ">8" + "10" + ">6LOT42"
    assert p.symbols == 2 + 8 + 2 + 1 + 1 + 1 + 5
    assert plan(list("AB>^~_1")).zpl == ">:AB>0><>=_1"  # ZPL's own characters as invocation codes


def test_zpl_labels_use_the_printers_resolution_and_native_symbols() -> None:
    zpl = render_zpl([laid_out("product-datamatrix", 300)], copies=3).decode("utf-8")
    assert zpl.startswith("^XA^CI28^PW650^LL472^LH0,0") and zpl.endswith("^PQ3^XZ\n")
    assert "^BXN,6,200,0,0,6,#,1^FD#101069012340000161727123110L2026-118#121SN000123^FS" in zpl
    assert "^BEN,94,N,N^FD690123400001^FS" in zpl
    assert "^A@N,42,42,E:LOTCJK.TTF^FD智能电表 ^FS" in zpl  # the Chinese run in the downloaded CJK font
    assert "^A@N,42,42,E:LOTSANSB.TTF^FDSmart meter^FS" in zpl  # the Latin run in the bold Latin font
    sscc = render_zpl([laid_out("gs1-logistic-sscc", 203)]).decode("utf-8")
    assert "^BY4,3,240^BCN,240,N,N,N^FD>;>800095060001343528020^FS" in sscc
    qr = render_zpl([laid_out("digital-link-qr", 600)]).decode("utf-8")
    assert "^BQN,2,10^FDMA,https://id.gs1.org/01/06901234000016/10/L2026-118/21/SN000123^FS" in qr


# A folder holding node_modules/zpl-renderer-js: tests/backend/zpl_renderer, which .ci/deps.sh installs (npm ci).
ZEBRASH = os.environ.get("LOTLINE_ZPL_RENDERER", str(Path(__file__).resolve().parent / "zpl_renderer"))
RENDER_JS = """
const { ready } = require("zpl-renderer-js");
const fs = require("node:fs");
(async () => { const { api } = await ready;
  for (const [src, out] of JSON.parse(process.argv[1])) {
    const png = await api.zplToBase64Async(fs.readFileSync(src, "utf8"), 150, 160, 8);
    fs.writeFileSync(out, Buffer.from(png, "base64")); } })().catch(e => { console.error(e); process.exit(1); });
"""


@pytest.mark.skipif(not (Path(ZEBRASH) / "node_modules" / "zpl-renderer-js").is_dir() or not shutil.which("node"),
                    reason="npm's zpl-renderer-js is missing (.ci/deps.sh: npm ci in tests/backend/zpl_renderer)")
def test_zpl_drawn_by_an_independent_renderer_reads_back_as_bound(tmp_path: Path) -> None:
    """zebrash (Go, via zpl-renderer-js) draws the ZPL as a printer would. Its ^BC mistakes >5 (switch to
    subset C) for FNC4, against the ZPL II guide's table, so symbols whose plan switches B -> C are left out."""
    jobs, layouts = [], {}
    for name in TEMPLATES:
        layouts[name] = laid_out(name, 203)
        (tmp_path / f"{name}.zpl").write_bytes(render_zpl([layouts[name]]))
        jobs.append([str(tmp_path / f"{name}.zpl"), str(tmp_path / f"{name}.png")])
    subprocess.run(["node", "-e", RENDER_JS, json.dumps(jobs)], cwd=ZEBRASH, check=True, timeout=300)
    for name, layout in layouts.items():
        expected = [b for b, sym in zip(bound(layout), sorted_symbols(layout), strict=True)
                    if not (sym.symbology in (Symbology.CODE128, Symbology.GS1_128) and ">5" in zpl_plan(sym))]
        assert set(expected) <= set(decoded(Image.open(tmp_path / f"{name}.png"))), name


def sorted_symbols(layout: Layout) -> list[Symbol]:
    syms = [s for s in layout.items if isinstance(s, Symbol)]
    key = {id(s): k for s, k in zip(syms, [(SYMBOLOGY_OF[s.symbology], s.message.hri() if s.message is not None
                                             and s.symbology is not Symbology.DIGITAL_LINK_QR else s.data)
                                            for s in syms], strict=True)}
    return sorted(syms, key=lambda s: key[id(s)])


def zpl_plan(sym: Symbol) -> str:
    return plan(gs1_sequence(sym.message) if sym.message is not None else list(sym.data)).zpl

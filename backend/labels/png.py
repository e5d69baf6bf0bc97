"""The PNG back end (Pillow): a laid-out label drawn dot for dot at its resolution, as the preview shows it."""

from __future__ import annotations

import io
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw

from backend.labels.errors import LabelDoesNotFit
from backend.labels.layout import Layout, Picture, Rule, Symbol, Text
from backend.labels.symbols import modules
from backend.labels.typefaces import LabelFonts, label_fonts, pil_font, run_width
from shared_models.labels import Symbology

HRI_GAP_MM = 0.5
#: Quiet zones in modules a symbol needs on each side (ISO/IEC 15417, 15420, 16022, 18004).
QUIET = {Symbology.GS1_128: 10, Symbology.CODE128: 10, Symbology.EAN13: 11, Symbology.GS1_DATAMATRIX: 1,
         Symbology.QR: 4, Symbology.DIGITAL_LINK_QR: 4}


@lru_cache(maxsize=64)
def bitmap(png: bytes, width: int, height: int) -> Image.Image:
    """An image element at its size in dots, black and white as a label printer prints it."""
    with Image.open(io.BytesIO(png)) as src:
        rgba = src.convert("RGBA")
    white = Image.new("RGBA", rgba.size, "white")
    grey = Image.alpha_composite(white, rgba).convert("L").resize((width, height), Image.Resampling.LANCZOS)
    return grey.point(lambda v: 0 if v < 128 else 255)


def symbol_bitmap(sym: Symbol) -> np.ndarray:
    """The symbol's dark dots (True) at its module size; linear symbols as tall as their bars."""
    dark = modules(sym.symbology, sym.data, sym.element)
    if sym.height:
        return np.repeat(np.repeat(dark, sym.module, axis=1), sym.height, axis=0)
    return np.repeat(np.repeat(dark, sym.module, axis=0), sym.module, axis=1)


def text_width(fonts: LabelFonts, item: Text) -> int:
    """The text's width in dots as drawn, every run in its own font."""
    return round(sum(run_width(run, path, item.size) for run, path, _ in
                     fonts.runs(item.text, bold=item.bold, cjk=item.cjk)))


def _check(layout: Layout, name: str, right: int, bottom: int) -> None:
    if right > layout.width or bottom > layout.height:
        dpmm = layout.dpi / 25.4
        raise LabelDoesNotFit(f"{name} reaches {right / dpmm:.1f} x {bottom / dpmm:.1f} mm, past the label's "
                              f"{layout.width / dpmm:.1f} x {layout.height / dpmm:.1f} mm: move it, shrink it or "
                              "shorten its data.", element=name)


def draw(layout: Layout, fonts: LabelFonts | None = None, *, strict: bool = False) -> Image.Image:
    """The label as a greyscale image. `strict`: raise LabelDoesNotFit for an element drawn past the label's edge
    (templates are checked so when stored)."""
    fonts = fonts or label_fonts()
    canvas = Image.new("L", (layout.width, layout.height), 255)
    pen = ImageDraw.Draw(canvas)
    for item in layout.items:
        if isinstance(item, Rule):
            pen.rectangle((item.x, item.y, item.x + item.width - 1, item.y + item.height - 1), fill=0)
        elif isinstance(item, Picture):
            canvas.paste(bitmap(item.png, item.width, item.height), (item.x, item.y))
        elif isinstance(item, Text):
            _text(pen, fonts, item, layout, strict)
        else:
            _symbol(canvas, pen, fonts, item, layout, strict)
    return canvas


def _text(pen: ImageDraw.ImageDraw, fonts: LabelFonts, item: Text, layout: Layout, strict: bool) -> None:
    runs = fonts.runs(item.text, bold=item.bold, cjk=item.cjk)
    width = round(sum(run_width(run, path, item.size) for run, path, _ in runs))
    x: float = item.x
    if item.width is not None and item.align != "left":
        x += (item.width - width) // (2 if item.align == "center" else 1)
    if strict:
        _check(layout, f"text '{item.text[:20]}'", max(round(x) + width, item.x + (item.width or 0)),
               item.y + item.size)
    for run, path, stroke in runs:
        pen.text((x, item.y), run, font=pil_font(path, item.size), fill=0, anchor="la",
                 stroke_width=1 if stroke else 0, stroke_fill=0)
        x += run_width(run, path, item.size)


def _symbol(canvas: Image.Image, pen: ImageDraw.ImageDraw, fonts: LabelFonts, sym: Symbol, layout: Layout,
            strict: bool) -> None:
    dark = symbol_bitmap(sym)
    height, width = dark.shape
    hri_top = sym.y + height + round(HRI_GAP_MM * layout.dpi / 25.4)
    if strict:
        quiet = QUIET[sym.symbology] * sym.module
        if sym.x < quiet:
            raise LabelDoesNotFit(f"{sym.element} starts {sym.x * 25.4 / layout.dpi:.1f} mm from the label's edge; "
                                  f"its quiet zone needs {quiet * 25.4 / layout.dpi:.1f} mm.", element=sym.element)
        _check(layout, sym.element, sym.x + width + quiet,  # quiet zone included
               hri_top + sym.hri_size if sym.hri else sym.y + height)
    canvas.paste(Image.fromarray(np.where(dark, 0, 255).astype(np.uint8), "L"), (sym.x, sym.y))
    if sym.hri:
        hri = Text(sym.x, hri_top, width, sym.hri, sym.hri_size, False, False, "center")
        _text(pen, fonts, hri, layout, False)


def render_png(layout: Layout, fonts: LabelFonts | None = None, *, strict: bool = False) -> bytes:
    out = io.BytesIO()
    draw(layout, fonts, strict=strict).save(out, format="PNG", dpi=(layout.dpi, layout.dpi))
    return out.getvalue()

"""The PDF back end (fpdf2): labels on a roll (one label a page, the page the label's size) or N-up on A4 sheets,
each label as many times as copies asked for. Bars and modules are vector rectangles at the printer's dot grid, so
a PDF printed at the template's resolution scans like the ZPL label."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from fpdf import FPDF
from fpdf.enums import TextMode

from backend.labels.layout import Layout, Picture, Rule, Symbol, Text
from backend.labels.png import HRI_GAP_MM
from backend.labels.symbols import modules
from backend.labels.typefaces import LabelFonts, ascent, label_fonts, run_width

Sheet = Literal["roll", "a4"]
A4_MM = (210.0, 297.0)
SHEET_MARGIN_MM = 8.0
SHEET_GAP_MM = 2.0


@dataclass(frozen=True)
class SheetGrid:
    """Where labels go on an A4 sheet: columns x rows from the margins and the gap between labels."""

    columns: int
    rows: int
    width_mm: float
    height_mm: float

    @classmethod
    def for_label(cls, width_mm: float, height_mm: float) -> SheetGrid:
        usable_w, usable_h = A4_MM[0] - 2 * SHEET_MARGIN_MM, A4_MM[1] - 2 * SHEET_MARGIN_MM
        columns = max(1, int((usable_w + SHEET_GAP_MM) // (width_mm + SHEET_GAP_MM)))
        rows = max(1, int((usable_h + SHEET_GAP_MM) // (height_mm + SHEET_GAP_MM)))
        return cls(columns, rows, width_mm, height_mm)

    @property
    def per_sheet(self) -> int:
        return self.columns * self.rows

    def origin(self, index: int) -> tuple[float, float]:
        slot = index % self.per_sheet
        return (SHEET_MARGIN_MM + (slot % self.columns) * (self.width_mm + SHEET_GAP_MM),
                SHEET_MARGIN_MM + (slot // self.columns) * (self.height_mm + SHEET_GAP_MM))


class _Page:
    """Draws one label's items at an offset on the current page."""

    def __init__(self, pdf: FPDF, fonts: LabelFonts, dpi: int) -> None:
        self.pdf, self.fonts, self.mm = pdf, fonts, 25.4 / dpi
        self.added: set[str] = set()

    def use_font(self, path: Path | None, *, bold: bool, size_dots: int) -> float:
        """Sets the font; returns the baseline's offset in mm below the text's top."""
        size_pt = size_dots * self.mm * 72 / 25.4
        if path is None:
            self.pdf.set_font("helvetica", "B" if bold else "", size_pt)
            return size_pt * 0.3528 * 0.8
        role = self.fonts.role(path)
        if role not in self.added:
            self.pdf.add_font(role, "", str(path))
            self.added.add(role)
        self.pdf.set_font(role, "", size_pt)
        return ascent(path) * size_dots * self.mm

    def label(self, layout: Layout, ox: float, oy: float) -> None:
        rects: list[tuple[float, float, float, float]] = []
        for item in layout.items:
            if isinstance(item, Rule):
                rects.append((ox + item.x * self.mm, oy + item.y * self.mm, item.width * self.mm,
                              item.height * self.mm))
            elif isinstance(item, Picture):
                self.pdf.image(io.BytesIO(item.png), ox + item.x * self.mm, oy + item.y * self.mm,
                               item.width * self.mm, item.height * self.mm)
            elif isinstance(item, Text):
                self.text(item, ox, oy)
            else:
                rects.extend(self.symbol(item, ox, oy))
        self.fill(rects)

    def text(self, item: Text, ox: float, oy: float, width_mm: float | None = None) -> None:
        runs = self.fonts.runs(item.text, bold=item.bold, cjk=item.cjk)
        x = ox + item.x * self.mm
        box = width_mm if width_mm is not None else (item.width * self.mm if item.width else None)
        if box is not None and item.align != "left":
            gap = box - sum(run_width(run, path, item.size) for run, path, _ in runs) * self.mm
            x += gap / 2 if item.align == "center" else gap
        for run, path, stroke in runs:
            drop = self.use_font(path, bold=item.bold, size_dots=item.size)
            self.pdf.text_mode = TextMode.FILL_STROKE if stroke else TextMode.FILL
            self.pdf.text(x, oy + item.y * self.mm + drop, run)
            x += self.pdf.get_string_width(run) if len(runs) > 1 else 0

    def symbol(self, sym: Symbol, ox: float, oy: float) -> list[tuple[float, float, float, float]]:
        dark = modules(sym.symbology, sym.data, sym.element)
        m = sym.module * self.mm
        x0, y0 = ox + sym.x * self.mm, oy + sym.y * self.mm
        bar_h = sym.height * self.mm if sym.height else m
        rects = [(x0 + start * m, y0 + row * m, length * m, bar_h) for row, start, length in runs(dark)]
        if sym.hri:
            width = dark.shape[1] * m
            top = sym.y + (sym.height or 0) + round(HRI_GAP_MM / self.mm)
            self.text(Text(sym.x, top, None, sym.hri, sym.hri_size, False, False, "center"), ox, oy, width)
        return rects

    def fill(self, rects: Iterable[tuple[float, float, float, float]]) -> None:
        """Every rectangle in one fill operation, written straight into the page's content stream: fpdf2's rect()
        costs a state check per call, and a label holds hundreds of module runs."""
        k, h = self.pdf.k, self.pdf.h
        ops = [f"{x * k:.3f} {(h - y - rh) * k:.3f} {w * k:.3f} {rh * k:.3f} re" for x, y, w, rh in rects]
        if ops:
            self.pdf._out("\n".join(ops) + "\nf")


def runs(dark: np.ndarray) -> Iterable[tuple[int, int, int]]:
    """(row, first column, length) of each horizontal run of dark modules."""
    padded = np.zeros((dark.shape[0], dark.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = dark
    edges = np.diff(padded, axis=1)
    rows, starts = np.nonzero(edges == 1)
    _, ends = np.nonzero(edges == -1)
    return zip(rows.tolist(), starts.tolist(), (ends - starts).tolist(), strict=True)


def render_pdf(layouts: Sequence[Layout], *, copies: int = 1, sheet: Sheet = "roll",
               fonts: LabelFonts | None = None, title: str = "Labels") -> bytes:
    """One PDF of every label `copies` times, in order. All layouts share one template (one label size)."""
    if not layouts:
        raise ValueError("no labels to put in a PDF")
    first = layouts[0]
    w_mm, h_mm = first.width * 25.4 / first.dpi, first.height * 25.4 / first.dpi
    pdf = FPDF(unit="mm", format=A4_MM if sheet == "a4" else (w_mm, h_mm))
    pdf.set_title(title)
    pdf.set_creator("Lotline")
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.set_fill_color(0)
    pdf.set_draw_color(0)
    pdf.set_line_width(0.08)
    page = _Page(pdf, fonts or label_fonts(), first.dpi)
    grid = SheetGrid.for_label(w_mm, h_mm)
    n = 0
    for layout in layouts:
        for _ in range(copies):
            if sheet == "roll" or n % grid.per_sheet == 0:
                pdf.add_page()
                pdf.set_fill_color(0)
            ox, oy = grid.origin(n) if sheet == "a4" else (0.0, 0.0)
            page.label(layout, ox, oy)
            n += 1
    return bytes(pdf.output())

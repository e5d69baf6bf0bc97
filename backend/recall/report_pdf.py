"""The recall notice as a PDF: one page (or more) per customer with its shipments and units."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from backend.fonts import FONT_DIRS, find_fonts, glyphs
from backend.recall.models import RecallCase
from backend.recall.schemas import NoticeCustomer

UNRENDERABLE = "[?]"


@dataclass(frozen=True)
class PdfFonts:
    """The fonts a PDF uses: a Latin TTF plus a CJK fallback, either alone, or a core font when none is found."""

    latin: Path | None
    cjk: Path | None

    @property
    def family(self) -> str:
        return "lotline" if self.latin or self.cjk else "helvetica"  # fpdf2 can't hang a TTF fallback on a core font

    def install(self, pdf: FPDF) -> None:
        main = self.latin or self.cjk
        if main is None:
            return
        pdf.add_font("lotline", "", str(main))
        if self.latin and self.cjk:
            pdf.add_font("lotline-cjk", "", str(self.cjk))
            pdf.set_fallback_fonts(["lotline-cjk"])

    def covers(self, ch: str) -> bool:
        if ch == "\n":
            return True
        if self.family == "helvetica":
            return ch.isprintable() and ord(ch) < 256
        return any(ord(ch) in glyphs(p) for p in (self.latin, self.cjk) if p is not None)

    def text(self, value: str) -> str:
        """The text as this PDF can draw it: accents folded, anything else it lacks shown as [?]."""
        if all(self.covers(ch) for ch in value):
            return value
        out: list[str] = []
        for ch in value:
            if not self.covers(ch):
                folded = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
                ch = folded if folded and all(self.covers(c) for c in folded) else UNRENDERABLE
            if ch == UNRENDERABLE and out and out[-1] == UNRENDERABLE:
                continue
            out.append(ch)
        return "".join(out)


def pdf_fonts(dirs: Sequence[Path] = FONT_DIRS) -> PdfFonts:
    found = find_fonts(dirs)
    return PdfFonts(latin=found.latin, cjk=found.cjk)


def notices_pdf(case: RecallCase, notices: Sequence[NoticeCustomer], fonts: PdfFonts) -> bytes:
    """The notices as an A4 PDF. Chinese needs a CJK-capable TTF among `fonts`; without one the PDF still comes
    out, in a core font, with text it cannot draw shown as [?]."""
    pdf = FPDF(format="A4")
    pdf.set_title(f"Recall {case.code}")
    pdf.set_creator("Lotline")
    fonts.install(pdf)
    for n in notices:
        _notice_page(pdf, fonts, case, n)
    if not notices:
        pdf.add_page()
        pdf.set_font(fonts.family, size=11)
        pdf.multi_cell(0, 6, fonts.text(f"Recall {case.code}: no shipped unit reached a customer."))
    return bytes(pdf.output())


def _notice_page(pdf: FPDF, fonts: PdfFonts, case: RecallCase, n: NoticeCustomer) -> None:
    t = fonts.text
    pdf.add_page()
    pdf.set_font(fonts.family, size=16)
    pdf.cell(0, 10, t(f"Recall notice 召回通知  {case.code}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(fonts.family, size=10)
    pdf.multi_cell(0, 5, t(f"{case.title}\n{case.reason}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(fonts.family, size=13)
    pdf.cell(0, 8, t(f"{n.code}  {n.name}  ({n.kind})"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(fonts.family, size=10)
    pdf.cell(0, 6, t(f"Contact: {n.contact or '-'}    Units: {len(n.units)}    Qty: {n.qty:g}"),
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    heading = FontFace(emphasis=None, fill_color=(225, 225, 225))
    with pdf.table(col_widths=(50, 60, 30, 30), headings_style=heading, line_height=6) as table:
        table.row([t(h) for h in ("Shipment 发货单", "Shipped at (UTC)", "Units", "Qty")])
        for s in n.shipments:
            table.row([t(s.reference), s.shipped_at.strftime("%Y-%m-%d %H:%M"), str(s.units), f"{s.qty:g}"])
    pdf.ln(4)
    with pdf.table(col_widths=(60, 40, 40, 25, 25), headings_style=heading, line_height=6) as table:
        table.row([t(h) for h in ("Unit 追溯码", "Part no.", "Shipment", "Qty", "Returned")])
        for ln in n.lines:
            table.row([t(ln.unit), t(ln.part_no or ""), t(", ".join(ln.shipments)), f"{ln.qty:g}",
                       f"{ln.returned_qty:g}"])
    if fonts.cjk is None:
        pdf.ln(3)
        pdf.set_font(fonts.family, size=8)
        pdf.multi_cell(0, 4, f"{UNRENDERABLE} marks text this PDF cannot draw (no CJK font installed); "
                             "the CSV export has it in full.")


__all__ = ["UNRENDERABLE", "PdfFonts", "notices_pdf", "pdf_fonts"]

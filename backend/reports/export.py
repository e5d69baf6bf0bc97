"""A report's rows as files: CSV (streamed), XLSX (xlsxwriter in constant_memory mode: one row in memory at a time)
and PDF (fpdf2, with the CJK font handling of recall notices; capped at PDF_MAX_ROWS rows)."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import xlsxwriter
from fpdf import FPDF
from fpdf.fonts import FontFace

from backend.recall.report_pdf import PdfFonts, pdf_fonts
from backend.reports.schemas import Column

PDF_MAX_ROWS = 2000
XLSX_MAX_ROWS = 1_048_575  # a sheet holds 1,048,576 rows, one of them the header


def _text_cell(value: Any) -> Any:
    # A cell a spreadsheet would read as a formula is kept as text.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return f"'{value}"
    return "" if value is None else value


def csv_chunks(columns: list[Column], rows: Iterable[list[Any]], batch: int = 1000) -> Iterator[bytes]:
    """UTF-8 with a BOM (Excel shows Chinese), the labels as the header, `batch` rows per chunk."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.label for c in columns])
    yield ("\ufeff" + out.getvalue()).encode("utf-8")
    out.seek(0)
    out.truncate()
    for n, row in enumerate(rows, 1):
        writer.writerow([_text_cell(v) for v in row])
        if n % batch == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    if out.tell():
        yield out.getvalue().encode("utf-8")


def write_xlsx(path: Path, title: str, columns: list[Column], rows: Iterable[list[Any]]) -> int:
    """Writes the sheet to `path` row by row (constant_memory: memory stays flat whatever the row count);
    returns the rows written. Stops at a sheet's last row and says so in the row after it."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                           "strings_to_urls": False, "tmpdir": tempfile.gettempdir()})
    sheet = book.add_worksheet(title[:31] or "report")
    bold = book.add_format({"bold": True})
    percent = book.add_format({"num_format": "0.00%"})
    sheet.write_row(0, 0, [c.label for c in columns], bold)
    for n, c in enumerate(columns):
        sheet.set_column(n, n, max(12, min(40, len(c.label) + 4)), percent if c.kind == "percent" else None)
    written = 0
    for row in rows:
        if written == XLSX_MAX_ROWS - 1:
            sheet.write(written + 1, 0, "… more rows than a sheet holds; export CSV for all of them")
            break
        written += 1
        sheet.write_row(written, 0, ["" if v is None else v for v in row])
    sheet.freeze_panes(1, 0)
    if written:
        sheet.autofilter(0, 0, written, len(columns) - 1)
    book.close()
    return written


def file_chunks(path: Path, size: int = 1 << 16) -> Iterator[bytes]:
    """The file's bytes in chunks, then the file removed."""
    try:
        with path.open("rb") as f:
            while chunk := f.read(size):
                yield chunk
    finally:
        path.unlink(missing_ok=True)


def _fmt(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if kind == "percent" and isinstance(value, (int, float)):
        return f"{value * 100:.1f}%"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return str(value)


def report_pdf(title: str, subtitle: str, columns: list[Column], rows: Iterable[list[Any]],
               fonts: PdfFonts | None = None) -> bytes:
    """The table on landscape A4 pages; Chinese needs a CJK font on the machine (else [?], as recall notices)."""
    fonts = fonts or pdf_fonts()
    t = fonts.text
    pdf = FPDF(orientation="L", format="A4")
    pdf.set_title(title)
    pdf.set_creator("Lotline")
    fonts.install(pdf)
    pdf.add_page()
    pdf.set_font(fonts.family, size=14)
    pdf.cell(0, 9, t(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(fonts.family, size=9)
    pdf.multi_cell(0, 5, t(subtitle), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    heading = FontFace(emphasis=None, fill_color=(225, 225, 225))
    shown = 0
    more = False
    with pdf.table(headings_style=heading, line_height=5,
                   text_align=["RIGHT" if c.kind in ("number", "percent") else "LEFT" for c in columns]) as table:
        table.row([t(c.label) for c in columns])
        for row in rows:
            if shown == PDF_MAX_ROWS:
                more = True
                break
            table.row([t(_fmt(v, c.kind)) for v, c in zip(row, columns, strict=True)])
            shown += 1
    if more:
        pdf.ln(2)
        pdf.cell(0, 5, t(f"First {PDF_MAX_ROWS} rows shown; export CSV or XLSX for all."))
    return bytes(pdf.output())


__all__ = ["PDF_MAX_ROWS", "csv_chunks", "file_chunks", "report_pdf", "write_xlsx"]

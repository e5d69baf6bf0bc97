"""An XLSX workbook's first sheet as the CSV text backend/masterdata's import reads: one line per sheet row (blank
rows kept, so a bad row's line number is its row number in Excel), numbers as typed, dates as ISO 8601."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime, time

from openpyxl import load_workbook

from backend.masterdata.errors import CsvRejected, RowError

XLSX_MAGIC = b"PK\x03\x04"


def is_xlsx(data: bytes, filename: str = "") -> bool:
    return data.startswith(XLSX_MAGIC) or filename.lower().endswith(".xlsx")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))          # Excel keeps 12 as 12.0: a GTIN or a quantity means 12
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def xlsx_as_csv(data: bytes) -> str:
    """Raises CsvRejected (line 1) when the bytes are not an XLSX workbook."""
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise CsvRejected([RowError(line=1, column=None,
                                    message=f"the file is not an XLSX workbook Excel can open ({exc})")]) from exc
    try:
        sheet = book.worksheets[0]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        last = 0
        for row in sheet.iter_rows(values_only=False):
            cells = [c for c in row if getattr(c, "row", None)]
            if not cells:
                continue
            number = cells[0].row
            out.write("\n" * (number - last - 1))     # rows the sheet skips are blank lines: numbers stay true
            writer.writerow([_text(c.value) for c in row])
            last = number
        return out.getvalue()
    finally:
        book.close()

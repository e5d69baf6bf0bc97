"""The recall notice as CSV: one row per customer and unit, for Excel or a partner's system."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from backend.recall.schemas import NoticeCustomer

HEADER = ["recall", "customer_code", "customer_name", "customer_kind", "contact", "unit", "part_no", "item_name",
          "qty", "returned_qty", "outstanding_qty", "shipments", "shipped_at"]


def notices_csv(case_code: str, notices: Sequence[NoticeCustomer]) -> bytes:
    """UTF-8 with a BOM so Excel shows Chinese names; a cell Excel would read as a formula is kept as text."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for n in notices:
        dates = {s.reference: s.shipped_at.isoformat() for s in n.shipments}
        for ln in n.lines:
            writer.writerow([_cell(v) for v in (
                case_code, n.code, n.name, n.kind, n.contact, ln.unit, ln.part_no or "", ln.item_name or "",
                f"{ln.qty:g}", f"{ln.returned_qty:g}", f"{max(ln.qty - ln.returned_qty, 0):g}",
                "; ".join(ln.shipments), "; ".join(dates[r] for r in ln.shipments))])
    return out.getvalue().encode("utf-8-sig")


def _cell(value: str) -> str:
    # A cell Excel would read as a formula is kept as text.
    return f"'{value}" if value[:1] in ("=", "+", "-", "@") else value


__all__ = ["notices_csv"]

"""The FSMA 204 sortable spreadsheet's columns, and how Lotline's events map to the rule's critical tracking events.

Columns: the key data elements of 21 CFR part 1 subpart S — §1.1345 (receiving), §1.1340 (shipping), §1.1350
(transformation), §1.1330 (initial packing), §1.1325 (harvesting, cooling), §1.1335 (first land-based receiving) —
laid out one row per event per traceability lot as in FDA's "Electronic Sortable Spreadsheet" template
(https://www.fda.gov/media/179617/download, its PDF rendering https://www.fda.gov/media/179616/download). The
template itself could not be fetched from this machine; the headings below are the KDE names as the rule words
them and should be compared with the template's before a submission. FDA states the template is illustrative:
any sortable spreadsheet holding these KDEs meets §1.1455(c)(3)(ii).

Event mapping (Lotline event -> CTE):
- receive (from a supplier) -> Receiving; return (from a customer) -> Receiving, the customer as previous source;
- produce -> Transformation (the output lot is a new traceability lot code, assigned at the producing site);
- ship -> Shipping (one row per lot or serial shipped, containers opened to what they carry);
- Harvesting, Cooling, Initial Packing and First Land-Based Receiving do not occur in Lotline (no farm or fishing
  vessel events): they never appear; move, pick, pack, count, disposition and verify are not CTEs.
"""

from __future__ import annotations

from typing import Literal

from shared_models.enums import EventType

COLUMNS: list[str] = [
    "Traceability Lot Code (TLC)",
    "Traceability Lot Code Source Location Description",
    "Traceability Lot Code Source Reference",
    "Product Description",
    "Quantity",
    "Unit of Measure",
    "Critical Tracking Event (CTE)",
    "Event Date",
    "Event Time (UTC)",
    "Event Location Description",
    "Immediate Previous Source Location Description",
    "Immediate Subsequent Recipient Location Description",
    "Input Traceability Lot Codes (Transformation)",
    "Reference Document Type",
    "Reference Document Number",
]

CTE: dict[EventType, str] = {
    EventType.RECEIVE: "Receiving",
    EventType.RETURN: "Receiving",
    EventType.PRODUCE: "Transformation",
    EventType.SHIP: "Shipping",
}

REFERENCE_DOCUMENT: dict[EventType, str] = {
    EventType.RECEIVE: "Advance shipping notice",
    EventType.RETURN: "Return note",
    EventType.PRODUCE: "Work order",
    EventType.SHIP: "Delivery note",
}

Format = Literal["csv", "xlsx"]

__all__ = ["COLUMNS", "CTE", "REFERENCE_DOCUMENT", "Format"]

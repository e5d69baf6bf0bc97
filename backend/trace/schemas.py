"""Code resolution, trace and recall answers as the API returns them."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel


class ResolvedPublic(BaseModel):
    """What a scanned or typed code names (GET /api/resolve)."""

    kind: str
    label: str
    id: str
    status: str | None = None
    part_no: str | None = None
    lot_no: str | None = None
    serial: str | None = None
    expires_on: str | None = None
    gs1: dict[str, str] = {}


class TraceNode(BaseModel):
    id: str
    code: str
    kind: str
    status: str
    depth: int
    part_no: str | None = None
    item_name: str | None = None
    lot_no: str | None = None
    serial: str | None = None
    sscc: str | None = None
    supplier: str | None = None
    supplier_lot: str | None = None
    expires_on: date | None = None
    qty_on_hand: float = 0.0
    redacted: bool = False


class TraceEdge(BaseModel):
    parent_id: str
    child_id: str
    qty: float
    kind: str
    event_id: str
    event_type: str
    occurred_at: datetime


class Shipment(BaseModel):
    event_id: str
    reference: str
    shipped_at: datetime
    customer_code: str
    customer_name: str
    customer_kind: str
    units: int
    qty: float


class CustomerReached(BaseModel):
    code: str
    name: str
    kind: str
    shipments: int
    units: int
    qty: float
    first_shipped_at: datetime
    last_shipped_at: datetime


class TraceGraph(BaseModel):
    """One page of a trace: `nodes` in (depth, code) order after the cursor, and each edge once, on the page of
    whichever of its two units comes later (so both are on this page or an earlier one). `total_nodes` counts the
    whole trace; `shipments` and `customers` cover the whole trace and come with the first page. `truncated`:
    more pages follow; ask for them with `next_cursor`."""

    root: TraceNode
    direction: str
    max_depth: int
    nodes: list[TraceNode]
    edges: list[TraceEdge]
    shipments: list[Shipment] = []
    customers: list[CustomerReached] = []
    truncated: bool = False
    total_nodes: int
    next_cursor: str | None = None


class ItemCount(BaseModel):
    part_no: str
    name: str
    units: int


class QtyByUom(BaseModel):
    """Distinct units and their quantity in one unit of measure: kg and pcs are never added together."""

    uom: str
    units: int
    qty: float


class StockAt(BaseModel):
    """What lies at one location in one unit of measure."""

    location: str
    location_name: str
    site: str
    uom: str
    units: int
    qty: float


class RecallTotals(BaseModel):
    units_in_scope: int
    finished_units: int
    in_stock_units: int                 # distinct units, however many locations hold them
    in_stock_by_uom: list[QtyByUom]
    shipped_units: int                  # distinct units, however many customers got part of them
    shipped_by_uom: list[QtyByUom]
    customers: int


class RecallScope(BaseModel):
    seeds: list[str]
    finished_by_item: list[ItemCount]
    finished_units: list[str]
    finished_units_listed: int
    in_stock: list[StockAt]
    shipped: list[CustomerReached]
    totals: RecallTotals

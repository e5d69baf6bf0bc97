"""Writes events, their lines, genealogy edges and the stock projection in one transaction.

Nothing here commits: the service that opened the unit of work commits once every check has passed,
so a refused command leaves no trace.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, select

from backend.auth.principal import Principal
from backend.eventlog import chain
from backend.hooks import note_event
from backend.trace.models import EventLine, GenealogyEdge
from backend.warehouse.errors import EventIdReused, InsufficientStock, QtyBelowPrecision
from shared_models.bounds import QTY_EPSILON, round_to_uom
from shared_models.enums import BUSINESS_STEP, EdgeKind, EventType, LineRole
from shared_models.masterdata import Location
from shared_models.trace import ContainerContent, Event, StockOnHand, Unit
from shared_models.types import utcnow


def fingerprint(command: BaseModel) -> str:
    """Stable hash of what the client asked, to tell a retry from a reused id."""
    payload = command.model_dump(mode="json")
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def event_values(command: BaseModel, event_type: EventType, *, site_id: str, by: Principal,
                 location_id: str | None = None, attributes: dict[str, Any] | None = None,
                 **fields: Any) -> dict[str, Any]:
    """The columns of the event a command records (the rest take the model's defaults)."""
    return {
        "id": str(getattr(command, "id")),  # noqa: B009 - every EventCommand has an id
        "type": event_type, "business_step": BUSINESS_STEP[event_type],
        "occurred_at": getattr(command, "occurred_at"),  # noqa: B009
        "recorded_at": utcnow(), "device_id": getattr(command, "device_id", ""),
        "user_id": by.user_id if by.user_id != "system" else None,
        "site_id": site_id, "location_id": location_id, "note": getattr(command, "note", ""),
        "attributes": {**(attributes or {}), "fingerprint": fingerprint(command)}, **fields,
    }


def uom_qty(qty: float, uom: str | None) -> float:
    """`qty` rounded to the decimals its unit of measure keeps (shared_models.bounds.UOM_DECIMALS): where a command
    meets its unit or item. Raises QtyBelowPrecision when a positive quantity rounds to nothing."""
    try:
        return round_to_uom(qty, uom)
    except ValueError as exc:
        raise QtyBelowPrecision(str(exc)[:1].upper() + str(exc)[1:] + ".", qty=qty, uom=uom) from exc


class Ledger:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._stock: dict[tuple[str, str], StockOnHand | None] = {}
        self.replayed = False  # the last command had been recorded before

    def forget(self) -> None:
        """Drop cached stock rows: each command reads stock afresh (and under a row lock on PostgreSQL)."""
        self._stock.clear()
        self.replayed = False

    def replay(self, command: BaseModel, event_type: EventType) -> Event | None:
        """The stored event when this command was recorded before; raises EventIdReused if the id
        was used for something else."""
        event_id = str(getattr(command, "id"))  # noqa: B009 - every EventCommand has an id
        stored = self.session.get(Event, event_id)
        if stored is None:
            return None
        if stored.type is not event_type or stored.attributes.get("fingerprint") != fingerprint(command):
            raise EventIdReused(event_id)
        self.replayed = True
        return stored

    def open_event(self, command: BaseModel, event_type: EventType, *, site_id: str, by: Principal,
                   location_id: str | None = None, attributes: dict[str, Any] | None = None,
                   **fields: Any) -> Event:
        event = Event(**event_values(command, event_type, site_id=site_id, by=by, location_id=location_id,
                                     attributes=attributes, **fields))
        self.session.add(event)
        note_event(self.session, event.id)
        chain.note(self.session, event)  # linked into its site's hash chain, lines and all, at commit
        return event

    def on_hand(self, unit_id: str, location_id: str) -> float:
        row = self._stock_row(unit_id, location_id)
        return row.qty if row else 0.0

    def stock_of(self, unit_id: str) -> dict[str, float]:
        """Location id → quantity, for every location holding this unit."""
        self.session.flush()
        rows = self.session.exec(select(StockOnHand).where(StockOnHand.unit_id == unit_id,
                                                           StockOnHand.qty > QTY_EPSILON))
        return {r.location_id: r.qty for r in rows}

    def total_on_hand(self, unit_id: str) -> float:
        self.session.flush()
        total = self.session.exec(select(func.sum(StockOnHand.qty)).where(StockOnHand.unit_id == unit_id)).one()
        return float(total or 0.0)

    def line(self, event: Event, unit: Unit, role: LineRole, qty: float, *, from_location: Location | None = None,
             to_location: Location | None = None, book_qty: float | None = None) -> EventLine:
        """Adds a line and moves stock; raises InsufficientStock before touching anything if short, and
        QtyBelowPrecision if `qty` rounds to nothing in the unit's unit of measure."""
        qty = uom_qty(qty, unit.uom)
        if from_location is not None:
            have = self.on_hand(unit.id, from_location.id)
            if have + QTY_EPSILON < qty:
                raise InsufficientStock(unit.code, from_location.code, have, qty)
        if from_location is not None:
            self._add_stock(unit.id, from_location, -qty)
        if to_location is not None:
            self._add_stock(unit.id, to_location, qty)
        line = EventLine(event_id=event.id, unit_id=unit.id, role=role, qty=qty,
                         from_location_id=from_location.id if from_location else None,
                         to_location_id=to_location.id if to_location else None, book_qty=book_qty)
        self.session.add(line)
        return line

    def edge(self, parent: Unit, child: Unit, qty: float, event: Event,
             kind: EdgeKind = EdgeKind.TRANSFORM) -> GenealogyEdge:
        edge = GenealogyEdge(parent_id=parent.id, child_id=child.id, qty=qty, event_id=event.id, kind=kind)
        self.session.add(edge)
        return edge

    def contents(self, container: Unit) -> list[Unit]:
        self.session.flush()
        return list(self.session.exec(
            select(Unit).join(ContainerContent, ContainerContent.unit_id == Unit.id)
            .where(ContainerContent.container_id == container.id).order_by(Unit.code)))

    def _stock_row(self, unit_id: str, location_id: str) -> StockOnHand | None:
        key = (unit_id, location_id)
        if key not in self._stock:
            self._stock[key] = self.session.exec(
                select(StockOnHand).where(StockOnHand.unit_id == unit_id, StockOnHand.location_id == location_id)
                .with_for_update()).first()
        return self._stock[key]

    def _add_stock(self, unit_id: str, location: Location, delta: float) -> None:
        # Rows that fall to zero stay (qty 0): deleting and re-inserting the same key within one flush
        # would trip the unique constraint, and readers filter on qty > 0 anyway.
        row = self._stock_row(unit_id, location.id)
        if row is None:
            row = StockOnHand(unit_id=unit_id, location_id=location.id, qty=0.0, site_id=location.site_id)
            self._stock[(unit_id, location.id)] = row
        row.qty = round(row.qty + delta, 9)
        self.session.add(row)

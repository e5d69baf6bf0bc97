"""Event capture over HTTP: one POST per shop-floor action; a retried POST with the same id stores once.

Every unit, item and location field takes any scan (backend/scans.py): a plain code (`PART/LOT`, `PART/SERIAL`, an
SSCC, a location code), a GS1 element string such as `(01)09501101530003(10)L2024-01`, or a GS1 Digital Link URI."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.openapi.spec import Example
from litestar.params import Body, BodyKwarg, FromPath, JSONBody

from backend.auth.guards import WAREHOUSE, allow
from backend.deps import Caller, Db
from backend.errors import NotFound
from backend.scans import plain_codes
from backend.warehouse.schemas import EVENT_EXAMPLES, EventPublic, UnitStatusChange, event_public
from backend.warehouse.status_service import StatusService
from backend.warehouse.warehouse_service import WarehouseService
from shared_models import commands as cmd
from shared_models.enums import StatusAction
from shared_models.status import RULES
from shared_models.trace import Event

MOVES = [allow(*WAREHOUSE)]


def example(action: str) -> BodyKwarg:
    """The request body, with an example using scans as well as plain codes (both accepted)."""
    return Body(examples=[Example(summary=action, value=EVENT_EXAMPLES[action])])


def status_guard(action: StatusAction) -> list:  # type: ignore[type-arg]
    """Who may: the roles the unit state machine (shared_models/status.py) gives the action."""
    return [allow(*RULES[action].roles)]


class EventController(Controller):
    path = "/api/events"
    tags = ["events"]

    @post("/receive", guards=MOVES, sync_to_thread=True)
    def receive(self, data: Annotated[cmd.Receive, example("receive")], db: Db, principal: Caller) -> EventPublic:
        """Receives goods from a supplier into a location: creates the lot (`PART/LOT`) or, with `serials`, one unit
        per serial (`PART/SERIAL`), in quarantine until released. `item` is a part no., a GTIN, or a scanned
        supplier label (GS1 element string or Digital Link; its (01) names the item); `location` any scan of it."""
        return event_public(db, WarehouseService(db, principal).receive(plain_codes(db, principal, data)))

    @post("/move", guards=MOVES, sync_to_thread=True)
    def move(self, data: Annotated[cmd.Move, example("move")], db: Db, principal: Caller) -> EventPublic:
        """Moves a unit (all of it at `from_location` when `qty` is left out) to another location; a container
        moves with its contents. `unit` and the locations take any scan."""
        return event_public(db, WarehouseService(db, principal).move(plain_codes(db, principal, data)))

    @post("/pick", guards=MOVES, sync_to_thread=True)
    def pick(self, data: Annotated[cmd.Pick, example("pick")], db: Db, principal: Caller) -> EventPublic:
        """Picks a unit for an order (`reference`: the pick list) to a staging location; gates refuse units on hold,
        blocked or expired. `unit` and the locations take any scan."""
        return event_public(db, WarehouseService(db, principal).pick(plain_codes(db, principal, data)))

    @post("/ship", guards=MOVES, sync_to_thread=True)
    def ship(self, data: Annotated[cmd.Ship, example("ship")], db: Db, principal: Caller) -> EventPublic:
        """Ships units to a customer under one delivery `reference`; every line's unit and location take any
        scan (an SSCC ships the whole pallet)."""
        return event_public(db, WarehouseService(db, principal).ship(plain_codes(db, principal, data)))

    @post("/count", guards=MOVES, sync_to_thread=True)
    def count(self, data: Annotated[cmd.Count, example("count")], db: Db, principal: Caller) -> EventPublic:
        """Records a stocktake count at a location; with `book_qty_seen` the adjustment is computed against the
        book at count time. Units and the location take any scan."""
        return event_public(db, WarehouseService(db, principal).count(plain_codes(db, principal, data)))

    @post("/pack", guards=MOVES, sync_to_thread=True)
    def pack(self, data: Annotated[cmd.Pack, example("pack")], db: Db, principal: Caller) -> EventPublic:
        """Packs units into a container (SSCC; left out, the server numbers one) at a location. Units and the
        location take any scan."""
        return event_public(db, WarehouseService(db, principal).pack(plain_codes(db, principal, data)))

    @post("/unpack", guards=MOVES, sync_to_thread=True)
    def unpack(self, data: Annotated[cmd.Unpack, example("unpack")], db: Db, principal: Caller) -> EventPublic:
        """Takes units (all of them when `units` is empty) out of a container. The container, units and location
        take any scan."""
        return event_public(db, WarehouseService(db, principal).unpack(plain_codes(db, principal, data)))

    @post("/hold", guards=status_guard(StatusAction.HOLD), sync_to_thread=True)
    def hold(self, data: JSONBody[UnitStatusChange], db: Db, principal: Caller) -> EventPublic:
        """Puts a unit on hold (from quarantine or released); gates then refuse to pick or ship it. 409
        `illegal_transition` names the statuses it may leave from."""
        return self._change(db, principal, data, StatusAction.HOLD)

    @post("/release", guards=status_guard(StatusAction.RELEASE), sync_to_thread=True)
    def release(self, data: JSONBody[UnitStatusChange], db: Db, principal: Caller) -> EventPublic:
        """Releases a unit from quarantine, hold or block, so it may be used and shipped."""
        return self._change(db, principal, data, StatusAction.RELEASE)

    @post("/scrap", guards=status_guard(StatusAction.SCRAP), sync_to_thread=True)
    def scrap(self, data: JSONBody[UnitStatusChange], db: Db, principal: Caller) -> EventPublic:
        """Scraps a unit (final: nothing may follow), recorded as a disposition event with CBV disposition
        `destroyed`."""
        return self._change(db, principal, data, StatusAction.SCRAP)

    @staticmethod
    def _change(db: Db, principal: Caller, data: UnitStatusChange, action: StatusAction) -> EventPublic:
        change = plain_codes(db, principal, data.command(action))
        return event_public(db, StatusService(db, principal).change(change))

    @get("/{event_id:str}", guards=MOVES, sync_to_thread=True)
    def get_event(self, event_id: FromPath[str], db: Db, principal: Caller) -> EventPublic:
        """One recorded event with its lines (units, quantities, from/to locations) and attributes."""
        event = db.get(Event, event_id)
        if event is None or not principal.sees_site(event.site_id):
            raise NotFound("event", event_id)
        return event_public(db, event)

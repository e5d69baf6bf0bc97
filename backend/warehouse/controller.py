"""Event capture over HTTP: one POST per shop-floor action; a retried POST with the same id stores once."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody

from backend.auth.guards import STAFF, WAREHOUSE, allow
from backend.deps import Caller, Db
from backend.errors import NotFound
from backend.warehouse.schemas import EventPublic, event_public
from backend.warehouse.warehouse_service import WarehouseService
from shared_models import commands as cmd
from shared_models.trace import Event


class EventController(Controller):
    path = "/api/events"
    tags = ["events"]
    guards = [allow(*WAREHOUSE)]

    @post("/receive", sync_to_thread=True)
    def receive(self, data: JSONBody[cmd.Receive], db: Db, principal: Caller) -> EventPublic:
        return event_public(db, WarehouseService(db, principal).receive(data))

    @post("/move", sync_to_thread=True)
    def move(self, data: JSONBody[cmd.Move], db: Db, principal: Caller) -> EventPublic:
        return event_public(db, WarehouseService(db, principal).move(data))

    @post("/pick", sync_to_thread=True)
    def pick(self, data: JSONBody[cmd.Pick], db: Db, principal: Caller) -> EventPublic:
        return event_public(db, WarehouseService(db, principal).pick(data))

    @post("/ship", sync_to_thread=True)
    def ship(self, data: JSONBody[cmd.Ship], db: Db, principal: Caller) -> EventPublic:
        return event_public(db, WarehouseService(db, principal).ship(data))

    @post("/count", sync_to_thread=True)
    def count(self, data: JSONBody[cmd.Count], db: Db, principal: Caller) -> EventPublic:
        return event_public(db, WarehouseService(db, principal).count(data))

    @post("/pack", sync_to_thread=True)
    def pack(self, data: JSONBody[cmd.Pack], db: Db, principal: Caller) -> EventPublic:
        return event_public(db, WarehouseService(db, principal).pack(data))

    @post("/unpack", sync_to_thread=True)
    def unpack(self, data: JSONBody[cmd.Unpack], db: Db, principal: Caller) -> EventPublic:
        return event_public(db, WarehouseService(db, principal).unpack(data))

    @get("/{event_id:str}", guards=[allow(*STAFF)], sync_to_thread=True)
    def get_event(self, event_id: FromPath[str], db: Db, principal: Caller) -> EventPublic:
        event = db.get(Event, event_id)
        if event is None or not principal.sees_site(event.site_id):
            raise NotFound("event", event_id)
        return event_public(db, event)

"""Buckets, defined in one place (mirrored for the PowerSync Service in sync/sync-streams.yaml).

| bucket                   | who gets it                | what is in it                                        |
|--------------------------|----------------------------|------------------------------------------------------|
| items[]                  | everyone                   | items (names, GTINs, tracking)                       |
| global[]                 | staff                      | sites, suppliers, customers                          |
| site["<site id>"]        | staff of that site (or all)| locations, equipment, units, stock, container contents|
| user["<user id>"]        | that user                  | the events they recorded                             |
| distributor["<cust id>"] | that distributor's users   | units shipped to them                                |
"""

from __future__ import annotations

import json
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import Connection, select, text
from sqlmodel import Session

from backend.auth.principal import Principal
from shared_models.masterdata import Customer, Equipment, Item, Location, Site, Supplier
from shared_models.trace import ContainerContent, Event, StockOnHand, Unit

SYNCED: dict[type, str] = {
    Item: "item", Site: "site", Supplier: "supplier", Customer: "customer", Location: "location",
    Equipment: "equipment", Unit: "unit", StockOnHand: "stock_on_hand", ContainerContent: "container_content",
    Event: "event",
}
SYNCED_TABLES = sorted(SYNCED.values())
EXCLUDED_COLUMNS = {"event": {"attributes"}}  # fingerprints and count sheets stay on the server


def bucket(name: str, *params: str) -> str:
    return f"{name}{json.dumps(list(params), separators=(',', ':'))}"


def _jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


_SHIPPED_TO = text("SELECT DISTINCT e.customer_id FROM event_line l JOIN event e ON e.id = l.event_id "
                   "WHERE l.unit_id = :unit AND e.type = 'ship' AND e.customer_id IS NOT NULL")


class LotlinePolicy:
    """The sync layer's view of Lotline's tables (implements sync.server.policy.SyncPolicy)."""

    def __init__(self) -> None:
        self._site_of_location: dict[str, str] = {}
        self._site_of_unit: dict[str, str] = {}

    def object_type(self, obj: Any) -> str | None:
        return SYNCED.get(type(obj))

    def row_data(self, obj: Any) -> dict[str, Any]:
        kind = SYNCED[type(obj)]
        skip = EXCLUDED_COLUMNS.get(kind, set())
        return {c.key: _jsonable(getattr(obj, c.key)) for c in obj.__table__.columns if c.key not in skip}

    def buckets_for(self, conn: Connection, object_type: str, row: dict[str, Any]) -> set[str]:
        if object_type == "item":
            return {bucket("items")}
        if object_type in ("site", "supplier", "customer"):
            return {bucket("global")}
        if object_type in ("location", "equipment"):
            return {bucket("site", row["site_id"])}
        if object_type == "unit":
            found = {bucket("site", row["site_id"])}
            found |= {bucket("distributor", c) for c in conn.execute(_SHIPPED_TO, {"unit": row["id"]}).scalars()}
            return found
        if object_type == "stock_on_hand":
            return {bucket("site", self._location_site(conn, row["location_id"]))}
        if object_type == "container_content":
            return {bucket("site", self._unit_site(conn, row["container_id"]))}
        if object_type == "event":
            return {bucket("user", row["user_id"])} if row.get("user_id") else set()
        raise ValueError(f"no bucket rule for {object_type}")

    def _location_site(self, conn: Connection, location_id: str) -> str:
        if location_id not in self._site_of_location:
            self._site_of_location[location_id] = conn.execute(
                select(Location.site_id).where(Location.id == location_id)).scalar_one()
        return self._site_of_location[location_id]

    def _unit_site(self, conn: Connection, unit_id: str) -> str:
        if unit_id not in self._site_of_unit:
            self._site_of_unit[unit_id] = conn.execute(select(Unit.site_id).where(Unit.id == unit_id)).scalar_one()
        return self._site_of_unit[unit_id]


def buckets_of(session: Session, principal: Principal) -> list[str]:
    """The buckets a caller downloads."""
    names = [bucket("items")]
    if principal.is_distributor:
        return [*names, bucket("distributor", principal.customer_id or "")]
    names.append(bucket("global"))
    site_ids = [principal.site_id] if principal.site_id else \
        list(session.execute(select(Site.id).order_by(Site.code)).scalars())
    names += [bucket("site", s) for s in site_ids]
    names.append(bucket("user", principal.user_id))
    return names

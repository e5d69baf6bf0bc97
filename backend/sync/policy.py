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

import functools
import json
from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import Connection, select
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
# Fingerprints, count sheets and the hash chain (backend.eventlog) stay on the server.
EXCLUDED_COLUMNS = {"event": {"attributes", "chain_seq", "prev_hash", "hash"}}


@functools.lru_cache(maxsize=4096)  # called for every synced row written; the same few names come back
def bucket(name: str, *params: str) -> str:
    return f"{name}{json.dumps(list(params), separators=(',', ':'))}"


_AS_IS = frozenset({str, int, float, bool, type(None), list, dict})  # JSON already: most of a row's values


def _jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


@functools.cache
def _sent_columns(model: type) -> tuple[str, ...]:
    """The columns of a synced table that clients receive (read once per table: every synced row written asks)."""
    skip = EXCLUDED_COLUMNS.get(SYNCED[model], set())
    return tuple(c.key for c in model.__table__.columns if c.key not in skip)  # type: ignore[attr-defined]


class LotlinePolicy:
    """The sync layer's view of Lotline's tables (implements sync.server.policy.SyncPolicy)."""

    def object_type(self, obj: Any) -> str | None:
        return SYNCED.get(type(obj))

    def model_type(self, model: type) -> str | None:
        return SYNCED.get(model)

    def row_data(self, obj: Any) -> dict[str, Any]:
        return {key: v if type(v := getattr(obj, key)) in _AS_IS else _jsonable(v) for key in _sent_columns(type(obj))}

    def row_values(self, model: type, row: Mapping[str, Any]) -> dict[str, Any]:
        return {key: v if type(v := row[key]) in _AS_IS else _jsonable(v) for key in _sent_columns(model)}

    def buckets_for(self, conn: Connection, object_type: str, rows: list[dict[str, Any]]) -> list[set[str]]:
        """From the rows alone, as the PowerSync Service must (sync/sync-streams.yaml): the site and customer keys
        live on the synced rows themselves."""
        if object_type == "item":
            return [{bucket("items")} for _ in rows]
        if object_type in ("site", "supplier", "customer"):
            return [{bucket("global")} for _ in rows]
        if object_type in ("location", "equipment", "stock_on_hand", "container_content"):
            return [{bucket("site", row["site_id"])} for row in rows]
        if object_type == "unit":
            return [{bucket("site", row["site_id"]), *(bucket("distributor", c) for c in row["shipped_to"])}
                    for row in rows]
        if object_type == "event":
            return [{bucket("user", row["user_id"])} if row.get("user_id") else set() for row in rows]
        raise ValueError(f"no bucket rule for {object_type}")


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

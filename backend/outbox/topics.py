"""What the outbox tells: the topics, and the stable JSON payload of each (ids, codes, quantities, UTC times).

A payload is a plain dict of JSON values, keys fixed per topic: receivers may rely on a key once it is listed here.
Event payloads are read back from the database at commit time (one query for the events, one for their lines), so
events written in sets (warehouse posting) and through the ORM read alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple

from sqlalchemy import Connection, select
from sqlalchemy.orm import aliased

from backend.production.models import WorkOrder
from backend.trace.models import EventLine
from shared_models.enums import EventType
from shared_models.masterdata import Customer, Item, Location, Site, Supplier
from shared_models.trace import Event, Unit

_IN_CHUNK = 500


class Topic(StrEnum):
    RECEIVED = "received"
    PRODUCED = "produced"
    SHIPPED = "shipped"
    INSPECTED = "inspected"
    NONCONFORMANCE_OPENED = "nonconformance.opened"
    NONCONFORMANCE_CLOSED = "nonconformance.closed"
    WARNING_RAISED = "warning.raised"
    RECALL_OPENED = "recall.opened"
    RECALL_CLOSED = "recall.closed"


ALL_TOPICS = "*"
EVENT_TOPICS: dict[str, Topic] = {EventType.RECEIVE.value: Topic.RECEIVED, EventType.PRODUCE.value: Topic.PRODUCED,
                                  EventType.SHIP.value: Topic.SHIPPED}


class Draft(NamedTuple):
    """A message before it has its place in the outbox."""

    topic: Topic
    subject_type: str
    subject_id: str
    subject_code: str
    occurred_at: datetime
    payload: dict[str, Any]


def iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def _value(v: Any) -> Any:
    return getattr(v, "value", v)


def inspected(obj: Any) -> Draft:
    return Draft(Topic.INSPECTED, "inspection", obj.id, "", obj.occurred_at, {
        "inspection_id": obj.id, "plan_id": obj.plan_id, "unit_id": obj.unit_id, "site_id": obj.site_id,
        "stage": _value(obj.stage), "verdict": obj.verdict, "lot_size": obj.lot_size,
        "sample_size": obj.sample_size, "accept": obj.accept, "reject": obj.reject,
        "defective_units": obj.defective_units, "defects": list(obj.defects or []),
        "occurred_at": iso(obj.occurred_at), "recorded_at": iso(obj.recorded_at)})


def nonconformance(obj: Any, topic: Topic) -> Draft:
    at = obj.closed_at if topic is Topic.NONCONFORMANCE_CLOSED else obj.opened_at
    return Draft(topic, "nonconformance", obj.id, obj.code, at, {
        "nonconformance_id": obj.id, "code": obj.code, "unit_id": obj.unit_id, "site_id": obj.site_id,
        "inspection_id": obj.inspection_id, "state": obj.state, "disposition": obj.disposition,
        "defects": list(obj.defects or []), "work_order_id": obj.work_order_id,
        "opened_at": iso(obj.opened_at), "closed_at": iso(obj.closed_at)})


def warning_raised(obj: Any) -> Draft:
    return Draft(Topic.WARNING_RAISED, "warning", obj.id, obj.dedupe_key[:96], obj.opened_at, {
        "warning_id": obj.id, "rule_id": obj.rule_id, "severity": obj.severity, "message": obj.message,
        "dedupe_key": obj.dedupe_key, "context": dict(obj.context or {}), "opened_at": iso(obj.opened_at)})


def recall(obj: Any, topic: Topic) -> Draft:
    at = obj.closed_at if topic is Topic.RECALL_CLOSED else obj.created_at
    return Draft(topic, "recall", obj.id, obj.code, at, {
        "recall_id": obj.id, "code": obj.code, "title": obj.title, "reason": obj.reason, "state": _value(obj.state),
        "seeds": list(obj.seeds or []), "totals": dict(obj.totals or {}), "created_at": iso(obj.created_at),
        "closed_at": iso(obj.closed_at)})


def events(conn: Connection, event_ids: Sequence[str]) -> list[Draft]:
    """The drafts of the given events (received, produced or shipped), in the order given."""
    found: dict[str, Draft] = {}
    for start in range(0, len(event_ids), _IN_CHUNK):
        chunk = list(event_ids[start:start + _IN_CHUNK])
        lines = _lines(conn, chunk)
        for row in conn.execute(_EVENTS.where(Event.id.in_(chunk))).mappings():  # type: ignore[attr-defined]
            topic = EVENT_TOPICS[_value(row["type"])]
            found[row["id"]] = Draft(topic, "event", row["id"], row["reference"][:96], row["occurred_at"], {
                "event_id": row["id"], "type": _value(row["type"]), "business_step": row["business_step"],
                "disposition": row["disposition"], "occurred_at": iso(row["occurred_at"]),
                "recorded_at": iso(row["recorded_at"]), "site": row["site"], "location": row["location"],
                "supplier": row["supplier"], "customer": row["customer"], "work_order": row["work_order"],
                "reference": row["reference"], "device_id": row["device_id"], "user_id": row["user_id"],
                "lines": lines.get(row["id"], [])})
    return [found[i] for i in event_ids if i in found]


_loc_from, _loc_to = aliased(Location), aliased(Location)
_EVENTS = (select(Event.id, Event.type, Event.business_step, Event.disposition, Event.occurred_at,
                  Event.recorded_at, Event.reference, Event.device_id, Event.user_id,
                  Site.code.label("site"), Location.code.label("location"),  # type: ignore[attr-defined]
                  Supplier.code.label("supplier"), Customer.code.label("customer"),  # type: ignore[attr-defined]
                  WorkOrder.code.label("work_order"))  # type: ignore[attr-defined]
           .join(Site, Site.id == Event.site_id)
           .outerjoin(Location, Location.id == Event.location_id)
           .outerjoin(Supplier, Supplier.id == Event.supplier_id)
           .outerjoin(Customer, Customer.id == Event.customer_id)
           .outerjoin(WorkOrder, WorkOrder.id == Event.work_order_id))
_LINES = (select(EventLine.event_id, EventLine.role, EventLine.qty, Unit.id.label("unit_id"),  # type: ignore
                 Unit.code.label("unit"), Unit.lot_no, Unit.serial, Unit.sscc, Unit.uom,
                 Item.part_no, Item.gtin, _loc_from.code.label("from_location"),  # type: ignore[attr-defined]
                 _loc_to.code.label("to_location"))  # type: ignore[attr-defined]
          .join(Unit, Unit.id == EventLine.unit_id)
          .outerjoin(Item, Item.id == Unit.item_id)
          .outerjoin(_loc_from, _loc_from.id == EventLine.from_location_id)
          .outerjoin(_loc_to, _loc_to.id == EventLine.to_location_id)
          .order_by(EventLine.event_id, EventLine.role, Unit.code))


def _lines(conn: Connection, event_ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for row in conn.execute(_LINES.where(EventLine.event_id.in_(list(event_ids)))).mappings():  # type: ignore
        out.setdefault(row["event_id"], []).append({
            "role": _value(row["role"]), "unit_id": row["unit_id"], "unit": row["unit"], "item": row["part_no"],
            "gtin": row["gtin"], "lot_no": row["lot_no"], "serial": row["serial"], "sscc": row["sscc"],
            "qty": row["qty"], "uom": row["uom"], "from_location": row["from_location"],
            "to_location": row["to_location"]})
    return out

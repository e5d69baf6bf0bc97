"""Routes (工艺路线): versioned, ordered operations of an item with their process parameters and limits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from backend.db import atomic
from backend.errors import InvalidInput, NotFound
from backend.production.models import Route, WorkOrder
from backend.trace.lookup import item_by_ref
from shared_models.production_commands import RouteCreate


def in_spec(value: float, lower: float | None, upper: float | None) -> bool | None:
    """None when the parameter has no limits to be checked against."""
    if lower is None and upper is None:
        return None
    return (lower is None or value >= lower) and (upper is None or value <= upper)


def operation(route: Route, seq: int) -> dict[str, Any]:
    """The route's operation `seq`; raises InvalidInput naming the operations there are."""
    for op in route.operations:
        if int(op["seq"]) == seq:
            return op
    there = ", ".join(f"{op['seq']} {op['code']}" for op in route.operations)
    raise InvalidInput(f"The route (v{route.version_no}) has no operation {seq}; it has: {there}.", seq=seq)


def limits(route: Route, seq: int) -> dict[str, dict[str, Any]]:
    """Parameter name → {unit, lower, upper} for operation `seq`; empty when the route has no such operation."""
    for op in route.operations:
        if int(op["seq"]) == seq:
            return {p["name"]: p for p in op.get("params", [])}
    return {}


class RouteService:
    def __init__(self, session: Session) -> None:
        self.session = session

    @atomic
    def create(self, c: RouteCreate) -> Route:
        """Adds a version of the item's route and makes it the active one; work orders already started keep
        the version they started on."""
        item = item_by_ref(self.session, c.item)
        last = self.session.exec(select(func.max(Route.version_no)).where(Route.item_id == item.id)).one()
        for old in self.session.exec(select(Route).where(Route.item_id == item.id, Route.active.is_(True))):  # type: ignore[attr-defined]
            old.active = False
            self.session.add(old)
        ops = sorted((op.model_dump() for op in c.operations), key=lambda op: op["seq"])
        route = Route(item_id=item.id, version_no=(last or 0) + 1, active=True, operations=ops)
        self.session.add(route)
        self.session.commit()
        return route

    def get(self, route_id: str) -> Route:
        route = self.session.get(Route, route_id)
        if route is None:
            raise NotFound("route", route_id)
        return route

    def of_item(self, item_ref: str) -> list[Route]:
        """Every version, newest first."""
        item = item_by_ref(self.session, item_ref)
        return list(self.session.exec(select(Route).where(Route.item_id == item.id)
                                      .order_by(Route.version_no.desc())).all())  # type: ignore[attr-defined]

    def active(self, item_id: str) -> Route | None:
        return self.session.exec(select(Route).where(Route.item_id == item_id, Route.active.is_(True))  # type: ignore[attr-defined]
                                 .order_by(Route.version_no.desc())).first()  # type: ignore[attr-defined]

    def for_work_order(self, order: WorkOrder) -> Route:
        """The route the work order runs on: the one it is pinned to, else the item's active one.
        Raises InvalidInput when there is none."""
        route = self.session.get(Route, order.route_id) if order.route_id else self.active(order.item_id)
        if route is None:
            raise InvalidInput(f"Work order {order.code} has no route; create one for its item first.",
                               work_order=order.code)
        return route

"""防伪 / 防窜货: a code checked in the field is answered genuine or unknown, with diversion and clone flags,
and recorded as a VERIFY event (the unit's line has qty 0: a check moves nothing)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Literal
from uuid import UUID, uuid4

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from backend.auth.principal import SYSTEM, Principal
from backend.db import atomic
from backend.errors import InvalidInput, NotFound
from backend.trace.resolver import UnreadableCode, resolve
from backend.warehouse.errors import EventIdReused
from backend.warehouse.ledger import Ledger, fingerprint
from backend.warnings.rules import Clone
from shared_models.enums import EdgeKind, EventType, LineRole, PartnerKind, UnitKind
from shared_models.masterdata import Customer, Item, Site
from shared_models.quality.tables import WarningRule
from shared_models.trace import Event, EventLine, GenealogyEdge, Unit
from shared_models.types import utcnow

DIVERSION = "diversion"
SUSPECTED_CLONE = "suspected_clone"
CONTAINER_DEPTH = 4   # a serial in a carton on a pallet: how far up we look for the shipment


class VerifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    id: UUID | None = None          # the client's id for this check: a retry with it records once
    code: str = Field(min_length=1, max_length=400)
    region: str = Field(min_length=1, max_length=64)
    channel: str | None = Field(default=None, min_length=1, max_length=64)
    device_id: str = Field(default="", max_length=64)
    occurred_at: AwareDatetime | None = None


class _Scan(BaseModel):
    """What the ledger records: the request with its id and time settled."""

    id: UUID
    occurred_at: AwareDatetime
    device_id: str = ""
    note: str = ""


class ItemBrief(BaseModel):
    part_no: str
    name: str
    gtin: str | None


class ShipmentBrief(BaseModel):
    customer: str
    name: str
    kind: str
    regions: list[str]
    channels: list[str]
    shipped_at: datetime
    reference: str


class Verification(BaseModel):
    event_id: str
    result: Literal["genuine", "unknown"]
    code: str
    region: str
    channel: str | None
    flags: list[str]
    message: str
    unit: str | None = None
    kind: str | None = None
    status: str | None = None
    lot_no: str | None = None
    serial: str | None = None
    expires_on: str | None = None
    item: ItemBrief | None = None
    shipped_to: ShipmentBrief | None = None
    scans_in_window: int | None = None
    regions_in_window: list[str] | None = None
    replayed: bool = False


class NotAUnitCode(InvalidInput):
    code = "not_a_unit_code"


def _same(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def clone_params(session: Session) -> Clone:
    """The clone rule's parameters (enabled or not: the flag is part of the answer), or the defaults."""
    rule = session.exec(select(WarningRule).where(WarningRule.kind == "clone").order_by(WarningRule.code)).first()
    return Clone.model_validate(rule.params) if rule is not None else Clone()


class VerifyService:
    def __init__(self, session: Session, principal: Principal, *, now: Callable[[], datetime] = utcnow) -> None:
        self.session = session
        self.by = principal
        self.now = now
        self.ledger = Ledger(session)

    def verify(self, request: VerifyRequest) -> Verification:
        """Raises NotAUnitCode for an item or location code, AmbiguousCode for a bare serial several items
        share, EventIdReused when the id was used for something else. A retry with the same id answers what
        the first call recorded."""
        try:
            return self._verify(request)
        except IntegrityError:
            # The same id arrived twice at once; the other request recorded it, so answer from its event.
            self.session.rollback()
            if request.id is None:
                raise
            stored = self._replay(request)
            if stored is None:
                raise
            return stored

    @atomic
    def _verify(self, request: VerifyRequest) -> Verification:
        if request.id is not None and (done := self._replay(request)) is not None:
            return done
        scan = _Scan(id=request.id or uuid4(), occurred_at=request.occurred_at or self.now(),
                     device_id=request.device_id)
        base: dict[str, Any] = {"code": request.code, "region": request.region, "channel": request.channel,
                                "request": fingerprint(request), "verified_by": self.by.username}
        try:
            found = resolve(self.session, SYSTEM, request.code)
        except (NotFound, UnreadableCode) as exc:
            event = self.ledger.open_event(scan, EventType.VERIFY, site_id=self._site_for_unknown(), by=self.by,
                                           attributes={**base, "unit": None, "result": "unknown", "flags": [],
                                                       "reason": exc.detail})
            self.session.commit()
            return self._answer(event, None)
        if found.unit is None:
            raise NotAUnitCode(f"'{request.code}' names {found.what}, not one product; scan the code on the "
                               f"product's own label (with its serial or lot).", kind=found.kind)
        unit = found.unit
        shipment = self._shipment(unit)
        facts: dict[str, Any] = {"unit": unit.code, "result": "genuine"}
        flags = []
        if shipment is not None:
            _, customer = shipment
            facts |= {"shipped_to": customer.code, "authorized_regions": list(customer.regions),
                      "authorized_channels": list(customer.channels)}
            if self._diverted(customer, request.region, request.channel):
                flags.append(DIVERSION)
        if unit.kind is UnitKind.SERIAL:
            scans, regions = self._scans_around(unit, scan.occurred_at, request.region)
            facts |= {"scans_in_window": scans, "regions_in_window": regions}
            params = clone_params(self.session)
            if scans > params.max_scans or len(regions) >= params.regions:
                flags.append(SUSPECTED_CLONE)
        event = self.ledger.open_event(scan, EventType.VERIFY, site_id=unit.site_id, by=self.by,
                                       attributes={**base, **facts, "flags": flags})
        self.ledger.line(event, unit, LineRole.SUBJECT, 0.0)
        self.session.commit()
        return self._answer(event, unit)

    # -- facts -------------------------------------------------------------------------------------------------
    @staticmethod
    def _diverted(customer: Customer, region: str, channel: str | None) -> bool:
        """Only distributors have authorized territories; an empty list authorizes everywhere."""
        if customer.kind is not PartnerKind.DISTRIBUTOR:
            return False
        if customer.regions and not any(_same(region, r) for r in customer.regions):
            return True
        return bool(channel and customer.channels and not any(_same(channel, c) for c in customer.channels))

    def _shipment(self, unit: Unit) -> tuple[Event, Customer] | None:
        """The latest shipment of the unit, or of a container it was packed in."""
        candidates, frontier = [unit.id], [unit.id]
        for _ in range(CONTAINER_DEPTH):
            frontier = list(self.session.exec(select(GenealogyEdge.child_id).where(
                GenealogyEdge.parent_id.in_(frontier), GenealogyEdge.kind == EdgeKind.AGGREGATE)))
            if not frontier:
                break
            candidates += frontier
        row = self.session.exec(
            select(Event, Customer).join(EventLine, EventLine.event_id == Event.id)
            .join(Customer, Customer.id == Event.customer_id)
            .where(EventLine.unit_id.in_(candidates), Event.type == EventType.SHIP)
            .order_by(Event.occurred_at.desc(), Event.recorded_at.desc())).first()
        return (row[0], row[1]) if row is not None else None

    def _scans_around(self, unit: Unit, at: datetime, region: str) -> tuple[int, list[str]]:
        """Checks of this unit within the clone window either side of `at` (this one included), and their
        regions, each spelled as first seen."""
        window = timedelta(hours=clone_params(self.session).window_hours)
        earlier = self.session.exec(
            select(Event).join(EventLine, EventLine.event_id == Event.id)
            .where(EventLine.unit_id == unit.id, Event.type == EventType.VERIFY,
                   Event.occurred_at >= at - window, Event.occurred_at <= at + window)
            .order_by(Event.occurred_at, Event.id)).all()
        regions: list[str] = []
        for name in [*(str(e.attributes.get("region") or "") for e in earlier), region]:
            if name and not any(_same(name, r) for r in regions):
                regions.append(name.strip())
        return len(earlier) + 1, regions

    def _site_for_unknown(self) -> str:
        """An unknown code belongs to no unit: the caller's site, else the site that last shipped to the
        distributor calling, else the first site."""
        if self.by.site_id is not None:
            return self.by.site_id
        if self.by.customer_id is not None:
            site = self.session.exec(select(Event.site_id).where(
                Event.type == EventType.SHIP, Event.customer_id == self.by.customer_id)
                .order_by(Event.occurred_at.desc())).first()
            if site is not None:
                return site
        first = self.session.exec(select(Site.id).order_by(Site.code)).first()
        if first is None:
            raise NotFound("site", "any")
        return first

    # -- answers -----------------------------------------------------------------------------------------------
    def _replay(self, request: VerifyRequest) -> Verification | None:
        stored = self.session.get(Event, str(request.id))
        if stored is None:
            return None
        if stored.type is not EventType.VERIFY or stored.attributes.get("request") != fingerprint(request):
            raise EventIdReused(str(request.id))
        unit = self.session.exec(select(Unit).join(EventLine, EventLine.unit_id == Unit.id)
                                 .where(EventLine.event_id == stored.id)).first()
        return self._answer(stored, unit).model_copy(update={"replayed": True})

    def _answer(self, event: Event, unit: Unit | None) -> Verification:
        a = event.attributes
        flags = list(a.get("flags") or [])
        answer = Verification(event_id=event.id, result=a["result"], code=a["code"], region=a["region"],
                              channel=a.get("channel"), flags=flags, message="")
        if unit is None:
            return answer.model_copy(update={"message": "Unknown code: not a product we made. It may be "
                                                        "counterfeit; keep it and report it."})
        item = self.session.get(Item, unit.item_id) if unit.item_id else None
        shipment = self._shipment(unit)
        shipped = None
        if shipment is not None:
            ship, customer = shipment
            shipped = ShipmentBrief(customer=customer.code, name=customer.name, kind=customer.kind.value,
                                    regions=list(customer.regions), channels=list(customer.channels),
                                    shipped_at=ship.occurred_at, reference=ship.reference)
        notes = ["Genuine product."]
        if DIVERSION in flags:
            notes.append(f"Not authorized for sale in {a['region']}"
                         f"{' via ' + a['channel'] if a.get('channel') else ''}: it was shipped to "
                         f"{shipped.name if shipped else a.get('shipped_to')}.")
        if SUSPECTED_CLONE in flags:
            notes.append(f"This code was checked {a.get('scans_in_window')} times in "
                         f"{', '.join(a.get('regions_in_window') or [])} recently: the code may have been copied.")
        return answer.model_copy(update={
            "message": " ".join(notes), "unit": unit.code, "kind": unit.kind.value, "status": unit.status.value,
            "lot_no": unit.lot_no, "serial": unit.serial,
            "expires_on": unit.expires_on.isoformat() if unit.expires_on else None,
            "item": ItemBrief(part_no=item.part_no, name=item.name, gtin=item.gtin) if item else None,
            "shipped_to": shipped, "scans_in_window": a.get("scans_in_window"),
            "regions_in_window": a.get("regions_in_window")})

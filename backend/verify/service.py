"""防伪 / 防窜货: a code checked in the field is answered genuine or unknown, with flags (diversion, clone,
recalled, expired, …), and recorded as a VERIFY event (the unit's line has qty 0: a check moves nothing).

The check finds the code among every unit, so that a genuine product is never called unknown; the answer then
tells the caller only what their scope allows (backend/trace keeps the same rule for trace and resolve)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from uuid import uuid4

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from backend.auth.principal import SYSTEM, Principal
from backend.coding.models import CodeSigningKey
from backend.db import atomic
from backend.errors import NotFound
from backend.trace.errors import AmbiguousCode, UnreadableCode
from backend.trace.models import EventLine, GenealogyEdge
from backend.trace.resolver import Resolved, resolve
from backend.verify import clones
from backend.verify import flags as f
from backend.verify.errors import NoRegion, NotAUnitCode
from backend.verify.models import SETTINGS_ID, VerifyCheck, VerifySettings
from backend.verify.schemas import (
    EarlierCheck,
    ItemBrief,
    ShipmentBrief,
    Verification,
    VerifyFlag,
    VerifyRequest,
    VerifyScan,
    VerifySettingsUpdate,
)
from backend.warehouse.errors import EventIdReused
from backend.warehouse.ledger import Ledger, fingerprint
from backend.warnings.models import WarningRule
from backend.warnings.schemas import Clone
from shared_models.coding import PublicKey, verify_code
from shared_models.enums import EdgeKind, EventType, LineRole, PartnerKind, UnitKind
from shared_models.gs1 import GS1Error
from shared_models.masterdata import Customer, Item, Site
from shared_models.trace import Event, Unit
from shared_models.types import utcnow

CONTAINER_DEPTH = 4   # a serial in a carton on a pallet: how far up we look for the shipment
UNKNOWN_MESSAGE = "Unknown code: not a product we made. It may be counterfeit; keep it and report it."


def _same(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def clone_params(session: Session) -> Clone:
    """The clone rule's parameters (enabled or not: the flag is part of the answer), or the defaults."""
    rule = session.exec(select(WarningRule).where(WarningRule.kind == "clone").order_by(WarningRule.code)).first()
    return Clone.model_validate(rule.params) if rule is not None else Clone()


def verify_settings(session: Session) -> VerifySettings:
    """The stored travel thresholds and places, or the defaults (not stored) when nobody has set them."""
    return session.get(VerifySettings, SETTINGS_ID) or VerifySettings()


SIGNATURE_FLAGS = {"forged": f.FORGED_SIGNATURE, "unknown_key": f.UNKNOWN_KEY, "revoked": f.REVOKED_KEY}


class VerifyService:
    def __init__(self, session: Session, principal: Principal, *, now: Callable[[], datetime] = utcnow) -> None:
        self.session = session
        self.by = principal
        self.now = now
        self.ledger = Ledger(session)

    @atomic
    def update_settings(self, data: VerifySettingsUpdate) -> VerifySettings:
        row = self.session.get(VerifySettings, SETTINGS_ID) or VerifySettings()
        row.max_speed_kmh, row.min_distance_km = data.max_speed_kmh, data.min_distance_km
        row.places = {name.strip(): [lat, lon] for name, (lat, lon) in data.places.items()}
        row.updated_at, row.updated_by = self.now(), self.by.username
        self.session.add(row)
        self.session.commit()
        return row

    def _where(self, request: VerifyRequest) -> tuple[str, list[str], str | None]:
        """(region as recorded, regions the diversion check tests, channel): the request's region, else every
        region of the checking account's customer (and its channel when it has only one)."""
        if request.region is not None:
            return request.region, [request.region], request.channel
        customer = self.session.get(Customer, self.by.customer_id) if self.by.customer_id else None
        if customer is None or not customer.regions:
            raise NoRegion("Say in which region the product was found ('region'): this account belongs to no "
                           "customer with authorized regions to go by.")
        channel = request.channel or (customer.channels[0] if len(customer.channels) == 1 else None)
        return ", ".join(customer.regions), list(customer.regions), channel

    def _signature(self, code: str) -> str | None:
        """The (8030) verdict of a GS1 code against every key this server knows; None for a code that is no GS1
        data (a plain unit code), whose reading the resolver judges."""
        keys = {k.kid: PublicKey(k.kid, k.public_key, k.status) for k in self.session.exec(select(CodeSigningKey))}
        try:
            return verify_code(code, keys).verdict.value
        except GS1Error:
            return None

    def verify(self, request: VerifyRequest) -> Verification:
        """Raises NotAUnitCode for an item or location code, AmbiguousCode for a bare serial several items
        share, EventIdReused when the id was used for something else. A retry with the same id answers what
        the first call recorded, within the scope of whoever retries."""
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
        scan = VerifyScan(id=request.id or uuid4(), occurred_at=request.occurred_at or self.now(),
                     device_id=request.device_id)
        region, regions, channel = self._where(request)
        signature = self._signature(request.code)
        base: dict[str, Any] = {"code": request.code, "region": region, "channel": channel,
                                "request": fingerprint(request), "verified_by": self.by.username,
                                "signature": signature}
        try:
            found = self._find(request.code)
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
        flags = f.condition_flags(unit.status, self._expires_on(unit), shipment is not None,
                                  scan.occurred_at.date())
        if shipment is not None:
            _, customer = shipment
            facts |= {"shipped_to": customer.code, "authorized_regions": list(customer.regions),
                      "authorized_channels": list(customer.channels)}
            if self._diverted(customer, regions, channel):
                flags.append(f.DIVERSION)
                facts["shipment_reference"] = shipment[0].reference
        if signature in SIGNATURE_FLAGS:
            flags.append(SIGNATURE_FLAGS[signature])
        settings = verify_settings(self.session)
        place = ((request.latitude, request.longitude) if request.latitude is not None and request.longitude
                 is not None else clones.place_of(region, settings.places))
        check = clones.Check(scan.occurred_at, region, channel, *(place or (None, None)))
        if unit.kind is UnitKind.SERIAL:
            limits = self._limits(settings)
            clone = self._clone_check(unit, check, limits)
            facts |= {"scans_in_window": clone.checks, "regions_in_window": clone.regions,
                      "clone_reasons": clone.reasons, "earlier_checks": [
                          {"occurred_at": leg.check.occurred_at.isoformat(), "region": leg.check.region,
                           "channel": leg.check.channel, "distance_km": leg.distance_km, "speed_kmh": leg.speed_kmh,
                           "implausible": leg.implausible} for leg in clones.shown_legs(clone.legs)],
                      "clone_limits": {"max_checks": limits.max_checks, "regions": limits.regions,
                                       "window_hours": clone_params(self.session).window_hours,
                                       "max_speed_kmh": limits.max_speed_kmh}}
            if clone.reasons:
                flags.append(f.SUSPECTED_CLONE)
        flags += self._scope_flags(unit, shipment)   # recorded for QA: who found it where it should not be
        event = self.ledger.open_event(scan, EventType.VERIFY, site_id=unit.site_id, by=self.by,
                                       attributes={**base, **facts, "flags": flags})
        self.ledger.line(event, unit, LineRole.SUBJECT, 0.0)
        self.session.add(VerifyCheck(id=event.id, unit_id=unit.id, occurred_at=check.occurred_at, region=region,
                                     channel=channel, latitude=check.latitude, longitude=check.longitude,
                                     customer_id=self.by.customer_id, device_id=request.device_id,
                                     verified_by=self.by.username))
        self.session.commit()
        return self._answer(event, unit)

    def _find(self, code: str) -> Resolved:
        """Any unit with this code, seen or not: a product of another site is still genuine. A bare serial
        several items share is narrowed to what the caller sees, and never lists units they may not see."""
        try:
            return resolve(self.session, SYSTEM, code)
        except AmbiguousCode as exc:
            try:
                return resolve(self.session, self.by, code)
            except NotFound:
                raise AmbiguousCode(f"'{code}' matches several products; scan the full label (with the part "
                                    f"no. or GTIN).") from exc

    # -- facts -------------------------------------------------------------------------------------------------
    @staticmethod
    def _diverted(customer: Customer, regions: list[str], channel: str | None) -> bool:
        """Only distributors have authorized territories; an empty list authorizes everywhere. Several regions
        (the checking account's) pass when any of them is authorized."""
        if customer.kind is not PartnerKind.DISTRIBUTOR:
            return False
        if customer.regions and not any(_same(x, r) for x in regions for r in customer.regions):
            return True
        return bool(channel and customer.channels and not any(_same(channel, c) for c in customer.channels))

    def _expires_on(self, unit: Unit) -> date | None:
        """The unit's own expiry, else its lot's (a serial made from a dated lot)."""
        if unit.expires_on is not None or unit.lot_unit_id is None:
            return unit.expires_on
        lot = self.session.get(Unit, unit.lot_unit_id)
        return lot.expires_on if lot is not None else None

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

    def _limits(self, settings: VerifySettings) -> clones.Thresholds:
        params = clone_params(self.session)
        return clones.Thresholds(params.max_scans, params.regions, settings.max_speed_kmh, settings.min_distance_km)

    def _clone_check(self, unit: Unit, check: clones.Check, limits: clones.Thresholds) -> clones.Finding:
        """This check against the unit's other checks within the clone window either side of it."""
        window = timedelta(hours=clone_params(self.session).window_hours)
        # The latest HISTORY_ROWS at most: a code copied thousands of times has long passed every threshold.
        rows = self.session.exec(
            select(VerifyCheck).where(VerifyCheck.unit_id == unit.id, VerifyCheck.occurred_at >= check.occurred_at
                                      - window, VerifyCheck.occurred_at <= check.occurred_at + window)
            .order_by(col(VerifyCheck.occurred_at).desc(), col(VerifyCheck.id).desc()).limit(clones.HISTORY_ROWS)).all()
        rows = rows[::-1]
        earlier = [clones.Check(r.occurred_at, r.region, r.channel, r.latitude, r.longitude) for r in rows]
        return clones.assess(check, earlier, limits)

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

    # -- scope -------------------------------------------------------------------------------------------------
    def _scope(self, unit: Unit, shipment: tuple[Event, Customer] | None) -> f.Scope:
        """A distributor sees what was last shipped to them; a site user sees their site's units."""
        if self.by.is_distributor:
            shipped_to_them = shipment is not None and shipment[1].id == self.by.customer_id
            return f.Scope.FULL if shipped_to_them else f.Scope.PRODUCT
        return f.Scope.FULL if self.by.sees_site(unit.site_id) else f.Scope.GENUINE

    def _scope_flags(self, unit: Unit, shipment: tuple[Event, Customer] | None) -> list[str]:
        scope = self._scope(unit, shipment)
        if scope is f.Scope.PRODUCT:
            return [f.NOT_SHIPPED_TO_YOU]
        return [f.OTHER_SITE] if scope is f.Scope.GENUINE else []

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
        answer = Verification(event_id=event.id, result=a["result"], code=a["code"], region=a["region"],
                              channel=a.get("channel"), flags=[], headline="Unknown code.",
                              message=UNKNOWN_MESSAGE, signature=a.get("signature"))
        if unit is None:
            return answer
        shipment = self._shipment(unit)
        scope = self._scope(unit, shipment)
        codes = f.visible(list(a.get("flags") or []), scope, self._scope_flags(unit, shipment))
        full = scope is f.Scope.FULL
        flags = [self._flag(code, a, unit, shipment if full else None, full=full) for code in codes]
        headline = f.headline(flags)
        answer = answer.model_copy(update={"flags": flags, "headline": headline, "signature": a.get("signature"),
                                           "message": " ".join([headline, *(x.message for x in flags)])})
        if scope is f.Scope.GENUINE:
            return answer
        item = self.session.get(Item, unit.item_id) if unit.item_id else None
        answer = answer.model_copy(update={
            "unit": unit.code, "kind": unit.kind.value, "serial": unit.serial,
            "item": ItemBrief(part_no=item.part_no, name=item.name, gtin=item.gtin) if item else None})
        if not full:
            # Goods shipped to someone else: no customer, territory, delivery note, lot or expiry.
            return answer
        expires_on = self._expires_on(unit)
        shipped = None
        if shipment is not None:
            ship, customer = shipment
            shipped = ShipmentBrief(customer=customer.code, name=customer.name, kind=customer.kind.value,
                                    regions=list(customer.regions), channels=list(customer.channels),
                                    shipped_at=ship.occurred_at, reference=ship.reference)
        return answer.model_copy(update={
            "status": unit.status.value, "lot_no": unit.lot_no,
            "expires_on": expires_on.isoformat() if expires_on else None, "shipped_to": shipped,
            "scans_in_window": a.get("scans_in_window"), "regions_in_window": a.get("regions_in_window"),
            "clone_reasons": list(a.get("clone_reasons") or []),
            "earlier_checks": [EarlierCheck.model_validate(x) for x in a["earlier_checks"]]
            if "earlier_checks" in a else None})

    def _flag(self, code: str, a: dict[str, Any], unit: Unit, shipment: tuple[Event, Customer] | None, *,
              full: bool) -> VerifyFlag:
        """One flag with its sentence; `full` false leaves out whatever names a place, a date or a customer."""
        distributor = self.by.is_distributor
        if code == f.DIVERSION:
            shipped_to = shipment[1].name if shipment else a.get("shipped_to")
            note = f" on {a['shipment_reference']}" if a.get("shipment_reference") else ""
            allowed = ", ".join([*a.get("authorized_regions", []), *a.get("authorized_channels", [])])
            text = (f"Not authorized for sale in {a['region']}"
                    f"{' via ' + a['channel'] if a.get('channel') else ''}: it was shipped to {shipped_to}{note}"
                    f"{f', authorized for {allowed}' if allowed else ''}.")
        elif code == f.SUSPECTED_CLONE:
            if not full:
                text = ("This code was checked several times in different places recently: the code may have "
                        "been copied.")
            elif a.get("clone_reasons"):
                text = f.clone_sentence(a)
            else:   # recorded before the reasons were
                text = (f"This code was checked {a.get('scans_in_window')} times in "
                        f"{', '.join(a.get('regions_in_window') or [])} recently: the code may have been copied.")
        elif code == f.NOT_SHIPPED:
            text = f.not_shipped_sentence(distributor=distributor)
        elif code == f.EXPIRED:
            expires_on = self._expires_on(unit) if full else None
            text = f.SENTENCES[code].format(on=f" ({expires_on.isoformat()})" if expires_on else "")
        else:
            text = f.SENTENCES[code]
        return VerifyFlag(code=code, severity=f.severity(code, distributor=distributor), message=text)

"""One resolver for whatever a scanner or a person hands us: GS1 data, Digital Link, or a plain code."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from backend.auth.principal import Principal
from backend.errors import NotFound
from backend.trace.errors import AmbiguousCode, UnreadableCode
from backend.trace.lookup import visible_units
from shared_models.enums import UnitKind
from shared_models.gs1 import GS1Error, is_valid_check_digit, parse_any
from shared_models.masterdata import Item, Location
from shared_models.trace import Unit


@dataclass(frozen=True, slots=True)
class Resolved:
    """What a scanned text names; exactly one of unit, item, location is set."""

    kind: str                       # "lot" | "serial" | "container" | "item" | "location"
    text: str
    unit: Unit | None = None
    item: Item | None = None
    location: Location | None = None
    gs1: dict[str, str] = field(default_factory=dict)

    @property
    def what(self) -> str:
        """'an item', 'a location', 'a lot': for messages."""
        return ("an " if self.kind[0] in "aeiou" else "a ") + self.kind

    @property
    def label(self) -> str:
        return self.unit.code if self.unit else self.item.part_no if self.item else self.location.code  # type: ignore[union-attr]


def resolve(session: Session, principal: Principal, raw: str) -> Resolved:
    text = raw.strip()
    if not text:
        raise UnreadableCode("Empty scan: nothing to look up.")
    if text.isdigit() and len(text) in (8, 12, 13, 14, 18) and is_valid_check_digit(text):
        found = _bare_key(session, principal, text)
        if found is not None:
            return found
    try:
        message = parse_any(text)
    except GS1Error as exc:
        if exc.code != "not_gs1":
            raise UnreadableCode(f"Scanned GS1 data is malformed: {exc}", ai=exc.ai, gs1_code=exc.code) from exc
        return _plain(session, principal, text)
    return _from_gs1(session, principal, text, message.as_dict())


def _bare_key(session: Session, principal: Principal, digits: str) -> Resolved | None:
    if len(digits) == 18:
        unit = _units(session, principal, Unit.sscc == digits).first()
        return Resolved("container", digits, unit=unit) if unit else None
    item = session.exec(select(Item).where(Item.gtin == digits.zfill(14))).first()
    return Resolved("item", digits, item=item) if item else None


def _from_gs1(session: Session, principal: Principal, text: str, ai: dict[str, str]) -> Resolved:
    if "00" in ai:
        unit = _units(session, principal, Unit.sscc == ai["00"]).first()
        if unit is None:
            raise NotFound("container", ai["00"])
        return Resolved("container", text, unit=unit, gs1=ai)
    if "01" in ai:
        item = session.exec(select(Item).where(Item.gtin == ai["01"])).first()
        if item is None:
            raise NotFound("item with GTIN", ai["01"])
        if "21" in ai:
            unit = _units(session, principal, Unit.item_id == item.id, Unit.kind == UnitKind.SERIAL,
                          Unit.serial == ai["21"]).first()
            if unit is None:
                raise NotFound("serial unit", f"{item.part_no} serial {ai['21']}")
            return Resolved("serial", text, unit=unit, gs1=ai)
        if "10" in ai:
            unit = _units(session, principal, Unit.item_id == item.id, Unit.kind == UnitKind.LOT,
                          Unit.lot_no == ai["10"]).first()
            if unit is None:
                raise NotFound("lot", f"{item.part_no} lot {ai['10']}")
            return Resolved("lot", text, unit=unit, gs1=ai)
        return Resolved("item", text, item=item, gs1=ai)
    gln = ai.get("414")
    if gln:
        location = session.exec(select(Location).where(Location.gln == gln)).first()
        if location is None or not principal.sees_site(location.site_id):
            raise NotFound("location with GLN", gln)
        return Resolved("location", text, location=location, gs1=ai)
    names = ", ".join(f"({k})" for k in ai)
    raise UnreadableCode(f"GS1 data {names} names no container (00), item (01) or location (414).")


def _plain(session: Session, principal: Principal, text: str) -> Resolved:
    unit = _units(session, principal, Unit.code == text).first()
    if unit is not None:
        return Resolved(unit.kind.value, text, unit=unit)
    for kind, column in ((UnitKind.SERIAL, Unit.serial), (UnitKind.LOT, Unit.lot_no)):
        found = list(_units(session, principal, column == text, Unit.kind == kind).all())
        if len(found) == 1:
            return Resolved(found[0].kind.value, text, unit=found[0])
        if len(found) > 1:
            raise AmbiguousCode(f"'{text}' matches {len(found)} units; scan the full label or give part no.: "
                                + ", ".join(sorted(u.code for u in found)[:10]),
                                candidates=sorted(u.code for u in found))
    location = session.exec(select(Location).where(Location.code == text)).first()
    if location is not None and principal.sees_site(location.site_id):
        return Resolved("location", text, location=location)
    item = session.exec(select(Item).where(Item.part_no == text)).first()
    if item is not None:
        return Resolved("item", text, item=item)
    raise NotFound("unit, location or item", text)


def _units(session: Session, principal: Principal, *where: Any):  # type: ignore[no-untyped-def]
    return session.exec(select(Unit).where(*where).where(visible_units(principal)))

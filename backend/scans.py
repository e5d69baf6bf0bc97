"""Any scan where a code is taken: a command's unit, item and location fields may hold a GS1 element string, a GS1
Digital Link URI, an SSCC or the plain code; each is turned into the plain code through the one resolver
(backend/trace/resolver.py) before the command is recorded, so the services keep taking plain codes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlmodel import Session, select

from backend.auth.principal import Principal
from backend.errors import InvalidInput, NotFound
from backend.trace.resolver import Resolved, resolve
from shared_models import commands as cmd
from shared_models.gs1 import GS1Error, parse_any
from shared_models.masterdata import Item, Location
from shared_models.trace import Unit

C = TypeVar("C", bound=BaseModel)
CHUNK = 500  # codes per IN (...) query


class WrongKindOfCode(InvalidInput):
    code = "wrong_kind_of_code"

    def __init__(self, field: str, found: Resolved, wanted: str) -> None:
        super().__init__(f"{field}: '{found.text}' names {found.what} ({found.label}), not {wanted}.",
                         field=field, kind=found.kind)


class Scans:
    """Turns the scans in one command into plain codes; codes that are already plain cost one query per 500."""

    def __init__(self, session: Session, principal: Principal) -> None:
        self.session, self.by = session, principal
        self._places: dict[str, str] = {}

    def units(self, field: str, texts: Iterable[str]) -> list[str]:
        texts = list(texts)
        known = self._existing(Unit.code, texts)
        return [t if t in known else self._one(field, t, "unit", "a unit (lot, serial or container)") for t in texts]

    def location(self, field: str, text: str) -> str:
        if text not in self._places:  # a shipment's lines name the same few locations
            known = self._existing(Location.code, [text])
            self._places[text] = text if known else self._one(field, text, "location", "a location")
        return self._places[text]

    def item(self, field: str, text: str) -> str:
        """An item by part no. or GTIN as before, or the (01) of a scanned GS1 label or Digital Link (whose lot or
        serial, at receiving, does not exist yet, so it is not resolved as a unit)."""
        if self._existing(Item.part_no, [text]) or self._existing(Item.gtin, [text.zfill(14)]):
            return text
        try:
            gtin = parse_any(text).as_dict().get("01")
        except GS1Error:
            gtin = None
        if gtin:
            part_no = self.session.exec(select(Item.part_no).where(Item.gtin == gtin)).first()
            if part_no is None:
                raise NotFound("item with GTIN", gtin)
            return part_no
        return self._one(field, text, "item", "an item")

    def _existing(self, column: Any, texts: list[str]) -> set[str]:
        found: set[str] = set()
        for i in range(0, len(texts), CHUNK):
            found |= set(self.session.exec(select(column).where(column.in_(texts[i:i + CHUNK]))).all())
        return found

    def _one(self, field: str, text: str, kind: str, wanted: str) -> str:
        found = resolve(self.session, self.by, text)
        if kind == "unit" and found.unit is not None:
            return found.unit.code
        if kind == "location" and found.location is not None:
            return found.location.code
        if kind == "item" and found.item is not None:
            return found.item.part_no
        raise WrongKindOfCode(field, found, wanted)


def plain_codes(session: Session, principal: Principal, c: C) -> C:
    """`c` with every unit, item and location scan replaced by its plain code; raises NotFound, AmbiguousCode,
    UnreadableCode or WrongKindOfCode naming the field."""
    s = Scans(session, principal)
    update: dict[str, Any] = {}
    if isinstance(c, cmd.Receive):
        update = {"item": s.item("item", c.item), "location": s.location("location", c.location)}
    elif isinstance(c, cmd.Move):  # and Pick
        update = {"unit": s.units("unit", [c.unit])[0], "from_location": s.location("from_location", c.from_location),
                  "to_location": s.location("to_location", c.to_location)}
    elif isinstance(c, cmd.Ship):
        units = s.units("lines.unit", [ln.unit for ln in c.lines])
        update = {"lines": [ln.model_copy(update={"unit": u, "from_location": s.location("lines.from_location",
                                                                                          ln.from_location)})
                            for ln, u in zip(c.lines, units, strict=True)]}
    elif isinstance(c, cmd.Count):
        units = s.units("lines.unit", [ln.unit for ln in c.lines])
        update = {"location": s.location("location", c.location),
                  "lines": [ln.model_copy(update={"unit": u}) for ln, u in zip(c.lines, units, strict=True)]}
    elif isinstance(c, cmd.Pack):
        update = {"units": s.units("units", c.units), "location": s.location("location", c.location)}
    elif isinstance(c, cmd.Unpack):
        update = {"container": s.units("container", [c.container])[0], "units": s.units("units", c.units),
                  "location": s.location("location", c.location)}
    elif isinstance(c, cmd.ChangeStatus):
        update = {"unit": s.units("unit", [c.unit])[0]}
    return c.model_copy(update=update)

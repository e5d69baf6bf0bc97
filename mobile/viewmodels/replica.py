"""What the handheld knows offline: the synced rows in its LocalStore, looked up the way the shop floor asks.

Rows are the server's columns as the stream spells them (dates as ISO text, enums as their values). A code is
resolved here first; only what the replica does not hold goes to the backend (when online).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from mobile.i18n import Msg
from mobile.scanner import ScanResult
from shared_models.bounds import QTY_EPSILON
from sync.client import LocalStore

Row = dict[str, Any]
_AI_IN_MESSAGE = re.compile(r"AI \((\d{2,4})\)")


class ScanRefused(ValueError):
    """A scan the flow cannot use; `msg` says why in the worker's words (malformed GS1 names the AI)."""

    def __init__(self, msg: Msg) -> None:
        super().__init__(msg.key)
        self.msg = msg


@dataclass(frozen=True, slots=True)
class Resolved:
    """What a scan names. Exactly one of unit / item / location is the subject; `item` is also set for a unit."""

    kind: str                     # lot | serial | container | item | location
    text: str                     # what was scanned, readable (HRI for GS1)
    unit: Row | None = None
    item: Row | None = None
    location: Row | None = None
    stock: tuple[tuple[str, float], ...] = ()       # (location code, qty) where the unit is on hand
    contents: tuple[Row, ...] = ()                  # units inside a container
    gs1: dict[str, str] = field(default_factory=dict)
    source: str = "replica"       # replica | server

    @property
    def code(self) -> str:
        if self.unit is not None:
            return str(self.unit["code"])
        if self.item is not None:
            return str(self.item["part_no"])
        assert self.location is not None
        return str(self.location["code"])

    @property
    def status(self) -> str | None:
        return str(self.unit["status"]) if self.unit is not None and self.unit.get("status") else None

    @property
    def expires_on(self) -> date | None:
        return as_date(self.unit.get("expires_on")) if self.unit is not None else None

    @property
    def on_hand(self) -> float:
        return sum(qty for _, qty in self.stock)


def as_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def malformed(result: ScanResult) -> Msg:
    """The worker's message for GS1 data that failed validation, naming the AI when the parser did."""
    found = _AI_IN_MESSAGE.search(result.gs1_error or "")
    return Msg.of("scan.malformed", ai=found.group(1) if found else "?", detail=result.gs1_error or "")


class Replica:
    def __init__(self, store: LocalStore) -> None:
        self.store = store

    # -- master data -----------------------------------------------------------------------------------------
    def rows(self, type_: str, **where: Any) -> list[Row]:
        return self.store.query(type_, where or None)

    def one(self, type_: str, **where: Any) -> Row | None:
        found = self.store.query(type_, where)
        return found[0] if found else None

    def by_id(self, type_: str, id_: str | None) -> Row | None:
        return self.store.get(type_, id_) if id_ else None

    def item_by_ref(self, ref: str) -> Row | None:
        """By part no. or GTIN (any length, zero-padded to 14)."""
        ref = ref.strip()
        found = self.one("item", part_no=ref)
        if found is None and ref.isdigit() and len(ref) <= 14:
            found = self.one("item", gtin=ref.zfill(14))
        return found

    def location(self, code: str) -> Row | None:
        return self.one("location", code=code.strip())

    def locations(self, site_id: str | None = None) -> list[Row]:
        rows = self.rows("location", site_id=site_id) if site_id else self.rows("location")
        return sorted(rows, key=lambda r: r["code"])

    def suppliers(self) -> list[Row]:
        return sorted(self.rows("supplier"), key=lambda r: r["code"])

    def customers(self) -> list[Row]:
        return sorted(self.rows("customer"), key=lambda r: r["code"])

    def site(self, site_id: str | None) -> Row | None:
        return self.by_id("site", site_id)

    # -- units and stock -------------------------------------------------------------------------------------
    def unit(self, code: str) -> Row | None:
        return self.one("unit", code=code)

    def stock_of(self, unit_id: str) -> list[tuple[Row, float]]:
        """(location row, qty) where the unit is on hand, by location code."""
        out = []
        for row in self.rows("stock_on_hand", unit_id=unit_id):
            qty = float(row["qty"])
            loc = self.by_id("location", row["location_id"])
            if qty > QTY_EPSILON and loc is not None:
                out.append((loc, qty))
        return sorted(out, key=lambda pair: pair[0]["code"])

    def qty_at(self, unit_id: str, location_id: str) -> float:
        found = self.rows("stock_on_hand", unit_id=unit_id, location_id=location_id)
        return sum(float(r["qty"]) for r in found)

    def stock_at(self, location_id: str) -> list[tuple[Row, float]]:
        """(unit row, qty) on hand at a location."""
        out = []
        for row in self.rows("stock_on_hand", location_id=location_id):
            unit = self.by_id("unit", row["unit_id"])
            if unit is not None and float(row["qty"]) > QTY_EPSILON:
                out.append((unit, float(row["qty"])))
        return sorted(out, key=lambda pair: pair[0]["code"])

    def contents(self, container_id: str) -> list[Row]:
        units = [self.by_id("unit", r["unit_id"]) for r in self.rows("container_content", container_id=container_id)]
        return sorted((u for u in units if u is not None), key=lambda u: u["code"])

    def container_of(self, unit_id: str) -> Row | None:
        found = self.rows("container_content", unit_id=unit_id)
        return self.by_id("unit", found[0]["container_id"]) if found else None

    def lots_of_item(self, item_id: str, site_id: str | None = None) -> list[Row]:
        where: dict[str, Any] = {"item_id": item_id, "kind": "lot"}
        if site_id:
            where["site_id"] = site_id
        return self.rows("unit", **where)

    # -- resolving a scan ------------------------------------------------------------------------------------
    def resolve(self, result: ScanResult) -> Resolved | None:
        """What the scan names in the replica; None when the replica does not know it (ask the server, or it is
        unknown). Raises ScanRefused for malformed GS1 (naming the AI) or a code that matches several units."""
        if result.gs1_error is not None:
            raise ScanRefused(malformed(result))
        if result.gs1 is not None:
            return self._from_gs1(result.display_text, result.gs1.as_dict())
        return self._plain(result.text.strip())

    def _from_gs1(self, text: str, ai: dict[str, str]) -> Resolved | None:
        if "00" in ai:
            unit = self.one("unit", sscc=ai["00"])
            return self._unit(unit, text, ai) if unit else None
        if "01" in ai:
            item = self.one("item", gtin=ai["01"])
            if item is None:
                return None
            if "21" in ai:
                unit = self.one("unit", item_id=item["id"], kind="serial", serial=ai["21"])
                return self._unit(unit, text, ai) if unit else None
            if "10" in ai:
                unit = self.one("unit", item_id=item["id"], kind="lot", lot_no=ai["10"])
                return self._unit(unit, text, ai) if unit else None
            return Resolved("item", text, item=item, gs1=ai)
        if "414" in ai:
            loc = self.one("location", gln=ai["414"])
            return Resolved("location", text, location=loc, gs1=ai) if loc else None
        return None

    def _plain(self, text: str) -> Resolved | None:
        unit = self.unit(text)
        if unit is not None:
            return self._unit(unit, text, {})
        if text.isdigit() and len(text) == 18:
            unit = self.one("unit", sscc=text)
            if unit is not None:
                return self._unit(unit, text, {})
        for kind, column in (("serial", "serial"), ("lot", "lot_no")):
            found = self.rows("unit", kind=kind, **{column: text})
            if len(found) == 1:
                return self._unit(found[0], text, {})
            if len(found) > 1:
                raise ScanRefused(Msg.of("scan.ambiguous", code=text, count=len(found),
                                         candidates=", ".join(sorted(u["code"] for u in found)[:5])))
        loc = self.location(text)
        if loc is not None:
            return Resolved("location", text, location=loc)
        item = self.item_by_ref(text)
        if item is not None:
            return Resolved("item", text, item=item)
        return None

    def _unit(self, unit: Row, text: str, ai: dict[str, str]) -> Resolved:
        stock = tuple((loc["code"], qty) for loc, qty in self.stock_of(unit["id"]))
        contents = tuple(self.contents(unit["id"])) if unit.get("kind") == "container" else ()
        return Resolved(str(unit["kind"]), text, unit=unit, item=self.by_id("item", unit.get("item_id")),
                        stock=stock, contents=contents, gs1=ai)

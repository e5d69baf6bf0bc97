"""Picking (拣货) against a pick list: FEFO suggestions per line, and a refusal, with its reason, of any unit
the gates say may not be used (on hold, recalled, expired, in quarantine, …) — decided on the replica, so it
holds offline exactly as the backend would decide it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from mobile.i18n import Msg
from mobile.viewmodels.context import CommandInvalid, Handheld, build
from mobile.viewmodels.flow import Flow, number
from mobile.viewmodels.replica import Resolved, Row, as_date
from shared_models import commands as cmd
from shared_models.bounds import QTY_EPSILON


@dataclass
class PickLine:
    part_no: str
    item_id: str
    qty: float
    picked: float = 0.0

    @property
    def open_qty(self) -> float:
        return max(0.0, self.qty - self.picked)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A usable lot of the line's item, in FEFO order (earliest expiry first; no expiry last)."""

    unit: str
    location: str
    qty: float
    expires_on: date | None


@dataclass
class PickList:
    reference: str = ""
    lines: list[PickLine] = field(default_factory=list)
    current: int = 0


class PickViewModel(Flow):
    def __init__(self, hh: Handheld) -> None:
        super().__init__(hh)
        self.pick_list = PickList(reference=f"PL-{hh.today():%y%m%d}")
        self.to_location = self._default_target()
        self.new_item = ""
        self.new_qty = ""

    # -- the pick list -----------------------------------------------------------------------------------------
    @property
    def line(self) -> PickLine | None:
        lines = self.pick_list.lines
        return lines[self.pick_list.current] if 0 <= self.pick_list.current < len(lines) else None

    @property
    def locations(self) -> list[Row]:
        return self.hh.replica.locations(self.hh.site_id)

    def set(self, name: str, value: str) -> None:
        if name == "reference":
            self.pick_list.reference = value.strip()
        elif name == "to_location":
            self.to_location = value.strip()
        elif name == "new_item":
            self.new_item = value.strip()
        elif name == "new_qty":
            self.new_qty = value.strip()
        else:
            raise ValueError(f"no pick field {name!r}")

    def add_line(self, part_no: str | None = None, qty: float | str | None = None) -> bool:
        """Adds a line (an item and how much of it); the form's fields when called without arguments."""
        self.clear()
        ref = part_no if part_no is not None else self.new_item
        item = self.hh.replica.item_by_ref(ref) if ref else None
        if item is None:
            self.fail(Msg.of("receive.unknown_item", item=ref or "—"))
            return False
        try:
            amount = number(qty if qty is not None else self.new_qty)
        except ValueError:
            amount = None
        if amount is None or amount <= 0:
            self.fail(Msg.of("form.bad_number", field=Msg.of("field.qty"), value=str(qty or self.new_qty)))
            return False
        self.pick_list.lines.append(PickLine(item["part_no"], item["id"], amount))
        self.pick_list.current = len(self.pick_list.lines) - 1
        self.new_item = self.new_qty = ""
        return True

    def select(self, index: int) -> None:
        if 0 <= index < len(self.pick_list.lines):
            self.pick_list.current = index

    # -- FEFO --------------------------------------------------------------------------------------------------
    def suggestions(self, line: PickLine | None = None) -> list[Suggestion]:
        """Usable lots of the line's item on hand at this site, earliest expiry first."""
        line = line or self.line
        if line is None:
            return []
        replica, today = self.hh.replica, self.hh.today()
        found: list[Suggestion] = []
        for unit in replica.lots_of_item(line.item_id, self.hh.site_id):
            if self.hh.gates.check("pick", unit, today):
                continue
            for loc, qty in replica.stock_of(unit["id"]):
                if loc["code"] != self.to_location:
                    found.append(Suggestion(unit["code"], loc["code"], qty, as_date(unit.get("expires_on"))))
        return sorted(found, key=lambda s: (s.expires_on or date.max, s.unit, s.location))

    # -- picking a scanned unit ----------------------------------------------------------------------------------
    def take(self, found: Resolved) -> None:
        if found.location is not None:
            self.to_location = found.location["code"]
            return
        if found.unit is None:
            self.fail(Msg.of("pick.scan_unit", code=found.code))
            return
        self.pick(found.unit)

    def pick(self, unit: Row, qty: float | None = None) -> bool:
        """Records the pick of `unit` for the current line, or refuses it with every reason."""
        line = self.line
        if line is None:
            self.fail(Msg.of("pick.no_line"))
            return False
        if unit.get("item_id") != line.item_id and unit.get("kind") != "container":
            self.fail(Msg.of("pick.wrong_item", unit=unit["code"], item=line.part_no))
            return False
        reasons = self.hh.gates.check("pick", unit, self.hh.today())
        if reasons:
            self.refuse(reasons)
            return False
        stock = [(loc, q) for loc, q in self.hh.replica.stock_of(unit["id"]) if loc["code"] != self.to_location]
        if not stock:
            self.fail(Msg.of("pick.no_stock", unit=unit["code"]))
            return False
        fefo = self.suggestions(line)
        if fefo and fefo[0].unit != unit["code"]:
            self.state.warnings.append(Msg.of("pick.not_fefo", unit=unit["code"], suggested=fefo[0].unit,
                                              date=fefo[0].expires_on.isoformat() if fefo[0].expires_on else "—"))
        location, on_hand = stock[0]
        amount = qty if qty is not None else min(on_hand, line.open_qty or on_hand)
        try:
            command = build(cmd.Pick, **self.hh.base(), unit=unit["code"], qty=amount,
                            from_location=location["code"], to_location=self.to_location,
                            reference=self.pick_list.reference)
        except CommandInvalid as exc:
            self.invalid(exc)
            return False
        self.hh.record("pick", command)
        line.picked += amount
        self.state.done = Msg.of("pick.queued", unit=unit["code"], qty=f"{amount:g}", to=self.to_location)
        if line.open_qty <= QTY_EPSILON and self.pick_list.current + 1 < len(self.pick_list.lines):
            self.pick_list.current += 1
        return True

    def _default_target(self) -> str:
        ship = next((loc for loc in self.locations if loc["code"].endswith("-SHIP")), None)
        return ship["code"] if ship else ""

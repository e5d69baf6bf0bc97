"""Put-away and moves (上架 / 移库): scan the unit, the bin it leaves (found from the replica when it is in one
place), then the target bin. Gates run on the replica: gone units don't move, un-inspected stock doesn't enter a
stock bin."""

from __future__ import annotations

from dataclasses import dataclass

from mobile.i18n import Msg
from mobile.viewmodels.context import CommandInvalid, Handheld, build
from mobile.viewmodels.flow import Flow, number
from mobile.viewmodels.replica import Resolved, Row
from shared_models import commands as cmd


@dataclass
class MoveForm:
    unit: str = ""
    from_location: str = ""
    to_location: str = ""
    qty: str = ""     # blank: everything the unit has at from_location


class MoveViewModel(Flow):
    def __init__(self, hh: Handheld) -> None:
        super().__init__(hh)
        self.form = MoveForm()
        self.sources: list[tuple[str, float]] = []   # where the scanned unit is, for the view to offer

    @property
    def locations(self) -> list[Row]:
        return self.hh.replica.locations(self.hh.site_id)

    def set(self, name: str, value: str) -> None:
        setattr(self.form, name, value.strip())

    def take(self, found: Resolved) -> None:
        if found.unit is not None:
            self.form.unit = found.code
            self.sources = list(found.stock)
            self.form.from_location = found.stock[0][0] if len(found.stock) == 1 else ""
            if not found.stock:
                self.state.warnings.append(Msg.of("move.no_stock", unit=found.code))
            return
        if found.location is not None:
            code = found.location["code"]
            if self.form.unit and not self.form.from_location:
                self.form.from_location = code
            else:
                self.form.to_location = code
            return
        self.fail(Msg.of("move.scan_unit_or_bin", code=found.code))

    def submit(self) -> bool:
        self.clear()
        f = self.form
        unit = self.hh.replica.unit(f.unit)
        if unit is None:
            self.fail(Msg.of("scan.unknown", code=f.unit or "—"))
            return False
        target = self.hh.replica.location(f.to_location) if f.to_location else None
        if target is None:
            self.fail(Msg.of("move.unknown_location", location=f.to_location or "—"))
            return False
        reasons = self.hh.gates.check("move", unit, self.hh.today(), target=target)
        if reasons:
            self.refuse(reasons)
            return False
        try:
            qty = number(f.qty)
            command = build(cmd.Move, **self.hh.base(), unit=f.unit, qty=qty, from_location=f.from_location,
                            to_location=f.to_location)
        except ValueError as exc:
            if isinstance(exc, CommandInvalid):
                self.invalid(exc)
            else:
                self.fail(Msg.of("form.bad_number", field=Msg.of("field.qty"), value=f.qty))
            return False
        if f.from_location and self.hh.replica.location(f.from_location) is not None:
            on_hand = self.hh.replica.qty_at(unit["id"], self.hh.replica.location(f.from_location)["id"])
            if on_hand <= 0:
                self.state.warnings.append(Msg.of("move.not_there", unit=f.unit, location=f.from_location))
        self.hh.record("move", command)
        self.state.done = Msg.of("move.queued", unit=f.unit, to=f.to_location)
        self.form = MoveForm()
        self.sources = []
        return True

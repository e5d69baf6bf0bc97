"""Shipping (发货): scan the units for a customer, pack them into a new SSCC container numbered on the handheld
from the block the backend reserved for it (mobile/viewmodels/numbers.py), and ship the container — a pack and a
ship command queued in one local transaction."""

from __future__ import annotations

from dataclasses import dataclass, field

from mobile.i18n import Msg
from mobile.viewmodels.context import CommandInvalid, Handheld, build
from mobile.viewmodels.flow import Flow
from mobile.viewmodels.numbers import NoNumbersLeft
from mobile.viewmodels.replica import Resolved, Row
from shared_models import commands as cmd


@dataclass
class ShipForm:
    customer: str = ""
    reference: str = ""
    location: str = ""
    units: list[str] = field(default_factory=list)


class ShipViewModel(Flow):
    def __init__(self, hh: Handheld) -> None:
        super().__init__(hh)
        self.form = ShipForm(reference=f"DN-{hh.today():%y%m%d}-{hh.store.pending_count() + 1:03d}")
        self.last_container: str | None = None

    @property
    def customers(self) -> list[Row]:
        return self.hh.replica.customers()

    def set(self, name: str, value: str) -> None:
        if name == "units":
            raise ValueError("units are scanned")
        setattr(self.form, name, value.strip())

    def take(self, found: Resolved) -> None:
        if found.location is not None:
            self.form.location = found.location["code"]
            return
        if found.unit is None:
            self.fail(Msg.of("ship.scan_unit", code=found.code))
            return
        code = found.code
        if code in self.form.units:
            self.state.warnings.append(Msg.of("ship.already_scanned", unit=code))
            return
        reasons = self.hh.gates.check("ship", found.unit, self.hh.today())
        if reasons:
            self.refuse(reasons)
            return
        places = [loc for loc, _ in found.stock]
        if not places:
            self.fail(Msg.of("pick.no_stock", unit=code))
            return
        if self.form.location and self.form.location not in places:
            self.fail(Msg.of("ship.other_location", unit=code, location=self.form.location))
            return
        self.form.location = self.form.location or places[0]
        self.form.units.append(code)

    def remove(self, code: str) -> None:
        self.form.units = [u for u in self.form.units if u != code]

    def submit(self) -> bool:
        self.clear()
        f = self.form
        if not f.units:
            self.fail(Msg.of("ship.nothing"))
            return False
        if not any(c["code"] == f.customer for c in self.customers):
            self.fail(Msg.of("ship.choose_customer"))
            return False
        try:
            sscc = self.hh.numbers.take()
        except NoNumbersLeft as exc:
            self.fail(exc.msg)
            if self.hh.numbers.problem:
                self.state.warnings.append(Msg.of("numbers.refused", detail=self.hh.numbers.problem))
            return False
        try:
            pack = build(cmd.Pack, **self.hh.base(), container=sscc, units=list(f.units), location=f.location)
            ship = build(cmd.Ship, **self.hh.base(), customer=f.customer, reference=f.reference,
                         lines=[{"unit": sscc, "from_location": f.location}])
        except CommandInvalid as exc:
            self.invalid(exc)
            return False
        self.hh.record_all([("pack", pack), ("ship", ship)])
        self.last_container = sscc
        self.state.done = Msg.of("ship.queued", sscc=sscc, count=len(f.units), customer=f.customer)
        self.form = ShipForm(customer=f.customer, reference=_next_reference(f.reference))
        return True


def _next_reference(ref: str) -> str:
    head, _, tail = ref.rpartition("-")
    return f"{head}-{int(tail) + 1:0{len(tail)}d}" if head and tail.isdigit() else ref

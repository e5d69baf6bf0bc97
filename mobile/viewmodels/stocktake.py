"""Stocktake (盘点, blind count): scan the bin, then each unit and type what is there. The book quantity is not
shown to the counter, but the quantity the replica held when the unit was scanned is sent with the count, so the
backend can adjust against the book at count time (ARCHITECTURE.md §4)."""

from __future__ import annotations

from dataclasses import dataclass, field

from mobile.i18n import Msg
from mobile.viewmodels.context import CommandInvalid, Handheld, build
from mobile.viewmodels.flow import Flow, number
from mobile.viewmodels.replica import Resolved
from shared_models import commands as cmd


@dataclass
class CountEntry:
    unit: str
    counted: str = ""           # typed by the counter
    book_qty_seen: float = 0.0  # never shown: what the replica held when the unit was scanned


@dataclass
class CountForm:
    location: str = ""
    reference: str = ""
    entries: list[CountEntry] = field(default_factory=list)


class StocktakeViewModel(Flow):
    def __init__(self, hh: Handheld) -> None:
        super().__init__(hh)
        self.form = CountForm(reference=f"CC-{hh.today():%y%m%d}")

    def set(self, name: str, value: str) -> None:
        if name not in ("location", "reference"):
            raise ValueError(f"no stocktake field {name!r}")
        setattr(self.form, name, value.strip())

    def set_count(self, unit: str, value: str) -> None:
        for entry in self.form.entries:
            if entry.unit == unit:
                entry.counted = value.strip()
                return
        raise KeyError(unit)

    def take(self, found: Resolved) -> None:
        if found.location is not None:
            if self.form.entries and found.location["code"] != self.form.location:
                self.fail(Msg.of("count.finish_bin_first", location=self.form.location))
                return
            self.form.location = found.location["code"]
            return
        if found.unit is None:
            self.fail(Msg.of("count.scan_unit", code=found.code))
            return
        if not self.form.location:
            self.fail(Msg.of("count.scan_bin_first"))
            return
        if any(e.unit == found.code for e in self.form.entries):
            self.state.warnings.append(Msg.of("count.already_counted", unit=found.code))
            return
        location = self.hh.replica.location(self.form.location)
        book = self.hh.replica.qty_at(found.unit["id"], location["id"]) if location else 0.0
        default = "1" if found.kind == "serial" else ""
        self.form.entries.append(CountEntry(found.code, default, book))

    def submit(self) -> bool:
        self.clear()
        f = self.form
        if not f.entries:
            self.fail(Msg.of("count.nothing"))
            return False
        lines = []
        for e in f.entries:
            try:
                counted = number(e.counted)
            except ValueError:
                counted = None
            if counted is None:
                self.fail(Msg.of("count.missing_qty", unit=e.unit))
                return False
            lines.append({"unit": e.unit, "counted_qty": counted, "book_qty_seen": e.book_qty_seen})
        try:
            command = build(cmd.Count, **self.hh.base(), location=f.location, reference=f.reference, lines=lines)
        except CommandInvalid as exc:
            self.invalid(exc)
            return False
        self.hh.record("count", command)
        self.state.done = Msg.of("count.queued", count=len(lines), location=f.location)
        self.form = CountForm(reference=f.reference)
        return True

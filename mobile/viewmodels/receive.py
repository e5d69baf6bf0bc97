"""Receiving (来料入库): supplier, item, lots and dates from the supplier's GS1 label, quantity, receiving bin.

An item that needs incoming inspection (IQC) is received into quarantine: the form says so and proposes the
site's IQC bin; the backend gives the lot the quarantine status whatever bin it goes to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from mobile.i18n import Msg
from mobile.scanner import ScanResult
from mobile.viewmodels.context import CommandInvalid, Handheld, build
from mobile.viewmodels.flow import Flow, number
from mobile.viewmodels.replica import Resolved, Row, ScanRefused, malformed
from shared_models import commands as cmd


@dataclass
class ReceiveForm:
    supplier: str = ""
    item: str = ""              # part no.
    lot_no: str = ""
    supplier_lot: str = ""
    qty: str = ""
    location: str = ""
    produced_on: str = ""       # ISO date, from AI 11 or typed
    expires_on: str = ""        # ISO date, from AI 17 or typed
    reference: str = ""
    serials: list[str] = field(default_factory=list)


class ReceiveViewModel(Flow):
    def __init__(self, hh: Handheld) -> None:
        super().__init__(hh)
        self.form = ReceiveForm(location=self._default_location())
        self.quarantine = False

    # -- choices for the view --------------------------------------------------------------------------------
    @property
    def suppliers(self) -> list[Row]:
        return self.hh.replica.suppliers()

    @property
    def locations(self) -> list[Row]:
        return self.hh.replica.locations(self.hh.site_id)

    @property
    def item(self) -> Row | None:
        return self.hh.replica.item_by_ref(self.form.item) if self.form.item else None

    def set(self, name: str, value: str) -> None:
        if name == "serials":
            raise ValueError("serials are scanned, not typed")
        setattr(self.form, name, value.strip())
        if name == "item":
            self._item_changed()

    # -- scans: the supplier's label fills the form ------------------------------------------------------------
    async def on_scan(self, result: ScanResult) -> None:
        self.clear()
        if result.gs1_error is not None:
            self.fail(malformed(result))
            return
        if result.gs1 is not None:
            self._label(result)
            return
        try:
            found = await self.resolve(result)
        except ScanRefused as exc:
            self.fail(exc.msg)
            return
        self.take(found)

    def _label(self, result: ScanResult) -> None:
        msg = result.gs1
        assert msg is not None
        if msg.gln is not None:
            loc = self.hh.replica.one("location", gln=msg.gln)
            if loc is None:
                self.fail(Msg.of("scan.unknown", code=result.display_text))
            else:
                self.form.location = loc["code"]
            return
        if msg.gtin is not None:
            item = self.hh.replica.item_by_ref(msg.gtin)
            if item is None:
                self.fail(Msg.of("receive.unknown_gtin", gtin=msg.gtin))
                return
            if item["part_no"] != self.form.item:
                self.form.serials = []
            self.form.item = item["part_no"]
            self._item_changed()
        if msg.lot is not None:
            self.form.supplier_lot = msg.lot
            if not self.form.lot_no:
                self.form.lot_no = msg.lot
        if msg.production_date is not None:
            self.form.produced_on = msg.production_date.isoformat()
        if msg.expiry is not None:
            self.form.expires_on = msg.expiry.isoformat()
        if msg.serial is not None:
            if msg.serial in self.form.serials:
                self.state.warnings.append(Msg.of("receive.serial_twice", serial=msg.serial))
            else:
                self.form.serials.append(msg.serial)
                self.form.qty = str(len(self.form.serials))
        elif msg.quantity is not None:
            self.form.qty = str(msg.quantity)
        if msg.gtin is None and msg.lot is None and msg.serial is None:
            self.fail(Msg.of("receive.label_not_understood", code=result.display_text))

    def take(self, found: Resolved) -> None:
        if found.kind == "location" and found.location is not None:
            self.form.location = found.location["code"]
        elif found.kind == "item" and found.item is not None:
            self.form.item = found.item["part_no"]
            self._item_changed()
        else:
            self.fail(Msg.of("receive.scan_label", code=found.code))

    def _item_changed(self) -> None:
        item = self.item
        self.quarantine = bool(item and item.get("needs_iqc"))
        if self.quarantine:
            iqc = self._site_location("IQC")
            if iqc is not None:
                self.form.location = iqc["code"]
        elif self.form.location and "IQC" in self.form.location:
            self.form.location = self._default_location()

    def _site_location(self, marker: str) -> Row | None:
        return next((loc for loc in self.locations if marker in loc["code"]), None)

    def _default_location(self) -> str:
        rcv = self._site_location("RCV")
        return rcv["code"] if rcv else ""

    # -- record ------------------------------------------------------------------------------------------------
    def submit(self) -> bool:
        self.clear()
        f = self.form
        try:
            qty = number(f.qty)
        except ValueError:
            self.fail(Msg.of("form.bad_number", field=Msg.of("field.qty"), value=f.qty))
            return False
        if self.item is None:
            self.fail(Msg.of("receive.unknown_item", item=f.item or "—"))
            return False
        try:
            command = build(cmd.Receive, **self.hh.base(), supplier=f.supplier, item=f.item, lot_no=f.lot_no,
                            supplier_lot=f.supplier_lot, qty=qty, location=f.location,
                            produced_on=_date(f.produced_on), expires_on=_date(f.expires_on),
                            serials=list(f.serials), reference=f.reference)
        except CommandInvalid as exc:
            self.invalid(exc)
            return False
        self.hh.record("receive", command)
        key = "receive.queued_quarantine" if self.quarantine else "receive.queued"
        self.state.done = Msg.of(key, lot=f"{f.item}/{f.lot_no}", qty=f"{qty:g}", location=f.location)
        self.form = ReceiveForm(supplier=f.supplier,
                                location=self._default_location() if self.quarantine else f.location)
        self.quarantine = False
        return True


def _date(text: str) -> date | str | None:
    """A typed ISO date; anything else goes to the schema, which names the field."""
    return text or None

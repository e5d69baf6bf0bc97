"""Receiving: the supplier's GS1 label fills item, lots, dates (AI 11, 17) and quantity; IQC items go to
quarantine; the command is validated before it is queued."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from mobile.i18n import Msg
from mobile.scanner import ScanPipeline
from mobile.viewmodels.context import Handheld
from mobile.viewmodels.receive import ReceiveViewModel
from tests.aio import Run, run_fixture  # noqa: F401
from tests.mobile.handheld_fixtures import GTIN_LBL, GTIN_MTR, GTIN_PC, make_handheld, queued

SCAN = ScanPipeline()


@pytest.fixture
def hh(tmp_path: Path) -> Handheld:
    return make_handheld(tmp_path)[0]


def label(vm: ReceiveViewModel, hri: str) -> None:
    asyncio.run(vm.on_scan(SCAN.scan_text(hri, source="manual")))


def test_dates_lot_and_quantity_come_from_the_gs1_label(hh: Handheld) -> None:
    vm = ReceiveViewModel(hh)
    vm.set("supplier", "SUP-NBP")
    label(vm, f"(01){GTIN_PC}(11)261101(17)271031(10)NB-88190(30)25")
    f = vm.form
    assert (f.item, f.supplier_lot, f.lot_no, f.produced_on, f.expires_on, f.qty) == \
        ("RM-PC-01", "NB-88190", "NB-88190", "2026-11-01", "2027-10-31", "25")
    assert f.location == "SZ-RCV" and not vm.quarantine
    vm.set("lot_no", "PC2611-C")
    assert vm.submit(), vm.state.error
    assert queued(hh) == [{"kind": "receive", "supplier": "SUP-NBP", "item": "RM-PC-01", "lot_no": "PC2611-C",
                           "supplier_lot": "NB-88190", "qty": 25.0, "location": "SZ-RCV",
                           "produced_on": "2026-11-01", "expires_on": "2027-10-31", "serials": [], "reference": "",
                           "occurred_at": "2026-11-20T02:00:00Z", "device_id": "test-device", "note": ""}]
    assert vm.state.done == Msg.of("receive.queued", lot="RM-PC-01/PC2611-C", qty="25", location="SZ-RCV")
    assert vm.form.supplier == "SUP-NBP" and vm.form.item == ""  # ready for the next pallet of this supplier


def test_item_needing_iqc_is_received_into_quarantine(hh: Handheld) -> None:
    vm = ReceiveViewModel(hh)
    vm.set("supplier", "SUP-LBL")
    label(vm, f"(01){GTIN_LBL}(10)KS-0800(30)12")
    assert vm.quarantine and vm.form.location == "SZ-IQC"
    assert vm.submit()
    assert vm.state.done is not None and vm.state.done.key == "receive.queued_quarantine"
    assert queued(hh)[0]["location"] == "SZ-IQC"
    assert vm.form.location == "SZ-RCV" and not vm.quarantine


def test_serial_tracked_items_collect_serials_from_their_labels(hh: Handheld) -> None:
    vm = ReceiveViewModel(hh)
    vm.set("supplier", "SUP-NBP")
    for serial in ("S1", "S2", "S2"):
        label(vm, f"(01){GTIN_MTR}(10)L1(21){serial}")
    assert vm.form.serials == ["S1", "S2"] and vm.form.qty == "2"
    assert vm.state.warnings == [Msg.of("receive.serial_twice", serial="S2")]
    assert vm.submit(), vm.state.error
    assert queued(hh)[0]["serials"] == ["S1", "S2"]


def test_malformed_label_is_refused_naming_the_ai_and_fills_nothing(hh: Handheld) -> None:
    vm = ReceiveViewModel(hh)
    label(vm, f"(01){GTIN_PC}(17)271331(10)X")
    assert vm.state.error is not None and vm.state.error.params["ai"] == "17"
    assert vm.form.item == "" and vm.form.expires_on == ""


def test_unknown_gtin_and_unknown_item_are_refused(hh: Handheld) -> None:
    vm = ReceiveViewModel(hh)
    label(vm, "(01)09506000134352(10)X")
    assert vm.state.error == Msg.of("receive.unknown_gtin", gtin="09506000134352")
    vm.set("item", "NOPE")
    assert not vm.submit()
    assert vm.state.error == Msg.of("receive.unknown_item", item="NOPE")


def test_malformed_command_is_refused_before_it_is_queued(hh: Handheld) -> None:
    vm = ReceiveViewModel(hh)
    vm.set("item", "RM-PC-01")
    vm.set("lot_no", "L1")
    vm.set("qty", "0")             # qty must be > 0; no supplier chosen either
    assert not vm.submit()
    assert vm.state.error is not None and vm.state.error.key == "form.invalid"
    assert "supplier" in vm.state.error.params["detail"] and "qty" in vm.state.error.params["detail"]
    vm.set("qty", "ten")
    assert not vm.submit()
    assert vm.state.error is not None and vm.state.error.key == "form.bad_number"
    vm.set("supplier", "SUP-NBP")
    vm.set("qty", "10")
    vm.set("produced_on", "2026-11-10")
    vm.set("expires_on", "2026-11-01")  # before production: the shared schema refuses it
    assert not vm.submit()
    assert "expires_on" in vm.state.error.params["detail"]
    assert hh.store.pending_count() == 0


def test_scanning_a_location_sets_the_receiving_bin(run: Run[Any], hh: Handheld) -> None:
    vm = ReceiveViewModel(hh)
    run(vm.on_scan(SCAN.scan_text("SZ-RM-02", source="wedge")))
    assert vm.form.location == "SZ-RM-02"
    run(vm.on_scan(SCAN.scan_text("(414)6901234000108", source="manual")))
    assert vm.form.location == "SZ-RCV"

"""Picking on the handheld: FEFO order, and a refusal naming its reason for every unusable unit — decided on the
replica, so it holds offline."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest

from mobile.i18n import Msg, Translator
from mobile.scanner import ScanPipeline
from mobile.viewmodels.context import Handheld
from mobile.viewmodels.pick import PickViewModel
from tests.mobile.handheld_fixtures import GTIN_PC, make_handheld, queued

SCAN = ScanPipeline()


@pytest.fixture
def hh(tmp_path: Path) -> Handheld:
    return make_handheld(tmp_path)[0]


def picking(hh: Handheld, part_no: str = "RM-PC-01", qty: float = 60) -> PickViewModel:
    vm = PickViewModel(hh)
    assert vm.add_line(part_no, qty), vm.state.error
    return vm


def scan(vm: PickViewModel, code: str) -> None:
    asyncio.run(vm.on_scan(SCAN.scan_text(code, source="manual")))


def test_fefo_suggests_earliest_expiry_first_among_usable_lots(hh: Handheld) -> None:
    vm = picking(hh)
    found = [(s.unit, s.location, s.qty, s.expires_on) for s in vm.suggestions()]
    # PC-HOLD would expire first, PC-EXP has expired, PC-RCL is recalled: none of them is suggested.
    assert found == [("RM-PC-01/PC-B", "SZ-RM-02", 50.0, date(2026, 11, 30)),
                     ("RM-PC-01/PC-A", "SZ-RM-01", 100.0, date(2026, 12, 20)),
                     ("RM-PC-01/PC-C", "SZ-RM-01", 20.0, None)]


def test_picking_the_fefo_lot_queues_a_pick_without_warning(hh: Handheld) -> None:
    vm = picking(hh, qty=30)
    scan(vm, "RM-PC-01/PC-B")
    assert vm.state.error is None and vm.state.warnings == []
    assert queued(hh) == [{"kind": "pick", "unit": "RM-PC-01/PC-B", "qty": 30.0, "from_location": "SZ-RM-02",
                           "to_location": "SZ-SHIP", "reference": vm.pick_list.reference,
                           "occurred_at": "2026-11-20T02:00:00Z", "device_id": "test-device", "note": ""}]
    assert vm.line is not None and vm.line.picked == 30


def test_picking_a_later_lot_warns_which_lot_expires_first(hh: Handheld) -> None:
    vm = picking(hh)
    scan(vm, "RM-PC-01/PC-A")
    assert vm.state.warnings == [Msg.of("pick.not_fefo", unit="RM-PC-01/PC-A", suggested="RM-PC-01/PC-B",
                                        date="2026-11-30")]
    assert len(queued(hh)) == 1


@pytest.mark.parametrize(("code", "rule", "en", "zh"), [
    ("RM-PC-01/PC-HOLD", "gate.status_on_hold", "RM-PC-01/PC-HOLD is on hold", "RM-PC-01/PC-HOLD 已冻结，不得使用"),
    ("RM-PC-01/PC-RCL", "gate.status_recalled", "RM-PC-01/PC-RCL is recalled", "RM-PC-01/PC-RCL 已召回，不得使用"),
    ("RM-PC-01/PC-EXP", "gate.expired", "RM-PC-01/PC-EXP expired on 2026-11-19",
     "RM-PC-01/PC-EXP 已于 2026-11-19 过期"),
])
def test_unusable_lot_is_refused_with_its_reason_and_nothing_is_queued(hh: Handheld, code: str, rule: str, en: str,
                                                                       zh: str) -> None:
    vm = picking(hh)
    scan(vm, code)
    assert vm.state.error == Msg.of("gate.refused")
    assert [m.key for m in vm.state.refusals] == [rule]
    assert [Translator("en")(m) for m in vm.state.refusals] == [en]
    assert [Translator("zh-CN")(m) for m in vm.state.refusals] == [zh]
    assert queued(hh) == [] and hh.store.pending_count() == 0


def test_quarantined_lot_is_refused_as_in_quarantine_and_not_through_iqc(hh: Handheld) -> None:
    vm = picking(hh, "PK-LBL-01", 5)
    scan(vm, "PK-LBL-01/LBL-Q")
    assert [m.key for m in vm.state.refusals] == ["gate.status_quarantine", "gate.iqc_not_passed"]
    assert Translator("en")(vm.state.refusals[0]) == "PK-LBL-01/LBL-Q is in quarantine awaiting inspection"
    assert queued(hh) == []


def test_a_lot_put_on_hold_by_the_last_sync_is_refused_offline(tmp_path: Path) -> None:
    hh, feeder = make_handheld(tmp_path)
    vm = picking(hh)
    pc_b = hh.replica.unit("RM-PC-01/PC-B")
    assert pc_b is not None
    feeder.put({"unit": [{**pc_b, "status": "on_hold", "version": 2}]})  # QA held it; the handheld synced
    scan(vm, "RM-PC-01/PC-B")
    assert [m.key for m in vm.state.refusals] == ["gate.status_on_hold"]
    assert [s.unit for s in vm.suggestions()] == ["RM-PC-01/PC-A", "RM-PC-01/PC-C"]


def test_unit_of_another_item_is_refused(hh: Handheld) -> None:
    vm = picking(hh)
    scan(vm, "FG-MTR-01/SN1")
    assert vm.state.error == Msg.of("pick.wrong_item", unit="FG-MTR-01/SN1", item="RM-PC-01")


def test_unknown_code_is_refused_saying_the_server_could_not_be_asked(hh: Handheld) -> None:
    vm = picking(hh)
    scan(vm, "RM-PC-01/NOPE")
    assert vm.state.error == Msg.of("scan.unknown_offline", code="RM-PC-01/NOPE")


def test_malformed_gs1_scan_is_refused_naming_the_ai(hh: Handheld) -> None:
    vm = picking(hh)
    scan(vm, f"(01){GTIN_PC}(17)261340(10)PC-B")  # month 13
    assert vm.state.error is not None and vm.state.error.key == "scan.malformed"
    assert vm.state.error.params["ai"] == "17"
    assert "AI (17)" in Translator("en")(vm.state.error)


def test_gs1_lot_label_picks_the_lot_it_names(hh: Handheld) -> None:
    vm = picking(hh, qty=10)
    scan(vm, f"(01){GTIN_PC}(10)PC-B")
    assert vm.state.error is None
    assert queued(hh)[0]["unit"] == "RM-PC-01/PC-B"


def test_pick_list_needs_a_known_item_and_a_quantity(hh: Handheld) -> None:
    vm = PickViewModel(hh)
    assert not vm.add_line("NOPE", 1)
    assert vm.state.error == Msg.of("receive.unknown_item", item="NOPE")
    assert not vm.add_line("RM-PC-01", "lots")
    assert vm.state.error is not None and vm.state.error.key == "form.bad_number"
    scan(vm, "RM-PC-01/PC-B")
    assert vm.state.error == Msg.of("pick.no_line")

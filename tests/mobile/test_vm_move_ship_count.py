"""Put-away, shipping (pack into an SSCC from the handheld's reserved block, then ship) and the blind count that
sends the book quantity the handheld saw."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from mobile.i18n import Msg
from mobile.scanner import ScanPipeline
from mobile.viewmodels.context import Handheld
from mobile.viewmodels.move import MoveViewModel
from mobile.viewmodels.ship import ShipViewModel
from mobile.viewmodels.stocktake import StocktakeViewModel
from shared_models.gs1 import validate_sscc
from tests.mobile.handheld_fixtures import make_handheld, queued

SCAN = ScanPipeline()


# Two SSCCs of a block as the backend reserves them (company prefix 6901234, extension 0): GS1's check digits.
BLOCK = {"id": "block-1", "numbers": ["069012340000000016", "069012340000000023"]}


@pytest.fixture
def hh(tmp_path: Path) -> Handheld:
    handheld = make_handheld(tmp_path)[0]
    handheld.numbers.add_block(BLOCK)
    return handheld


def scan(vm: object, code: str) -> None:
    asyncio.run(vm.on_scan(SCAN.scan_text(code, source="manual")))  # type: ignore[attr-defined]


# -- move ---------------------------------------------------------------------------------------------------------
def test_put_away_finds_the_source_bin_and_takes_the_scanned_target(hh: Handheld) -> None:
    vm = MoveViewModel(hh)
    scan(vm, "RM-PC-01/PC-B")
    assert (vm.form.unit, vm.form.from_location, vm.sources) == ("RM-PC-01/PC-B", "SZ-RM-02", [("SZ-RM-02", 50.0)])
    scan(vm, "SZ-RM-01")
    assert vm.submit(), vm.state.error
    cmd = queued(hh)[0]
    assert (cmd["kind"], cmd["unit"], cmd["from_location"], cmd["to_location"], cmd["qty"]) == \
        ("move", "RM-PC-01/PC-B", "SZ-RM-02", "SZ-RM-01", None)


def test_held_stock_may_move_but_uninspected_stock_may_not_enter_a_stock_bin(hh: Handheld) -> None:
    vm = MoveViewModel(hh)
    scan(vm, "RM-PC-01/PC-HOLD")
    scan(vm, "SZ-RM-02")
    assert vm.submit(), vm.state.error  # a hold does not stop a move (e.g. to a quarantine bin)
    scan(vm, "PK-LBL-01/LBL-Q")
    scan(vm, "SZ-RM-01")
    assert not vm.submit()
    assert [m.key for m in vm.state.refusals] == ["gate.iqc_not_passed"]
    assert len(queued(hh)) == 1


def test_move_to_the_same_bin_or_an_unknown_bin_is_refused(hh: Handheld) -> None:
    vm = MoveViewModel(hh)
    scan(vm, "RM-PC-01/PC-A")
    vm.set("to_location", "SZ-NOWHERE")
    assert not vm.submit()
    assert vm.state.error == Msg.of("move.unknown_location", location="SZ-NOWHERE")
    vm.set("to_location", "SZ-RM-01")
    assert not vm.submit()
    assert vm.state.error is not None and "from_location and to_location are both" in vm.state.error.params["detail"]


# -- ship ---------------------------------------------------------------------------------------------------------
def test_ship_packs_scanned_units_into_a_new_sscc_and_ships_it_in_one_transaction(hh: Handheld) -> None:
    vm = ShipViewModel(hh)
    vm.set("customer", "CUS-SGJS")
    scan(vm, "FG-MTR-01/SN1")
    scan(vm, "FG-MTR-01/SN2")
    scan(vm, "FG-MTR-01/SN2")
    assert vm.state.warnings == [Msg.of("ship.already_scanned", unit="FG-MTR-01/SN2")]
    assert vm.submit(), vm.state.error
    pack, ship = queued(hh)
    sscc = vm.last_container
    assert sscc == BLOCK["numbers"][0] and validate_sscc(sscc) == sscc
    assert (pack["kind"], pack["container"], pack["units"], pack["location"]) == \
        ("pack", sscc, ["FG-MTR-01/SN1", "FG-MTR-01/SN2"], "SZ-FG-01")
    assert (ship["kind"], ship["customer"], ship["lines"]) == \
        ("ship", "CUS-SGJS", [{"unit": sscc, "qty": None, "from_location": "SZ-FG-01"}])
    batch = hh.store.next_batch(10)
    assert batch[0].tx_id == batch[1].tx_id  # one local transaction
    assert hh.numbers.take() == BLOCK["numbers"][1]


def test_ship_without_numbers_left_says_to_connect_and_queues_nothing(hh: Handheld) -> None:
    hh.numbers.take()
    hh.numbers.take()
    vm = ShipViewModel(hh)
    vm.set("customer", "CUS-SGJS")
    scan(vm, "FG-MTR-01/SN1")
    assert not vm.submit()
    assert vm.state.error == Msg.of("numbers.none_left", kind="SSCC")
    assert queued(hh) == [] and vm.form.units == ["FG-MTR-01/SN1"]  # the scans wait for the numbers


def test_ship_refuses_unusable_units_and_needs_a_customer(hh: Handheld) -> None:
    vm = ShipViewModel(hh)
    scan(vm, "RM-PC-01/PC-RCL")
    assert [m.key for m in vm.state.refusals] == ["gate.status_recalled"]
    scan(vm, "FG-MTR-01/SN1")
    assert not vm.submit()
    assert vm.state.error == Msg.of("ship.choose_customer")
    scan(vm, "RM-PC-01/PC-A")  # at SZ-RM-01, not where the case is being packed
    assert vm.state.error == Msg.of("ship.other_location", unit="RM-PC-01/PC-A", location="SZ-FG-01")


# -- stocktake ---------------------------------------------------------------------------------------------------
def test_blind_count_sends_the_book_quantity_the_handheld_saw(hh: Handheld) -> None:
    vm = StocktakeViewModel(hh)
    scan(vm, "RM-PC-01/PC-A")
    assert vm.state.error == Msg.of("count.scan_bin_first")
    scan(vm, "SZ-RM-01")
    scan(vm, "RM-PC-01/PC-A")
    scan(vm, "RM-PC-01/PC-C")
    scan(vm, "RM-PC-01/PC-B")  # not on the book here: counted against a book of 0
    assert not vm.submit()
    assert vm.state.error == Msg.of("count.missing_qty", unit="RM-PC-01/PC-A")
    vm.set_count("RM-PC-01/PC-A", "98,5")
    vm.set_count("RM-PC-01/PC-C", "20")
    vm.set_count("RM-PC-01/PC-B", "3")
    assert vm.submit(), vm.state.error
    (count,) = queued(hh)
    assert (count["kind"], count["location"]) == ("count", "SZ-RM-01")
    assert count["lines"] == [{"unit": "RM-PC-01/PC-A", "counted_qty": 98.5, "book_qty_seen": 100.0},
                              {"unit": "RM-PC-01/PC-C", "counted_qty": 20.0, "book_qty_seen": 20.0},
                              {"unit": "RM-PC-01/PC-B", "counted_qty": 3.0, "book_qty_seen": 0.0}]


def test_count_stays_in_one_bin_and_counts_a_unit_once(hh: Handheld) -> None:
    vm = StocktakeViewModel(hh)
    scan(vm, "SZ-FG-01")
    scan(vm, "FG-MTR-01/SN1")
    assert vm.form.entries[0].counted == "1"  # a serial unit is one piece
    scan(vm, "FG-MTR-01/SN1")
    assert vm.state.warnings == [Msg.of("count.already_counted", unit="FG-MTR-01/SN1")]
    scan(vm, "SZ-RM-01")
    assert vm.state.error == Msg.of("count.finish_bin_first", location="SZ-FG-01")

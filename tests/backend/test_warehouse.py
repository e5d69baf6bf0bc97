"""Warehouse events: each action records once, derives stock, and refuses bad input without writing."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError
from sqlalchemy import func
from sqlmodel import Session, select

from backend.errors import NotFound
from backend.trace.models import EventLine
from backend.warehouse.errors import (
    EventIdReused,
    GateViolated,
    InsufficientStock,
    SiteMismatch,
    UnitExists,
    WrongTracking,
)
from shared_models import commands as cmd
from shared_models.enums import UnitStatus
from shared_models.trace import ContainerContent, Event, Unit
from tests.backend.story import receive, release, stock, warehouse
from tests.factories import Plant, at, eid


def unit(session: Session, code: str) -> Unit:
    return session.exec(select(Unit).where(Unit.code == code)).one()


def counts(session: Session) -> tuple[int, int, int]:
    return (session.exec(select(func.count()).select_from(Event)).one(),
            session.exec(select(func.count()).select_from(EventLine)).one(),
            session.exec(select(func.count()).select_from(Unit)).one())


def test_receiving_an_iqc_item_puts_the_lot_in_quarantine_with_expiry_from_shelf_life(
        session: Session, plant: Plant) -> None:
    receive(session, "RESIN-01", "R1", 25.5, produced_on=date(2026, 10, 1), supplier_lot="NB-7")
    lot = unit(session, "RESIN-01/R1")
    assert lot.status is UnitStatus.QUARANTINE
    assert lot.expires_on == date(2027, 10, 1)
    assert (lot.supplier_lot, lot.kind.value) == ("NB-7", "lot")
    assert stock(session, "RESIN-01/R1") == {"S1-A-01": 25.5}


def test_receiving_serials_makes_one_unit_each_under_the_lot(session: Session, plant: Plant) -> None:
    receive(session, "BRD-01", "BL1", 3, serials=["S-1", "S-2", "S-3"])
    assert [stock(session, f"BRD-01/S-{n}") for n in (1, 2, 3)] == [{"S1-A-01": 1.0}] * 3
    lot = unit(session, "BRD-01/BL1")
    assert {u.lot_unit_id for u in session.exec(select(Unit).where(Unit.serial.is_not(None)))} == {lot.id}


def test_serial_item_received_without_serials_is_refused(session: Session, plant: Plant) -> None:
    with pytest.raises(WrongTracking, match="serial-tracked"):
        receive(session, "BRD-01", "BL1", 3)
    assert counts(session) == (0, 0, 0)


def test_the_same_event_id_twice_stores_once(session: Session, plant: Plant) -> None:
    command = cmd.Receive(id=eid(), occurred_at=at(0), supplier="SUP-B", item="PCB-01", lot_no="P1", qty=10,
                          location="S1-A-01")
    first = warehouse(session).receive(command)
    again = warehouse(session).receive(command)
    assert first.id == again.id
    assert counts(session) == (1, 1, 1)
    assert stock(session, "PCB-01/P1") == {"S1-A-01": 10.0}


def test_an_event_id_reused_for_different_content_is_refused(session: Session, plant: Plant) -> None:
    event_id = eid()
    warehouse(session).receive(cmd.Receive(id=event_id, occurred_at=at(0), supplier="SUP-B", item="PCB-01",
                                           lot_no="P1", qty=10, location="S1-A-01"))
    with pytest.raises(EventIdReused, match=event_id):
        warehouse(session).receive(cmd.Receive(id=event_id, occurred_at=at(0), supplier="SUP-B", item="PCB-01",
                                               lot_no="P2", qty=10, location="S1-A-01"))
    assert counts(session) == (1, 1, 1)


def test_receiving_an_existing_lot_again_is_refused(session: Session, plant: Plant) -> None:
    receive(session, "PCB-01", "P1", 10)
    with pytest.raises(UnitExists, match="PCB-01/P1"):
        receive(session, "PCB-01", "P1", 5)
    assert stock(session, "PCB-01/P1") == {"S1-A-01": 10.0}


@pytest.mark.parametrize("field,value,message", [
    ("qty", -1, "greater than 0"),
    ("qty", 0, "greater than 0"),
    ("occurred_at", "2026-11-02T08:00:00", "time zone"),
    ("lot_no", "", "at least 1 character"),
    ("serials", ["A", "A"], "serials listed twice"),
    ("serials", ["A", "B", "C"], "3 serials listed for a quantity of 2"),
])
def test_malformed_receive_commands_name_the_field(field: str, value: object, message: str) -> None:
    base = {"id": eid(), "occurred_at": at(0), "supplier": "SUP-B", "item": "PCB-01", "lot_no": "P1", "qty": 2,
            "location": "S1-A-01"}
    with pytest.raises(ValidationError, match=message):
        cmd.Receive(**{**base, field: value})


def test_unknown_master_data_is_named(session: Session, plant: Plant) -> None:
    with pytest.raises(NotFound, match="supplier 'SUP-X'"):
        receive(session, "PCB-01", "P1", 10, supplier="SUP-X")
    with pytest.raises(NotFound, match="location 'NOWHERE'"):
        receive(session, "PCB-01", "P1", 10, location="NOWHERE")
    assert counts(session) == (0, 0, 0)


def test_move_part_of_a_lot_splits_its_stock(session: Session, plant: Plant) -> None:
    receive(session, "PCB-01", "P1", 10)
    warehouse(session).move(cmd.Move(id=eid(), occurred_at=at(1), unit="PCB-01/P1", qty=4, from_location="S1-A-01",
                                     to_location="S1-A-02"))
    assert stock(session, "PCB-01/P1") == {"S1-A-01": 6.0, "S1-A-02": 4.0}


def test_moving_more_than_on_hand_is_refused_and_nothing_is_written(session: Session, plant: Plant) -> None:
    receive(session, "PCB-01", "P1", 10)
    before = counts(session)
    with pytest.raises(InsufficientStock, match=r"PCB-01/P1 has 10 on hand at S1-A-01; 11 requested"):
        warehouse(session).move(cmd.Move(id=eid(), occurred_at=at(1), unit="PCB-01/P1", qty=11,
                                         from_location="S1-A-01", to_location="S1-A-02"))
    assert counts(session) == before
    assert stock(session, "PCB-01/P1") == {"S1-A-01": 10.0}


def test_moves_between_sites_are_refused(session: Session, plant: Plant) -> None:
    receive(session, "PCB-01", "P1", 10)
    with pytest.raises(SiteMismatch, match="different sites"):
        warehouse(session).move(cmd.Move(id=eid(), occurred_at=at(1), unit="PCB-01/P1", from_location="S1-A-01",
                                         to_location="S2-A-01"))


@pytest.mark.parametrize("status,reason", [
    (UnitStatus.QUARANTINE, "in quarantine"), (UnitStatus.ON_HOLD, "on hold"), (UnitStatus.RECALLED, "recalled"),
    (UnitStatus.BLOCKED, "blocked")])
def test_picking_a_held_unit_is_refused_with_the_reason(session: Session, plant: Plant, status: UnitStatus,
                                                        reason: str) -> None:
    receive(session, "PCB-01", "P1", 10)
    lot = unit(session, "PCB-01/P1")
    lot.status = status
    session.add(lot)
    session.commit()
    with pytest.raises(GateViolated, match=f"Cannot pick: PCB-01/P1 .*{reason}"):
        warehouse(session).pick(cmd.Pick(id=eid(), occurred_at=at(1), unit="PCB-01/P1", qty=1,
                                         from_location="S1-A-01", to_location="S1-SHIP"))


def test_picking_an_expired_lot_is_refused(session: Session, plant: Plant) -> None:
    receive(session, "RESIN-01", "R1", 10, expires_on=date(2026, 11, 1))
    release(session, "RESIN-01/R1")
    with pytest.raises(GateViolated, match="expired on 2026-11-01"):
        warehouse(session).pick(cmd.Pick(id=eid(), occurred_at=at(1), unit="RESIN-01/R1", qty=1,
                                         from_location="S1-A-01", to_location="S1-SHIP"))


def test_a_quarantined_lot_may_still_move_to_a_quarantine_bin(session: Session, plant: Plant) -> None:
    receive(session, "RESIN-01", "R1", 10)
    warehouse(session).move(cmd.Move(id=eid(), occurred_at=at(1), unit="RESIN-01/R1", from_location="S1-A-01",
                                     to_location="S1-A-02"))
    assert stock(session, "RESIN-01/R1") == {"S1-A-02": 10.0}


def test_shipping_everything_marks_the_unit_shipped(session: Session, plant: Plant) -> None:
    receive(session, "PCB-01", "P1", 10)
    warehouse(session).ship(cmd.Ship(id=eid(), occurred_at=at(1), customer="CUST-1", reference="DN-9",
                                     lines=[cmd.ShipLine(unit="PCB-01/P1", qty=4, from_location="S1-A-01")]))
    assert unit(session, "PCB-01/P1").status is UnitStatus.RELEASED
    warehouse(session).ship(cmd.Ship(id=eid(), occurred_at=at(2), customer="CUST-1", reference="DN-10",
                                     lines=[cmd.ShipLine(unit="PCB-01/P1", from_location="S1-A-01")]))
    assert unit(session, "PCB-01/P1").status is UnitStatus.SHIPPED
    assert stock(session, "PCB-01/P1") == {}


def test_shipping_more_than_on_hand_is_refused_and_nothing_is_written(session: Session, plant: Plant) -> None:
    receive(session, "PCB-01", "P1", 10)
    receive(session, "PCB-01", "P2", 1, minute=1)
    before = counts(session)
    with pytest.raises(InsufficientStock, match="PCB-01/P2 has 1 on hand"):
        warehouse(session).ship(cmd.Ship(id=eid(), occurred_at=at(2), customer="CUST-1", reference="DN-9", lines=[
            cmd.ShipLine(unit="PCB-01/P1", qty=10, from_location="S1-A-01"),
            cmd.ShipLine(unit="PCB-01/P2", qty=2, from_location="S1-A-01")]))
    assert counts(session) == before
    assert stock(session, "PCB-01/P1") == {"S1-A-01": 10.0}


def test_shipping_an_unknown_unit_names_it(session: Session, plant: Plant) -> None:
    with pytest.raises(NotFound, match="unit 'PCB-01/NOPE'"):
        warehouse(session).ship(cmd.Ship(id=eid(), occurred_at=at(2), customer="CUST-1", reference="DN-9",
                                         lines=[cmd.ShipLine(unit="PCB-01/NOPE", from_location="S1-A-01")]))


def test_packing_then_moving_a_container_moves_its_contents(session: Session, plant: Plant) -> None:
    receive(session, "PCB-01", "P1", 10)
    receive(session, "PCB-01", "P2", 5, minute=1)
    packed = warehouse(session).pack(cmd.Pack(id=eid(), occurred_at=at(2), units=["PCB-01/P1", "PCB-01/P2"],
                                              location="S1-A-01"))
    sscc = packed.attributes["sscc"]
    assert len(sscc) == 18 and sscc.startswith("06901234")
    warehouse(session).move(cmd.Move(id=eid(), occurred_at=at(3), unit=sscc, from_location="S1-A-01",
                                     to_location="S1-A-02"))
    assert stock(session, "PCB-01/P1") == {"S1-A-02": 10.0}
    assert stock(session, "PCB-01/P2") == {"S1-A-02": 5.0}
    assert stock(session, sscc) == {"S1-A-02": 1.0}


def test_packing_a_unit_already_in_a_container_is_refused(session: Session, plant: Plant) -> None:
    receive(session, "PCB-01", "P1", 10)
    first = warehouse(session).pack(cmd.Pack(id=eid(), occurred_at=at(2), units=["PCB-01/P1"], location="S1-A-01"))
    with pytest.raises(UnitExists, match=f"already packed in {first.attributes['sscc']}"):
        warehouse(session).pack(cmd.Pack(id=eid(), occurred_at=at(3), units=["PCB-01/P1"], location="S1-A-01"))


def test_a_given_sscc_with_a_bad_check_digit_is_refused(session: Session, plant: Plant) -> None:
    receive(session, "PCB-01", "P1", 10)
    with pytest.raises(WrongTracking, match="check digit"):
        warehouse(session).pack(cmd.Pack(id=eid(), occurred_at=at(2), container="106141412345678907",
                                         units=["PCB-01/P1"], location="S1-A-01"))


def test_unpack_takes_units_out_of_the_container(session: Session, plant: Plant) -> None:
    receive(session, "PCB-01", "P1", 10)
    receive(session, "PCB-01", "P2", 5, minute=1)
    sscc = warehouse(session).pack(cmd.Pack(id=eid(), occurred_at=at(2), container="106141412345678908",
                                            units=["PCB-01/P1", "PCB-01/P2"], location="S1-A-01")).attributes["sscc"]
    warehouse(session).unpack(cmd.Unpack(id=eid(), occurred_at=at(3), container=sscc, units=["PCB-01/P1"],
                                         location="S1-A-01"))
    inside = session.exec(select(Unit.code).join(ContainerContent, ContainerContent.unit_id == Unit.id)).all()
    assert inside == ["PCB-01/P2"]


def test_count_adjusts_against_the_book_at_count_time_not_now(session: Session, plant: Plant) -> None:
    receive(session, "PCB-01", "P1", 10)
    # The handheld counted 8 at minute 5 (it saw a book of 10); a pick of 3 at minute 6 reached the server first.
    warehouse(session).move(cmd.Move(id=eid(), occurred_at=at(6), unit="PCB-01/P1", qty=3, from_location="S1-A-01",
                                     to_location="S1-A-02"))
    event = warehouse(session).count(cmd.Count(id=eid(), occurred_at=at(5), location="S1-A-01", lines=[
        cmd.CountLine(unit="PCB-01/P1", counted_qty=8, book_qty_seen=10)]))
    assert event.attributes["lines"][0] == {"unit": "PCB-01/P1", "counted": 8, "book_seen": 10,
                                            "book_at_count": 10.0, "adjustment": -2.0}
    assert stock(session, "PCB-01/P1") == {"S1-A-01": 5.0, "S1-A-02": 3.0}


def test_count_finding_more_than_the_book_adds_stock(session: Session, plant: Plant) -> None:
    receive(session, "PCB-01", "P1", 10)
    warehouse(session).count(cmd.Count(id=eid(), occurred_at=at(5), location="S1-A-01", lines=[
        cmd.CountLine(unit="PCB-01/P1", counted_qty=12)]))
    assert stock(session, "PCB-01/P1") == {"S1-A-01": 12.0}

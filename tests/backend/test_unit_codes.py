"""Unit codes (<part no.>/<lot or serial>) are unambiguous: the identifier rule where values enter, and
`lotline check` for codes stored before it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar.testing import TestClient
from pydantic import ValidationError
from sqlmodel import Session, select

from backend.masterdata.errors import CsvRejected
from backend.masterdata.import_service import import_csv
from backend.seed.demo import load_plant_file
from backend.warehouse.check import BadIdentifier, bad_identifiers
from backend.warehouse.errors import UnitExists
from shared_models import commands as cmd
from shared_models.enums import Tracking
from shared_models.identifiers import CODE, PART_NO, split_unit_code
from shared_models.masterdata import Item
from shared_models.trace import Event, Unit
from tests.backend.story import receive, tell_story
from tests.factories import Plant, at, eid

MD = "/api/masterdata"


def units(session: Session) -> list[str]:
    return sorted(session.exec(select(Unit.code)).all())


def legacy_item(session: Session, part_no: str) -> Item:
    """An item stored before the rule (tables take what they are given; the rule lives in the schemas)."""
    item = Item(part_no=part_no, name="Legacy", tracking=Tracking.LOT)
    session.add(item)
    session.commit()
    return item


# -- the colliding pair of the finding: item X + lot Y/L1 against item X/Y + lot L1 -----------------------------
def test_lot_with_a_slash_makes_a_code_that_reads_back_at_the_first_slash(session: Session, plant: Plant) -> None:
    receive(session, "PCB-01", "B/L1", 5)
    assert units(session) == ["PCB-01/B/L1"]
    assert split_unit_code("PCB-01/B/L1") == ("PCB-01", "B/L1")


def test_item_whose_part_no_holds_a_slash_is_refused_naming_the_character(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    r = client.post(f"{MD}/items", json={"part_no": "PCB-01/B", "name": "Would collide"}, headers=login("qa"))
    assert (r.status_code, r.json()["code"]) == (400, "validation_error")
    assert "part_no contains '/' (U+002F) at position 7, which is not allowed" in r.text


def test_csv_row_whose_part_no_holds_a_slash_is_refused_by_line_and_column(session: Session, plant: Plant) -> None:
    with pytest.raises(CsvRejected) as caught:
        import_csv(session, "items", "part_no,name\nLID-01,Lid\nPCB-01/B,Would collide\n")
    [error] = caught.value.context["errors"]
    assert (error["line"], error["column"]) == (3, "part_no")
    assert error["message"].startswith("part_no contains '/' (U+002F)")
    assert session.exec(select(Item).where(Item.part_no == "LID-01")).first() is None


def test_a_legacy_slashed_item_cannot_take_over_an_existing_code(session: Session, plant: Plant) -> None:
    receive(session, "PCB-01", "B/L1", 5)
    legacy_item(session, "PCB-01/B")
    with pytest.raises(UnitExists, match="PCB-01/B/L1"):
        receive(session, "PCB-01/B", "L1", 5, minute=1)


# -- receive: lot numbers, serials, supplier lots ---------------------------------------------------------------
def receive_body(**over: object) -> dict[str, object]:
    return {"id": eid(), "occurred_at": at(0), "supplier": "SUP-B", "item": "PCB-01", "lot_no": "P1", "qty": 10,
            "location": "S1-A-01", **over}


def test_receive_with_a_control_character_in_the_lot_is_a_400_naming_it(client: TestClient, login,  # type: ignore[no-untyped-def]
                                                                       session: Session) -> None:
    r = client.post("/api/events/receive", json=receive_body(lot_no="P\x071"), headers=login("picker"))
    assert (r.status_code, r.json()["code"]) == (400, "validation_error")
    [error] = r.json()["errors"]
    assert error["key"] == "lot_no"
    assert "lot_no contains control character U+0007 at position 2" in error["message"]
    assert units(session) == []


@pytest.mark.parametrize(("field", "value", "shown"), [("supplier_lot", "NB 1", "' ' (U+0020)"),
                                                       ("lot_no", "P\u00a01", "'\\xa0' (U+00A0)")])
def test_receive_refuses_characters_a_gs1_label_cannot_carry(field: str, value: str, shown: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(f"{field} contains {shown}")):
        cmd.Receive(**receive_body(**{field: value}))  # type: ignore[arg-type]


def test_serial_numbers_are_checked_each() -> None:
    with pytest.raises(ValidationError) as caught:
        cmd.Receive(**receive_body(item="BRD-01", qty=2, serials=["S1", "S/\x1d2"]))  # type: ignore[arg-type]
    [error] = caught.value.errors()
    assert error["loc"] == ("serials", 1) and "control character U+001D" in error["msg"]


def test_production_output_with_an_empty_lot_and_a_serial_is_refused() -> None:
    # It made the code 'BRD-01/' before: an empty lot number won over the serial.
    with pytest.raises(ValidationError, match="lot_no"):
        cmd.ProductionOutput(lot_no="", serial="B1")


def test_sync_upload_with_a_control_character_in_the_lot_is_rejected_naming_it(client: TestClient, login,  # type: ignore[no-untyped-def]
                                                                            session: Session) -> None:
    data: dict[str, Any] = {"kind": "receive", **receive_body(lot_no="P\x1b1")}
    entry = {"op_id": 1, "op": "PUT", "type": "event_command", "id": data.pop("id"), "tx_id": 1, "data": data}
    r = client.post("/sync/upload", json={"client_id": "hh-1", "batch": [entry]}, headers=login("picker"))
    [verdict] = r.json()["verdicts"]
    assert (verdict["status"], verdict["code"]) == ("rejected", "invalid_command")
    assert "lot_no: lot_no contains control character U+001B" in verdict["reason"]
    assert session.exec(select(Event.id)).all() == []


# -- lotline check ----------------------------------------------------------------------------------------------
def test_check_finds_nothing_on_a_plant_that_keeps_the_rule(session: Session, plant: Plant) -> None:
    tell_story(session)
    assert bad_identifiers(session) == []


def test_check_reports_a_slashed_part_no_and_the_code_it_makes_ambiguous(session: Session, plant: Plant) -> None:
    legacy_item(session, "PCB-01/B")
    receive(session, "PCB-01/B", "L1", 5)
    found = bad_identifiers(session)
    assert [(b.what, b.key) for b in found] == [("item", "PCB-01/B"), ("unit", "PCB-01/B/L1")]
    assert found[0].problem.startswith("part_no contains '/' (U+002F) at position 7")
    assert found[1].problem == ("code reads as part no. 'PCB-01', lot 'B/L1' (its first '/'), but the unit is part "
                                "no. 'PCB-01/B', lot 'L1'")


def test_check_reports_a_stored_lot_with_a_control_character(session: Session, plant: Plant) -> None:
    receive(session, "PCB-01", "P1", 5)
    unit = session.exec(select(Unit)).one()
    unit.lot_no, unit.code = "P\x071", "PCB-01/P\x071"
    session.add(unit)
    session.commit()
    assert bad_identifiers(session) == [BadIdentifier(
        "unit", "PCB-01/P\x071", "lot_no contains control character U+0007 at position 2, which is not allowed; "
        "it may hold GS1 CSET 82: letters A-Z a-z, digits and !\"%&'()*+,-./:;<=>?_")]


def test_check_reports_a_code_that_is_not_its_part_no_and_lot(session: Session, plant: Plant) -> None:
    receive(session, "PCB-01", "P1", 5)
    unit = session.exec(select(Unit)).one()
    unit.code = "PCB-01-P1"
    session.add(unit)
    session.commit()
    assert bad_identifiers(session) == [BadIdentifier("unit", "PCB-01-P1",
                                                      "code should be 'PCB-01/P1' (part no./lot no.)")]


def test_the_demo_plant_keeps_the_identifier_rule() -> None:
    # Its history's lots and serials pass the command schemas whenever the demo is seeded; its master data is
    # written as table rows, so it is checked here.
    plant = load_plant_file()
    problems = [PART_NO.explain("part_no", i["part_no"]) for i in plant["items"]]
    problems += [CODE.explain("code", row["code"]) for kind in ("sites", "locations", "suppliers", "customers",
                                                                  "equipment") for row in plant[kind]]
    assert [p for p in problems if p] == []

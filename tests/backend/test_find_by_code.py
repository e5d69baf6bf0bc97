"""One rule of "find by code" (backend/trace/lookup.py) for both paths: the query a service makes for one code and
the sets a posting run reads for many (backend/warehouse/posting.py) give the same answer or the same error."""

from __future__ import annotations

from collections.abc import Callable
from itertools import count

import pytest
from sqlmodel import Session, select

from backend.auth.principal import SYSTEM, Principal
from backend.errors import DomainError, NotFound
from backend.trace.lookup import item_by_ref, location_by_code, pick_item, unit_by_code
from backend.trace.models import EventLine
from backend.warehouse.posting import Posting
from shared_models import commands as cmd
from shared_models.enums import Role, Tracking
from shared_models.masterdata import Item, Location
from shared_models.trace import Unit
from tests.backend.story import TODAY, receive
from tests.factories import Plant, at, eid

CASE_GTIN = "06901234000023"  # CASE-01's GTIN (tests/factories.py)
_lots = count(1)


def outcome(find: Callable[[], str]) -> tuple[str, ...]:
    try:
        return ("found", find())
    except DomainError as exc:
        return (type(exc).__name__, exc.code, exc.detail)


def posted(session: Session, command: cmd.Receive | cmd.Move, by: Principal,
           answer: Callable[[EventLine], str]) -> tuple[str, ...]:
    """`command` posted alone in a run: `answer` of the line it recorded, or its refusal. Nothing stays."""
    def find() -> str:
        [done] = Posting(session, by, today=TODAY).post([command])
        if done.error is not None:
            raise done.error
        return answer(session.exec(select(EventLine).where(EventLine.event_id == done.event_id)).one())

    found = outcome(find)
    session.rollback()
    return found


def receipt(item: str = "CASE-01", location: str = "S1-A-01") -> cmd.Receive:
    return cmd.Receive(id=eid(), occurred_at=at(0), supplier="SUP-A", item=item, lot_no=f"F{next(_lots)}", qty=1,
                       location=location)


def item_of(session: Session) -> Callable[[EventLine], str]:
    def part_no(line: EventLine) -> str:
        unit = session.get(Unit, line.unit_id)
        item = session.get(Item, unit.item_id) if unit else None
        assert item is not None
        return item.part_no
    return part_no


@pytest.fixture
def twin(session: Session, plant: Plant) -> Item:
    """An item whose part number is CASE-01's GTIN: the case the rule has to settle."""
    item = Item(part_no=CASE_GTIN, name="Case twin", tracking=Tracking.LOT)
    session.add(item)
    session.commit()
    return item


@pytest.mark.parametrize(("ref", "expected"), [
    ("CASE-01", ("found", "CASE-01")),                          # by part number
    (CASE_GTIN, ("found", CASE_GTIN)),                          # a part number wins over another item's GTIN
    (CASE_GTIN[1:], ("found", "CASE-01")),                      # a GTIN-13 reads as its GTIN-14
    ("case-01", ("NotFound", "not_found", "No item 'case-01'.")),  # exact: no case folding
    ("NOPE-99", ("NotFound", "not_found", "No item 'NOPE-99'.")),
])
def test_an_item_reference_names_the_same_item_or_none_on_both_paths(session: Session, twin: Item, ref: str,
                                                                     expected: tuple[str, ...]) -> None:
    assert outcome(lambda: item_by_ref(session, ref).part_no) == expected
    assert posted(session, receipt(item=ref), SYSTEM, item_of(session)) == expected


def test_an_item_is_picked_among_candidates_that_other_references_name() -> None:
    """Posting reads the items of a whole run at once: the choice must ignore the others' matches."""
    case = Item(part_no="CASE-01", name="Case", gtin=CASE_GTIN)
    twin = Item(part_no=CASE_GTIN, name="Case twin")
    other = Item(part_no="PCB-01", name="PCB", gtin="00000000012345")
    assert pick_item(CASE_GTIN, [case, other, twin]) is twin
    assert pick_item("12345", [case, other, twin]) is other
    with pytest.raises(NotFound, match="No item 'RESIN-01'"):
        pick_item("RESIN-01", [case, other, twin])


def picker(plant: Plant) -> Principal:
    return Principal(user_id=plant.users["picker"].id, username="picker", role=Role.PICKER,
                     site_id=plant.sites["S1"].id)


@pytest.mark.parametrize(("code", "expected"), [
    ("S1-A-01", ("found", "S1-A-01")),
    ("S2-A-01", ("NotFound", "not_found", "No location 'S2-A-01'.")),  # another site's: as if it did not exist
    ("S9-X-99", ("NotFound", "not_found", "No location 'S9-X-99'.")),
])
def test_a_location_the_caller_may_not_see_is_not_found_on_both_paths(session: Session, plant: Plant, code: str,
                                                                      expected: tuple[str, ...]) -> None:
    by = picker(plant)
    assert outcome(lambda: location_by_code(session, code, by).code) == expected

    def target(line: EventLine) -> str:
        location = session.get(Location, line.to_location_id)
        assert location is not None
        return location.code

    assert posted(session, receipt(location=code), by, target) == expected


@pytest.mark.parametrize(("code", "expected"), [
    ("PCB-01/HERE", ("found", "PCB-01/HERE")),
    ("PCB-01/THERE", ("NotFound", "not_found", "No unit 'PCB-01/THERE'.")),  # on site S2
    ("PCB-01/NONE", ("NotFound", "not_found", "No unit 'PCB-01/NONE'.")),
])
def test_a_unit_the_caller_may_not_see_is_not_found_on_both_paths(session: Session, plant: Plant, code: str,
                                                                  expected: tuple[str, ...]) -> None:
    receive(session, "PCB-01", "HERE", 5)
    receive(session, "PCB-01", "THERE", 5, location="S2-A-01")
    by = picker(plant)
    assert outcome(lambda: unit_by_code(session, code, by).code) == expected
    move = cmd.Move(id=eid(), occurred_at=at(1), unit=code, qty=1, from_location="S1-A-01", to_location="S1-A-02")

    def subject(line: EventLine) -> str:
        unit = session.get(Unit, line.unit_id)
        assert unit is not None
        return unit.code

    assert posted(session, move, by, subject) == expected

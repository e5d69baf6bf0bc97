"""Numbering rules through the service, on SQLite and PostgreSQL: which rule applies, counters per reset period,
gap-free allocation in the caller's transaction, never a number twice, SSCCs, offline blocks."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlmodel import Session, func, select

from backend.auth.principal import SYSTEM, Principal
from backend.coding.allocation import next_sscc, rule_for, take
from backend.coding.errors import (
    BlockOverused,
    InvalidRule,
    NoNumberingRule,
    NoOfflineBlocks,
    NumbersUsedUp,
    NumberTaken,
    RuleExists,
    StaleRule,
)
from backend.coding.models import IssuedNumber, NumberingRule, NumberKind
from backend.coding.numbering_service import NumberingService
from backend.coding.schemas import BlockRequest, NumberingRuleCreate, NumberRequest
from backend.errors import Forbidden
from shared_models.enums import Role, UnitKind
from shared_models.trace import Unit
from tests.factories import Plant

DAY = date(2026, 3, 14)


def numbering(session: Session, by: Principal = SYSTEM) -> NumberingService:
    return NumberingService(session, by)


def make_rule(session: Session, code: str, kind: NumberKind = NumberKind.LOT, **fields: Any) -> NumberingRule:
    fields.setdefault("pattern", [{"part": "literal", "value": "L"}, {"part": "seq"}])
    return numbering(session).create_rule(NumberingRuleCreate(code=code, kind=kind, **fields))


def numbers(session: Session, kind: NumberKind = NumberKind.LOT, count: int = 1, **request: Any) -> list[str]:
    request.setdefault("site", "S1")
    return numbering(session).allocate(NumberRequest(kind=kind, count=count, **request)).numbers


def issued(session: Session) -> int:
    return session.exec(select(func.count()).select_from(IssuedNumber)).one()


# -- which rule ---------------------------------------------------------------------------------------------------
def test_the_most_specific_rule_numbers(session: Session, plant: Plant) -> None:
    make_rule(session, "PLANT", pattern=[{"part": "literal", "value": "P"}, {"part": "seq"}], width=3)
    make_rule(session, "SITE", site="S1", pattern=[{"part": "literal", "value": "S"}, {"part": "seq"}], width=3)
    make_rule(session, "GROUP", item_group="boards", pattern=[{"part": "literal", "value": "G"}, {"part": "seq"}],
              width=3)
    make_rule(session, "ITEM", item="PCB-01", pattern=[{"part": "literal", "value": "I"}, {"part": "seq"}], width=3)
    assert numbers(session, site="S2") == ["P001"]
    assert numbers(session) == ["S001"]
    assert numbers(session, item="BRD-01", item_group="boards") == ["G001"]
    assert numbers(session, item="PCB-01", item_group="boards") == ["I001"]


def test_no_rule_for_a_kind_is_an_error_that_says_so(session: Session, plant: Plant) -> None:
    with pytest.raises(NoNumberingRule, match="serial numbers for site S1"):
        numbers(session, NumberKind.SERIAL)


def test_two_active_rules_for_the_same_scope_are_refused(session: Session, plant: Plant) -> None:
    make_rule(session, "A", site="S1")
    with pytest.raises(RuleExists, match="Rule A already numbers lot"):
        make_rule(session, "B", site="S1")
    numbering(session).update_rule("A", {"active": False}, expected_version=1)
    make_rule(session, "B", site="S1")


def test_a_rule_that_could_repeat_numbers_is_refused(session: Session, plant: Plant) -> None:
    with pytest.raises(InvalidRule, match="reset daily repeats"):
        make_rule(session, "DAILY", reset="daily")
    assert session.exec(select(NumberingRule)).all() == []


def test_an_edit_of_a_stale_version_is_refused(session: Session, plant: Plant) -> None:
    make_rule(session, "A")
    numbering(session).update_rule("A", {"width": 8}, expected_version=1)
    with pytest.raises(StaleRule, match="now at version 2, not 1"):
        numbering(session).update_rule("A", {"width": 9}, expected_version=1)


# -- counters --------------------------------------------------------------------------------------------------
def test_a_daily_rule_starts_again_each_day_and_carries_on_within_one(session: Session, plant: Plant) -> None:
    make_rule(session, "LOT-DAY", reset="daily", width=3, pattern=[
        {"part": "literal", "value": "LOT"}, {"part": "YY"}, {"part": "JJJ"}, {"part": "site"}, {"part": "line"},
        {"part": "literal", "value": "-"}, {"part": "seq"}])
    assert numbers(session, count=2, on=DAY, line="L2") == ["LOT26073S1L2-001", "LOT26073S1L2-002"]
    assert numbers(session, on=date(2026, 3, 15), line="L2") == ["LOT26074S1L2-001"]
    assert numbers(session, on=DAY, line="L2") == ["LOT26073S1L2-003"]


@pytest.mark.parametrize(("reset", "pattern", "later", "expected"), [
    ("monthly", ["YYYY", "MM"], date(2026, 4, 1), ["20260301", "20260302", "20260401"]),
    ("yearly", ["YY"], date(2026, 12, 31), ["2601", "2602", "2603"]),
    ("never", [], date(2027, 1, 1), ["01", "02", "03"]),
])
def test_reset_periods(session: Session, plant: Plant, reset: str, pattern: list[str], later: date,
                       expected: list[str]) -> None:
    make_rule(session, "R", reset=reset, width=2, pattern=[{"part": p} for p in [*pattern, "seq"]])
    assert numbers(session, count=2, on=DAY) + numbers(session, on=later) == expected


def test_check_characters_are_part_of_the_number(session: Session, plant: Plant) -> None:
    make_rule(session, "SER", NumberKind.SERIAL, item="MTR-01", width=4, reset="daily", check_char="gs1_mod10",
              pattern=[{"part": "YY"}, {"part": "MM"}, {"part": "DD"}, {"part": "seq"}])
    make_rule(session, "WO", NumberKind.WORK_ORDER, width=1, check_char="iso7064_mod37_36",
              pattern=[{"part": "literal", "value": "AB"}, {"part": "seq"}])
    assert numbers(session, NumberKind.SERIAL, item="MTR-01", on=DAY) == ["26031400015"]
    assert numbers(session, NumberKind.WORK_ORDER) == ["AB1M"]


def test_a_sequence_that_runs_out_says_so_and_hands_out_nothing(session: Session, plant: Plant) -> None:
    make_rule(session, "SHORT", width=1, start=8)
    assert numbers(session, count=2) == ["L8", "L9"]
    with pytest.raises(NumbersUsedUp, match="used every 1-digit sequence value"):
        numbers(session)
    assert issued(session) == 2


# -- gap-free and never twice ----------------------------------------------------------------------------------
def test_a_rolled_back_caller_gives_its_number_back(session: Session, plant: Plant) -> None:
    """Gap-free: the number is taken in the caller's transaction; the caller fails, the next one gets it."""
    make_rule(session, "GF", gap_free=True, width=3)
    rule = session.exec(select(NumberingRule).where(NumberingRule.code == "GF")).one()
    assert take(session, rule, on=DAY).numbers == ["L001"]
    session.rollback()  # what @atomic does when the command that used the number is refused
    assert numbers(session) == ["L001"]
    assert numbers(session) == ["L002"]


def test_a_number_handed_out_before_is_passed_over(session: Session, plant: Plant) -> None:
    """An edited pattern that meets an older one's numbers: the rule skips them, never repeats one."""
    make_rule(session, "A", width=3)
    assert numbers(session, count=3) == ["L001", "L002", "L003"]
    numbering(session).update_rule("A", {"active": False}, expected_version=1)
    make_rule(session, "B", width=3)
    assert numbers(session) == ["L004"]


def test_a_gap_free_rule_stops_rather_than_skip(session: Session, plant: Plant) -> None:
    make_rule(session, "A", width=3)
    numbers(session, count=2)
    numbering(session).update_rule("A", {"active": False}, expected_version=1)
    make_rule(session, "B", width=3, gap_free=True)
    with pytest.raises(NumberTaken, match="rendered L001, which was handed out before"):
        numbers(session)


def test_lot_numbers_are_unique_per_item_not_plant_wide(session: Session, plant: Plant) -> None:
    make_rule(session, "P", item="PCB-01")
    make_rule(session, "C", item="CASE-01")
    assert numbers(session, item="PCB-01") == numbers(session, item="CASE-01") == ["L000001"]


def test_a_picker_takes_numbers_only_for_their_site(session: Session, plant: Plant) -> None:
    make_rule(session, "A")
    picker = Principal(plant.users["picker"].id, "picker", Role.PICKER, site_id=plant.sites["S1"].id)
    assert numbering(session, picker).allocate(NumberRequest(kind=NumberKind.LOT, site="S1")).numbers == ["L000001"]
    with pytest.raises(Forbidden):
        numbering(session, picker).allocate(NumberRequest(kind=NumberKind.LOT, site="S2"))


# -- SSCC ------------------------------------------------------------------------------------------------------
def test_a_site_gets_an_sscc_rule_on_its_first_sscc(session: Session, plant: Plant) -> None:
    site = plant.sites["S1"]
    # 0 + 6901234 (the site's GLN) + 000000001; weighted sum from the right 1·3+4+3·3+2+1·3+9·3+6 = 54 → 6
    assert next_sscc(session, site) == "069012340000000016"
    session.commit()
    rule = session.exec(select(NumberingRule).where(NumberingRule.kind == NumberKind.SSCC)).one()
    assert (rule.code, rule.site_id, rule.extension_digit) == ("SSCC-S1", site.id, "0")
    assert numbering(session).public(rule).template == "06901234{seq:9}{check:gs1_mod10}"


def test_ssccs_carry_on_after_containers_numbered_before_and_skip_received_ones(session: Session,
                                                                               plant: Plant) -> None:
    site = plant.sites["S1"]

    def container(sscc: str) -> None:
        session.add(Unit(code=sscc, kind=UnitKind.CONTAINER, sscc=sscc, site_id=site.id))
        session.commit()

    container("069012340000000405")  # serial reference 40, numbered before the rule existed
    container("069012340000000412")  # 41
    make_rule(session, "SSCC-S1", NumberKind.SSCC, site="S1", pattern=[], company_prefix="6901234",
              extension_digit="1")
    assert next_sscc(session, site)[:17] == "16901234000000001"  # its own extension digit: a range of its own
    numbering(session).update_rule("SSCC-S1", {"extension_digit": "0"}, expected_version=1)
    assert next_sscc(session, site) == "069012340000000429"  # 42, after the containers already there
    container("069012340000000436")  # 43, received with a label made elsewhere under the same prefix
    assert next_sscc(session, site) == "069012340000000443"  # 44: 43 is passed over


def test_an_sscc_rule_takes_no_pattern(session: Session, plant: Plant) -> None:
    with pytest.raises(InvalidRule, match="an SSCC rule has no pattern"):
        make_rule(session, "X", NumberKind.SSCC)


def test_a_site_without_a_gln_numbers_ssccs_with_the_default_prefix(session: Session, plant: Plant) -> None:
    rule = rule_for(session, NumberKind.SSCC, site=plant.sites["S2"])
    # 0 + 0614141 + 000000001; from the right 1·3+1+4·3+1+4·3+1+6·3 = 48 → 2
    assert take(session, rule, site=plant.sites["S2"]).numbers == ["006141410000000012"]


# -- offline blocks --------------------------------------------------------------------------------------------
def test_a_block_reserves_numbers_in_order_and_online_numbers_follow_it(session: Session, plant: Plant) -> None:
    make_rule(session, "A", width=3)
    block = numbering(session).reserve_block(BlockRequest(kind=NumberKind.LOT, site="S1", device_id="hh-7", count=3))
    assert (block.numbers, block.used, block.used_up_at) == (["L001", "L002", "L003"], 0, None)
    assert numbers(session) == ["L004"]
    assert session.exec(select(func.count()).select_from(IssuedNumber)
                        .where(IssuedNumber.block_id == block.id)).one() == 3


def test_a_device_reports_use_until_its_block_is_used_up(session: Session, plant: Plant) -> None:
    make_rule(session, "A", width=3)
    service = numbering(session)
    block = service.reserve_block(BlockRequest(kind=NumberKind.LOT, site="S1", device_id="hh-7", count=3))
    assert service.report_use(block.id, 2).used == 2
    assert service.report_use(block.id, 1).used == 2          # a late report changes nothing
    with pytest.raises(BlockOverused, match="holds 3 numbers"):
        service.report_use(block.id, 4)
    assert service.report_use(block.id, 3).used_up_at is not None
    assert service.device_blocks("hh-7") == []
    assert [b.id for b in service.device_blocks("hh-7", open_only=False)] == [block.id]


def test_a_gap_free_rule_reserves_no_blocks(session: Session, plant: Plant) -> None:
    make_rule(session, "GF", gap_free=True)
    with pytest.raises(NoOfflineBlocks, match="gap-free"):
        numbering(session).reserve_block(BlockRequest(kind=NumberKind.LOT, site="S1", device_id="hh-7"))
    assert issued(session) == 0

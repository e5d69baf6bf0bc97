"""The identifier rule: which characters part numbers, lots, serials and codes may hold, and unit codes."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from shared_models.gs1 import CSET82
from shared_models.identifiers import (
    CODE_CHARS,
    PART_NO_CHARS,
    LongCode,
    LotNo,
    PartNo,
    SerialNo,
    ShortCode,
    SupplierLot,
    split_unit_code,
    unit_code,
)


class Form(BaseModel):
    lot_no: LotNo = "L1"
    serials: list[SerialNo] = []
    supplier_lot: SupplierLot = ""
    part_no: PartNo = "P1"
    code: ShortCode = "C1"
    location: LongCode = "S1-A-01"


def refusal(**fields: object) -> str:
    with pytest.raises(ValidationError) as caught:
        Form(**fields)
    [error] = caught.value.errors()
    return error["msg"]


def test_every_character_a_code_may_hold_is_gs1_cset_82() -> None:
    assert CODE_CHARS <= CSET82 and PART_NO_CHARS <= CSET82


def test_part_no_with_a_slash_is_refused_naming_the_character() -> None:
    assert refusal(part_no="X/Y").startswith("part_no contains '/' (U+002F) at position 2, which is not allowed")


@pytest.mark.parametrize(("lot", "shown"), [("L\x07", "control character U+0007"), ("L\t1", "control character U+0009"),
                                            ("L\u200b1", "control character U+200B"), ("L 1", "' ' (U+0020)"),
                                            ("Lé", "'é' (U+00E9)"), ("L#1", "'#' (U+0023)")])
def test_lot_no_outside_cset_82_is_refused_naming_the_character(lot: str, shown: str) -> None:
    assert refusal(lot_no=lot).startswith(f"lot_no contains {shown}")


def test_lot_no_may_hold_every_cset_82_character_slash_included() -> None:
    chars = "".join(sorted(CSET82))
    for start in range(0, len(chars), 20):
        assert Form(lot_no=chars[start:start + 20]).lot_no == chars[start:start + 20]


def test_lot_no_longer_than_gs1_ai_10_allows_is_refused() -> None:
    assert refusal(lot_no="L" * 21) == "lot_no has 21 characters; GS1 AIs (10) and (21) carry at most 20"


def test_each_serial_is_checked_and_named_by_its_field() -> None:
    with pytest.raises(ValidationError) as caught:
        Form(serials=["S1", "S\x002"])
    [error] = caught.value.errors()
    assert error["loc"] == ("serials", 1)
    assert error["msg"].startswith("serials contains control character U+0000")


def test_supplier_lot_may_be_empty_but_not_hold_control_characters() -> None:
    assert Form(supplier_lot="").supplier_lot == ""
    assert refusal(supplier_lot="NB\x1b1").startswith("supplier_lot contains control character U+001B")


def test_master_code_must_start_with_a_letter_or_digit() -> None:
    assert refusal(code="-A") == "code must start with a letter or digit, not '-' (U+002D)"


def test_location_code_may_hold_a_slash() -> None:
    assert Form(location="WH/A/01").location == "WH/A/01"


def test_unit_code_reads_back_as_its_part_no_and_lot_at_the_first_slash() -> None:
    code = unit_code("RM-PC-01", "2026/05-A")
    assert code == "RM-PC-01/2026/05-A"
    assert split_unit_code(code) == ("RM-PC-01", "2026/05-A")


@pytest.mark.parametrize("text", ["RM-PC-01", "/L1", "RM-PC-01/"])
def test_text_without_part_no_and_lot_is_not_a_unit_code(text: str) -> None:
    with pytest.raises(ValueError, match="not a unit code"):
        split_unit_code(text)

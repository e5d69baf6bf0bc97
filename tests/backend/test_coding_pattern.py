"""Numbering patterns, pure: every part, every reset period, both check characters, with vectors worked by hand."""

from __future__ import annotations

from datetime import date

import pytest

from backend.coding.check_chars import gs1_mod10, is_valid_mod37_36, iso7064_mod37_36
from backend.coding.errors import PatternError
from backend.coding.pattern import (
    CheckChar,
    Numbering,
    ResetPeriod,
    period_key,
    render,
    sscc_numbering,
    template,
    validate,
)


def lit(text: str) -> dict[str, str]:
    return {"part": "literal", "value": text}


def parts(*names: str) -> tuple[dict[str, str], ...]:
    return tuple({"part": n} for n in names)


FIELDS = {"site": "S1", "line": "L2", "item": "PCB-01"}


# -- check characters ------------------------------------------------------------------------------------------
def test_gs1_mod10_of_an_sscc_body() -> None:
    # 1 0 6 1 4 1 4 1 2 3 4 5 6 7 8 9 0 weighted 3,1,3… from the right: 0·3+9+8·3+7+6·3+5+4·3+3+2·3+1+4·3+1+4·3+1
    # +6·3+0+1·3 = 132, so the check digit is (10 - 2) mod 10 = 8.
    assert gs1_mod10("10614141234567890") == "8"


def test_gs1_mod10_of_a_dated_serial() -> None:
    # 2603140001 from the right: 1·3 + 0 + 0·3 + 0 + 4·3 + 1 + 3·3 + 0 + 6·3 + 2 = 45 → 5
    assert gs1_mod10("2603140001") == "5"


def test_gs1_mod10_refuses_letters() -> None:
    with pytest.raises(ValueError, match="digits only"):
        gs1_mod10("12A4")


@pytest.mark.parametrize(("body", "check"), [
    # P starts at 36. 'A'=10: S=(36+10) mod 36=10, P=20 mod 37=20; 'B'=11: S=31, P=62 mod 37=25; '1': S=26,
    # P=52 mod 37=15; check = (37-15) mod 36 = 22 = 'M'.
    ("AB1", "M"),
    # '0': S=(36+0) mod 36=0, read as 36; P=72 mod 37=35; check=(37-35) mod 36=2.
    ("0", "2"),
    # 'Z'=35: S=(36+35) mod 36=35, P=70 mod 37=33; check=(37-33) mod 36=4.
    ("Z", "4"),
])
def test_iso7064_mod37_36_hand_computed(body: str, check: str) -> None:
    assert iso7064_mod37_36(body) == check
    assert is_valid_mod37_36(body + check)


def test_iso7064_mod37_36_catches_a_changed_or_swapped_character() -> None:
    code = "A12425GABC1234002" + iso7064_mod37_36("A12425GABC1234002")
    assert is_valid_mod37_36(code)
    assert not is_valid_mod37_36(code.replace("G", "H", 1))
    assert not is_valid_mod37_36("1A2425GABC1234002" + code[-1])


def test_iso7064_mod37_36_refuses_lower_case() -> None:
    with pytest.raises(ValueError, match="0-9 and A-Z"):
        iso7064_mod37_36("ab1")


# -- date parts and periods ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("on", "expected"), [
    (date(2027, 1, 1), "2027-27-01-01-001-53"),   # a Friday: ISO week 53 of 2026
    (date(2024, 12, 31), "2024-24-12-31-366-01"),  # leap year's last day; ISO week 1 of 2025
    (date(2026, 3, 14), "2026-26-03-14-073-11"),
])
def test_date_parts(on: date, expected: str) -> None:
    names = ("YYYY", "YY", "MM", "DD", "JJJ", "WW")
    pattern = (*tuple(p for n in names for p in ({"part": n}, lit("-")))[:-1], {"part": "seq"})
    assert render(Numbering(pattern, width=1), 0, on, {})[:-1] == expected


@pytest.mark.parametrize(("reset", "key"), [(ResetPeriod.NEVER, ""), (ResetPeriod.YEARLY, "2026"),
                                            (ResetPeriod.MONTHLY, "2026-03"), (ResetPeriod.DAILY, "2026-03-14")])
def test_period_keys(reset: ResetPeriod, key: str) -> None:
    assert period_key(reset, date(2026, 3, 14)) == key


# -- rendering -------------------------------------------------------------------------------------------------
def test_every_part_renders_in_order() -> None:
    n = Numbering((lit("LOT-"), *parts("YY", "JJJ", "site", "line"), lit("-"), *parts("item", "seq")), width=4,
                  reset=ResetPeriod.DAILY)
    validate(n)
    assert render(n, 7, date(2026, 3, 14), FIELDS) == "LOT-26073S1L2-PCB-010007"


def test_gs1_check_digit_is_appended() -> None:
    n = Numbering((*parts("YY", "MM", "DD"), {"part": "seq"}), width=4, reset=ResetPeriod.DAILY,
                  check=CheckChar.GS1_MOD10)
    validate(n)
    assert render(n, 1, date(2026, 3, 14), {}) == "26031400015"


def test_iso7064_check_character_is_appended() -> None:
    n = Numbering((lit("AB"), {"part": "seq"}), width=1, check=CheckChar.ISO7064_MOD37_36)
    validate(n)
    assert render(n, 1, date(2026, 3, 14), {}) == "AB1M"


def test_a_sequence_past_its_width_is_refused() -> None:
    with pytest.raises(PatternError, match="does not fit 3 digits"):
        render(Numbering(parts("seq"), width=3), 1000, date(2026, 1, 1), {})


def test_a_missing_field_is_named() -> None:
    with pytest.raises(PatternError, match="must name the line"):
        render(Numbering(parts("line", "seq"), width=3), 1, date(2026, 1, 1), {"site": "S1"})


def test_a_field_the_check_character_cannot_cover_is_refused_when_rendered() -> None:
    n = Numbering(parts("item", "seq"), width=3, check=CheckChar.ISO7064_MOD37_36)
    with pytest.raises(PatternError, match="item 'pcb'"):
        render(n, 1, date(2026, 1, 1), {"item": "pcb"})


def test_template_reads_like_the_pattern() -> None:
    assert template((lit("LOT-"), *parts("YYYY", "JJJ", "seq")), 5, CheckChar.GS1_MOD10) == \
        "LOT-{YYYY}{JJJ}{seq:5}{check:gs1_mod10}"


# -- patterns that could repeat or never render ------------------------------------------------------------------
@pytest.mark.parametrize(("n", "message"), [
    (Numbering((lit("A"),), width=3), "exactly one seq part, this one has 0"),
    (Numbering(parts("seq", "seq"), width=3), "exactly one seq part, this one has 2"),
    (Numbering(({"part": "HH"}, {"part": "seq"}), width=3), "unknown pattern part"),
    (Numbering(parts("seq"), width=19), "width 19"),
    (Numbering(parts("YY", "MM", "seq"), width=3, reset=ResetPeriod.DAILY), "a year and JJJ"),
    (Numbering(parts("MM", "DD", "seq"), width=3, reset=ResetPeriod.DAILY), "a year and JJJ"),
    (Numbering(parts("YYYY", "seq"), width=3, reset=ResetPeriod.MONTHLY), "a year and MM"),
    (Numbering(parts("WW", "seq"), width=3, reset=ResetPeriod.YEARLY), "YYYY or YY"),
    (Numbering((lit("LOT"), {"part": "seq"}), width=3, check=CheckChar.GS1_MOD10), "digits only"),
    (Numbering((lit("lot"), {"part": "seq"}), width=3, check=CheckChar.ISO7064_MOD37_36), "0-9 and A-Z"),
    (Numbering((lit("A B"), {"part": "seq"}), width=3), "CSET 82"),
])
def test_patterns_that_cannot_number_uniquely_are_refused(n: Numbering, message: str) -> None:
    with pytest.raises(PatternError, match=message):
        validate(n)


def test_resets_with_their_date_parts_pass() -> None:
    validate(Numbering(parts("YY", "JJJ", "seq"), width=3, reset=ResetPeriod.DAILY))
    validate(Numbering(parts("YYYY", "MM", "DD", "seq"), width=3, reset=ResetPeriod.DAILY))
    validate(Numbering(parts("YY", "MM", "seq"), width=3, reset=ResetPeriod.MONTHLY))
    validate(Numbering(parts("YYYY", "seq"), width=3, reset=ResetPeriod.YEARLY))


def test_sscc_numbering_is_extension_prefix_serial_reference_and_check_digit() -> None:
    n, start = sscc_numbering("1", "0614141")
    assert (start, n.width) == ("10614141", 9)
    assert render(n, 234567890, date(2026, 1, 1), {}) == "106141412345678908"


@pytest.mark.parametrize(("extension", "prefix"), [("12", "0614141"), ("1", "06141"), ("1", "0614141234567")])
def test_sscc_numbering_refuses_a_bad_extension_or_prefix(extension: str, prefix: str) -> None:
    with pytest.raises(PatternError):
        sscc_numbering(extension, prefix)

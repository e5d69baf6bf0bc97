"""The Application Identifier table and the predefined-length rule."""

import pytest

from shared_models.gs1 import PREDEFINED_LENGTHS, GS1Error, all_ais, is_predefined_length, lookup

REQUIRED = [
    *("00", "01", "02", "10", "11", "12", "13", "15", "16", "17", "20", "21", "22", "30", "37", "90"),
    *("235", "240", "241", "242", "250", "251", "253", "254", "255", "400", "401", "402", "403"),
    *("410", "411", "412", "413", "414", "415", "416", "417", "420", "421", "422"),
    *("7003", "7004", "7006", "7007", "8003", "8004", "8006", "8008", "8013", "8017", "8018", "8020"),
    *(str(n) for n in range(91, 100)),
]


@pytest.mark.parametrize("ai", REQUIRED)
def test_required_ai_is_in_table(ai):
    assert lookup(ai).ai == ai


@pytest.mark.parametrize("prefix", [*(str(p) for p in range(310, 317)), "320", "337", "356", "369"])
def test_measure_ai_family_has_decimal_digit_variants(prefix):
    for n in range(6):
        defn = lookup(f"{prefix}{n}")
        assert defn.decimal_places_from_ai and defn.decimal_places == n and defn.fixed_length == 6


@pytest.mark.parametrize("prefix", ["390", "391", "392", "393"])
def test_amount_ai_family_is_variable_length_with_decimals(prefix):
    defn = lookup(f"{prefix}2")
    assert defn.fixed_length is None and defn.decimal_places == 2


def test_lookup_unknown_ai_raises_unknown_ai():
    with pytest.raises(GS1Error) as exc:
        lookup("23")
    assert exc.value.code == "unknown_ai"
    assert exc.value.ai == "23"


def test_gtin_definition_is_n14_with_check_digit():
    defn = lookup("01")
    assert (defn.fixed_length, defn.charset, defn.check_digit, defn.predefined_length) == (14, "N", True, True)


def test_lot_definition_is_cset82_up_to_20():
    defn = lookup("10")
    assert (defn.fixed_length, defn.min_length, defn.max_length, defn.charset) == (None, 1, 20, "X")


def test_expiry_definition_is_a_date():
    assert lookup("17").is_date


def test_gdti_has_13_digit_check_part_and_optional_serial():
    defn = lookup("253")
    assert (defn.min_length, defn.max_length, defn.check_digit_length, defn.numeric_prefix) == (13, 30, 13, 13)


def test_cpid_uses_cset39():
    assert lookup("8010").charset == "Y"


def test_predefined_length_table_matches_gen_specs_prefixes():
    expected = {"00", "01", "02", "03", "04", "41", *(str(n) for n in (*range(11, 21), *range(31, 37)))}
    assert set(PREDEFINED_LENGTHS) == expected


def test_predefined_length_comes_from_prefix_not_fixed_flag():
    # 8006 and 422 are fixed-length but NOT predefined: they need a GS separator
    assert lookup("8006").fixed_length == 18 and not lookup("8006").predefined_length
    assert lookup("422").fixed_length == 3 and not is_predefined_length("422")
    assert lookup("3103").predefined_length and lookup("410").predefined_length


def test_every_predefined_ai_length_matches_the_figure():
    for defn in all_ais():
        if defn.predefined_length:
            assert len(defn.ai) + defn.fixed_length == PREDEFINED_LENGTHS[defn.ai[:2]]


def test_ai_table_is_prefix_free():
    ais = {d.ai for d in all_ais()}
    assert not [a for a in ais for b in ais if a != b and b.startswith(a)]

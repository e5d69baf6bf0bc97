"""GS1 mod-10 check digits; every vector below is worked by hand in its comment."""

import pytest

from shared_models.gs1 import (
    GS1Error,
    compute_check_digit,
    compute_gmn_check_pair,
    gtin14,
    is_valid_check_digit,
    is_valid_gmn,
    validate_gln,
    validate_grai,
    validate_gsin,
    validate_gtin,
    validate_sscc,
)

# GTIN 0950600013435|2, weights 3,1,3,... from the right of the 13-digit body:
# 5*3 + 3*1 + 4*3 + 3*1 + 1*3 + 0*1 + 0*3 + 0*1 + 6*3 + 0*1 + 5*3 + 9*1 + 0*3
# = 15 + 3 + 12 + 3 + 3 + 0 + 0 + 0 + 18 + 0 + 15 + 9 + 0 = 78 -> (10 - 8) % 10 = 2
GTIN = "09506000134352"
# SSCC 1061414123456789|0|8: body 10614141234567890 from the right:
# 0*3 + 9*1 + 8*3 + 7*1 + 6*3 + 5*1 + 4*3 + 3*1 + 2*3 + 1*1 + 4*3 + 1*1 + 4*3 + 1*1 + 6*3 + 0*1 + 1*3
# = 0+9+24+7+18+5+12+3+6+1+12+1+12+1+18+0+3 = 132 -> 10 - 2 = 8
SSCC = "106141412345678908"
# GLN 952123400000|6: 0*3 + 0*1 + 0*3 + 0*1 + 0*3 + 4*1 + 3*3 + 2*1 + 1*3 + 2*1 + 5*3 + 9*1 = 44 -> 6
GLN = "9521234000006"
# GTIN-8 9501234|6: 4*3 + 3*1 + 2*3 + 1*1 + 0*3 + 5*1 + 9*3 = 12+3+6+1+0+5+27 = 54 -> 6
GTIN8 = "95012346"
# GTIN-12 61414100003|6: 3*3 + 0 + 0 + 0 + 0 + 1*1 + 4*3 + 1*1 + 4*3 + 1*1 + 6*3 = 9+1+12+1+12+1+18 = 54 -> 6
GTIN12 = "614141000036"
# GSIN 9506000134399999|8: reversed body 9,9,9,9,9,3,4,3,1,0,0,0,6,0,5,9 x 3,1,...:
# 27+9+27+9+27+3+12+3+3+0+0+0+18+0+15+9 = 162 -> 8
GSIN = "95060001343999998"


def test_compute_check_digit_of_gs1_example_gtin_is_2():
    assert compute_check_digit(GTIN[:-1]) == 2


def test_compute_check_digit_of_example_sscc_is_8():
    assert compute_check_digit(SSCC[:-1]) == 8


def test_compute_check_digit_of_example_gln_is_6():
    assert compute_check_digit(GLN[:-1]) == 6


def test_compute_check_digit_when_sum_is_multiple_of_ten_is_0():
    # body "5": 5*3 = 15 -> 5; body "55": 5*3 + 5*1 = 20 -> 0
    assert compute_check_digit("55") == 0


def test_compute_check_digit_rejects_non_digits():
    with pytest.raises(GS1Error) as exc:
        compute_check_digit("12A4")
    assert exc.value.code == "bad_charset"


def test_compute_check_digit_rejects_unicode_digits():
    with pytest.raises(GS1Error):
        compute_check_digit("12²")


def test_is_valid_check_digit_accepts_correct_and_rejects_wrong_digit():
    assert is_valid_check_digit(GTIN)
    assert not is_valid_check_digit("09506000134353")


def test_is_valid_check_digit_is_false_for_garbage():
    assert not is_valid_check_digit("")
    assert not is_valid_check_digit("7")
    assert not is_valid_check_digit("abc")


@pytest.mark.parametrize("gtin", [GTIN8, GTIN12, GTIN[1:], GTIN])
def test_validate_gtin_accepts_8_12_13_14_digits_and_pads_to_14(gtin):
    assert validate_gtin(gtin) == gtin.zfill(14)


def test_gtin_with_wrong_check_digit_names_ai_01_and_expected_digit():
    with pytest.raises(GS1Error) as exc:
        validate_gtin("09506000134353")
    assert exc.value.code == "bad_check_digit"
    assert exc.value.ai == "01"
    assert "check digit is 3, expected 2" in str(exc.value)


def test_validate_gtin_with_ten_digits_is_bad_format():
    with pytest.raises(GS1Error) as exc:
        validate_gtin("0950600013")
    assert exc.value.code == "bad_format"


def test_validate_gtin_with_fifteen_digits_is_too_long():
    with pytest.raises(GS1Error) as exc:
        validate_gtin("009506000134352")
    assert exc.value.code == "too_long"


def test_validate_gtin_with_letters_is_bad_charset():
    with pytest.raises(GS1Error) as exc:
        validate_gtin("0950600013435X")
    assert exc.value.code == "bad_charset"


def test_gtin14_accepts_int_that_lost_leading_zero():
    assert gtin14(9506000134352) == GTIN


def test_validate_sscc_accepts_example_and_names_ai_00_on_error():
    assert validate_sscc(SSCC) == SSCC
    with pytest.raises(GS1Error) as exc:
        validate_sscc("106141412345678901")
    assert (exc.value.ai, exc.value.code) == ("00", "bad_check_digit")
    assert "expected 8" in str(exc.value)


def test_validate_sscc_with_17_digits_is_too_short():
    with pytest.raises(GS1Error) as exc:
        validate_sscc(SSCC[:-1])
    assert exc.value.code == "too_short"


def test_validate_gln_accepts_9521234000006():
    assert validate_gln(GLN) == GLN


def test_validate_gln_with_wrong_check_digit_expects_6():
    with pytest.raises(GS1Error) as exc:
        validate_gln("9521234000009")
    assert "expected 6" in str(exc.value)


def test_validate_gsin_accepts_17_digit_key():
    assert validate_gsin(GSIN) == GSIN


def test_validate_grai_checks_first_14_digits_and_keeps_serial():
    # GRAI 0 + 950600013435 + check 2 (same digits as the GTIN vector above) + serial ABC
    assert validate_grai("09506000134352ABC") == "09506000134352ABC"
    with pytest.raises(GS1Error) as exc:
        validate_grai("09506000134359ABC")
    assert exc.value.ai == "8003"


def test_gmn_check_pair_of_gen_specs_example_is_2K():
    # Gen Specs 7.9.5 worked example: 1987654Ad4X4bL5ttr2310c -> check pair "2K"
    assert compute_gmn_check_pair("1987654Ad4X4bL5ttr2310c") == "2K"
    assert is_valid_gmn("1987654Ad4X4bL5ttr2310c2K")
    assert not is_valid_gmn("1987654Ad4X4bL5ttr2310c2L")

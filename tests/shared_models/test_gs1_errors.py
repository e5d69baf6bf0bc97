"""Every error code: raised as GS1Error (a ValueError) with the AI named in code, attribute and message."""

import datetime as dt

import pytest

from shared_models.gs1 import ERROR_CODES, CheckDigitError, GS1Error, NotGS1Error, parse

TODAY = dt.date(2025, 6, 1)


def _err(text):
    with pytest.raises(GS1Error) as exc:
        parse(text, today=TODAY)
    assert exc.value.code in ERROR_CODES
    return exc.value


def test_gs1_error_is_a_value_error():
    assert issubclass(GS1Error, ValueError)


def test_hri_gtin_with_wrong_check_digit_names_ai_01_and_expected_digit():
    # 0950600013435|3: correct check digit is 2 (sum 78, see test_gs1_check_digit.py)
    err = _err("(01)09506000134353")
    assert isinstance(err, CheckDigitError)
    assert (err.code, err.ai, err.found, err.expected) == ("bad_check_digit", "01", "3", "2")
    assert "(01)" in str(err) and "expected 2" in str(err)


def test_raw_sscc_with_wrong_check_digit_names_ai_00():
    err = _err("00106141412345678905")
    assert (err.code, err.ai) == ("bad_check_digit", "00")


def test_ship_to_gln_with_wrong_check_digit_names_ai_410():
    # 952123400000|6 is correct (sum 44)
    err = _err("(410)9521234000001")
    assert (err.code, err.ai) == ("bad_check_digit", "410")


def test_gdti_check_digit_covers_first_13_digits_only():
    assert parse("(253)9521234000006ABC", today=TODAY).get("253") == "9521234000006ABC"
    assert _err("(253)9521234000007ABC").code == "bad_check_digit"


def test_unknown_ai_in_hri_names_the_digits():
    err = _err("(01)09506000134352(2399)X")
    assert (err.code, err.ai) == ("unknown_ai", "2399")
    assert "2399" in str(err)


def test_unknown_ai_in_raw_names_the_digits_seen_and_position():
    err = _err("0109506000134352" + "2399ABC")
    assert (err.code, err.ai, err.position) == ("unknown_ai", "2399", 16)


def test_lot_longer_than_20_is_too_long_naming_ai_10():
    err = _err("(10)" + "A" * 21)
    assert (err.code, err.ai) == ("too_long", "10")
    assert "(10)" in str(err)


def test_raw_value_exceeding_max_length_is_too_long_missing_gs_hint():
    err = _err("10" + "A" * 15 + "2112345678")  # serial absorbed into the lot: 25 > 20
    assert (err.code, err.ai) == ("too_long", "10")
    assert "missing GS" in str(err)


def test_gtin_with_13_digits_in_hri_is_too_short():
    err = _err("(01)0950600013435")
    assert (err.code, err.ai) == ("too_short", "01")


def test_truncated_raw_predefined_field_is_too_short():
    err = _err("01095060001343521720")
    assert (err.code, err.ai) == ("too_short", "17")


def test_empty_value_is_too_short():
    err = _err("(10)(21)5")
    assert (err.code, err.ai) == ("too_short", "10")


def test_space_in_lot_is_bad_charset():
    err = _err("(10)AB 12")
    assert (err.code, err.ai) == ("bad_charset", "10")


def test_letter_in_numeric_count_is_bad_charset():
    err = _err("(30)12A")
    assert (err.code, err.ai) == ("bad_charset", "30")


def test_non_ascii_lot_is_bad_charset():
    assert _err("(10)LOTÄ").code == "bad_charset"


def test_one_digit_ai_in_brackets_is_bad_format():
    assert _err("(1)23").code == "bad_format"


def test_text_before_first_bracket_is_bad_format():
    assert _err("(x)(01)09506000134352").code == "bad_format"


def test_two_gs_in_a_row_is_bad_format():
    assert _err("10A\x1d\x1d21B").code == "bad_format"


def test_bad_date_names_ai_and_problem():
    err = _err("(17)201325")
    assert str(err) == "AI (17) expiry date: month 13 is not valid (at position 0)"


def test_fixed_length_non_predefined_ai_without_gs_is_missing_gs():
    err = _err("8006095060001343520102" + "10A")
    assert (err.code, err.ai) == ("missing_gs", "8006")


def test_same_ai_with_different_values_is_conflicting_ai():
    err = _err("(10)A(10)B")
    assert (err.code, err.ai) == ("conflicting_ai", "10")


def test_plain_text_is_not_gs1():
    with pytest.raises(NotGS1Error) as exc:
        parse("hello")
    assert exc.value.code == "not_gs1"


def test_non_gs1_symbology_identifier_is_not_gs1():
    assert _err("]C0" + "0109506000134352").code == "not_gs1"


def test_empty_input_is_not_gs1():
    assert _err("").code == "not_gs1"


def test_uri_given_to_parse_is_bad_format():
    assert _err("https://id.gs1.org/01/09506000134352").code == "bad_format"

"""Every scanner form of an element string, and encoding back to HRI / raw."""

import datetime as dt
from decimal import Decimal

import pytest

from shared_models.gs1 import Element, GS1Error, GS1Message, encode_hri, encode_raw, parse

TODAY = dt.date(2025, 6, 1)
GTIN = "09506000134352"  # check digit 2, worked in test_gs1_check_digit.py
EXPECTED = {"01": GTIN, "17": "201225", "10": "ABC123"}
RAW = "0109506000134352" + "17201225" + "10ABC123"  # 01 and 17 are predefined-length: no GS
# Lots and serials need a trade item key beside them (dictionary req=), so separator tests carry the GTIN too.
KEY = "0109506000134352"


def test_parse_bracketed_hri():
    msg = parse("(01)09506000134352(17)201225(10)ABC123", today=TODAY)
    assert msg.as_dict() == EXPECTED
    assert msg.symbology is None


def test_parse_hri_tolerates_spaces_around_brackets():
    assert parse("(01) 09506000134352 (17) 201225 (10) ABC123", today=TODAY).as_dict() == EXPECTED


def test_parse_hri_unescapes_backslash_paren_in_value():
    assert parse(f"(01){GTIN}(10)AB\\(21)C", today=TODAY).lot == "AB(21)C"


def test_parse_raw_without_symbology_id():
    assert parse(RAW, today=TODAY).as_dict() == EXPECTED


def test_parse_raw_with_ascii_gs_after_variable_length_field():
    msg = parse(KEY + "10ABC123\x1d2112345", today=TODAY)
    assert (msg.lot, msg.serial) == ("ABC123", "12345")


@pytest.mark.parametrize("placeholder", ["<GS>", "{GS}", "\\x1d"])
def test_parse_raw_accepts_literal_gs_placeholders(placeholder):
    msg = parse(f"{KEY}10ABC123{placeholder}2112345", today=TODAY)
    assert (msg.lot, msg.serial) == ("ABC123", "12345")


@pytest.mark.parametrize("char", ["|", "~", "^"])
def test_parse_raw_does_not_treat_other_characters_as_separator(char):
    with pytest.raises(GS1Error) as exc:
        parse(f"10ABC{char}2112345", today=TODAY)  # read as part of the lot -> not in CSET 82
    assert (exc.value.code, exc.value.ai) == ("bad_charset", "10")


@pytest.mark.parametrize(
    ("aim", "name"),
    [
        ("]C1", "GS1-128"),
        ("]d2", "GS1 DataMatrix"),
        ("]Q3", "GS1 QR Code"),
        ("]e0", "GS1 DataBar"),
        ("]J1", "GS1 DotCode"),
    ],
)
def test_parse_strips_and_records_symbology_identifier(aim, name):
    msg = parse(aim + RAW, today=TODAY)
    assert msg.as_dict() == EXPECTED
    assert (msg.symbology, msg.symbology_id) == (name, aim)


def test_parse_tolerates_leading_fnc1_as_gs():
    assert parse("]C1\x1d" + RAW, today=TODAY).as_dict() == EXPECTED


def test_parse_tolerates_trailing_newline_from_keyboard_wedge():
    assert parse(RAW + "\r\n", today=TODAY).as_dict() == EXPECTED


def test_parse_tolerates_redundant_gs_after_predefined_length_field():
    assert parse("0109506000134352\x1d10ABC123", today=TODAY).lot == "ABC123"


def test_parse_fixed_but_not_predefined_ai_needs_gs():
    # ITIP 8006 = GTIN 09506000134352 + piece 01 + total 02, then GS, then lot
    msg = parse("8006095060001343520102\x1d10A", today=TODAY)
    assert (msg.get("8006"), msg.lot) == ("095060001343520102", "A")


def test_measure_3103_000195_is_decimal_0_195():
    el = parse("(01)09506000134352(3103)000195", today=TODAY).element("3103")
    assert el.decimal == Decimal("0.195")


def test_amount_with_iso_currency_3932_splits_currency_and_value():
    el = Element("3932", "97812345")
    assert (el.currency, el.decimal) == ("978", Decimal("123.45"))


def test_variable_amount_3922_uses_two_decimals():
    assert Element("3922", "12345").decimal == Decimal("123.45")


def test_non_measure_element_has_no_decimal():
    assert Element("10", "ABC").decimal is None


def test_hri_roundtrips_the_bracketed_form():
    text = "(01)09506000134352(17)201225(10)ABC123"
    assert parse(text, today=TODAY).hri() == text


def test_hri_escapes_paren_that_would_read_as_ai():
    assert GS1Message((Element("01", GTIN), Element("10", "A(21)B"))).hri() == f"(01){GTIN}(10)A\\(21)B"


def test_to_raw_has_no_gs_after_predefined_length_or_at_end():
    msg = parse("(01)09506000134352(10)ABC123(21)12345(17)201225", today=TODAY)
    assert msg.to_raw() == "0109506000134352" + "10ABC123\x1d" + "2112345\x1d" + "17201225"


def test_to_raw_with_custom_gs_placeholder():
    msg = parse(f"(01){GTIN}(10)A(21)B", today=TODAY)
    assert msg.to_raw(gs="<GS>") == KEY + "10A<GS>21B"


def test_encode_hri_accepts_ai_value_pairs():
    assert encode_hri([("01", GTIN), ("10", "ABC123")]) == "(01)09506000134352(10)ABC123"


def test_encode_raw_accepts_elements():
    elements = [Element("01", GTIN), Element("10", "A"), Element("17", "201225", today=TODAY)]
    assert encode_raw(elements) == KEY + "10A\x1d17201225"


def test_encode_raw_validates_values():
    with pytest.raises(GS1Error) as exc:
        encode_raw([("01", "09506000134353")])
    assert exc.value.code == "bad_check_digit"

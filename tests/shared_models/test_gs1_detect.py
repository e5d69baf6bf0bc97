"""parse_any / looks_like_gs1: pick the right parser, or say not_gs1 so callers can fall back."""

import datetime as dt

import pytest

from shared_models.gs1 import GS1Error, NotGS1Error, looks_like_gs1, parse_any

TODAY = dt.date(2025, 6, 1)
GTIN = "09506000134352"  # check digit 2 (sum 78)


@pytest.mark.parametrize(
    "text",
    [
        f"https://id.gs1.org/01/{GTIN}/10/L1",
        f"(01){GTIN}(10)L1",
        f"01{GTIN}10L1",
        f"]d201{GTIN}10L1",
        f"]Q1https://id.gs1.org/gtin/{GTIN}/lot/L1",  # Digital Link in a plain QR Code
    ],
)
def test_parse_any_handles_every_form(text):
    assert parse_any(text, today=TODAY).as_dict() == {"01": GTIN, "10": "L1"}


@pytest.mark.parametrize("text", ["LOT-2026-001", "hello", "", "Box (large)", "12345", "https://example.com/about"])
def test_parse_any_plain_text_is_not_gs1(text):
    with pytest.raises(NotGS1Error) as exc:
        parse_any(text, today=TODAY)
    assert exc.value.code == "not_gs1"


def test_parse_any_keeps_real_error_for_marked_gs1_data():
    with pytest.raises(GS1Error) as exc:
        parse_any("(01)09506000134353", today=TODAY)
    assert exc.value.code == "bad_check_digit"


def test_parse_any_keeps_real_error_for_unmarked_complete_gtin():
    with pytest.raises(GS1Error) as exc:
        parse_any("0109506000134353", today=TODAY)
    assert exc.value.code == "bad_check_digit"


def test_parse_any_unmarked_digits_that_fail_are_not_gs1_with_cause():
    with pytest.raises(NotGS1Error) as exc:
        parse_any("20250101", today=TODAY)
    assert isinstance(exc.value.__cause__, GS1Error)


def test_parse_any_reports_digital_link_errors():
    with pytest.raises(GS1Error) as exc:
        parse_any(f"https://id.gs1.org/01/{GTIN}/21/S/10/L", today=TODAY)
    assert exc.value.code == "bad_uri"


@pytest.mark.parametrize(
    "text", [f"(01){GTIN}", f"01{GTIN}", "]C1anything", f"https://x.org/gtin/{GTIN}", f"\x1d01{GTIN}"]
)
def test_looks_like_gs1_true(text):
    assert looks_like_gs1(text)


@pytest.mark.parametrize("text", ["LOT-2026-001", "hello", "", "(A)", "https://example.com/about", "]C0123"])
def test_looks_like_gs1_false(text):
    assert not looks_like_gs1(text)


@pytest.mark.parametrize(
    "text", [f"\x1d01{GTIN}10L1", f"\x1d01{GTIN}10L1\r\n", f"<GS>01{GTIN}10L1", f"\x1d(01){GTIN}(10)L1"]
)
def test_parse_any_reads_leading_gs_as_fnc1_in_first_position(text):
    assert parse_any(text, today=TODAY).as_dict() == {"01": GTIN, "10": "L1"}


def test_parse_any_leading_gs_reports_the_real_error():
    with pytest.raises(GS1Error) as exc:
        parse_any("\x1d0109506000134353", today=TODAY)
    assert exc.value.code == "bad_check_digit"


def test_parse_any_leading_gs_before_plain_text_is_not_gs1():
    with pytest.raises(NotGS1Error):
        parse_any("\x1dLOT-2026-001", today=TODAY)


def test_digital_link_with_key_qualifier_in_query_is_refused_by_parse_any():
    with pytest.raises(GS1Error) as exc:
        parse_any(f"https://id.gs1.org/01/{GTIN}?10=L1", today=TODAY)
    assert (exc.value.code, exc.value.ai) == ("bad_uri", "10")

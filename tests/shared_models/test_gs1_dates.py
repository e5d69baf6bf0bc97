"""YYMMDD date AIs: century rule (Gen Specs 7.12), day 00, month/day validity, date-times."""

import datetime as dt

import pytest

from shared_models.gs1 import Element, GS1Error, parse
from shared_models.gs1.dates import resolve_year

TODAY = dt.date(2025, 6, 1)
GTIN = "09506000134352"  # check digit 2 (sum 78)


def test_century_rule_year_50_ahead_stays_in_current_century():
    # 2025 -> 75: difference +50 -> 2075 (upper edge of the window)
    assert resolve_year(75, TODAY) == 2075


def test_century_rule_year_51_ahead_goes_to_previous_century():
    # 2025 -> 76: difference +51 -> 1976 (lower edge: 49 years back)
    assert resolve_year(76, TODAY) == 1976


def test_century_rule_year_49_behind_stays_in_current_century():
    # 2060 -> 11: difference -49 -> 2011
    assert resolve_year(11, dt.date(2060, 1, 1)) == 2011


def test_century_rule_year_50_behind_goes_to_next_century():
    # 2060 -> 10: difference -50 -> 2110
    assert resolve_year(10, dt.date(2060, 1, 1)) == 2110


def test_injected_today_drives_the_century_of_a_parsed_expiry():
    # (17) requires a trade item key (dictionary req=01,02,03,255,8006,8026), so the GTIN comes along
    assert parse(f"(01){GTIN}(17)750101", today=TODAY).expiry == dt.date(2075, 1, 1)
    assert parse(f"(01){GTIN}(17)760101", today=TODAY).expiry == dt.date(1976, 1, 1)


def test_expiry_day_00_means_last_day_of_month():
    el = Element("17", "260400", today=TODAY)
    assert el.date == dt.date(2026, 4, 30)
    assert el.value == "260400" and el.day_unspecified


def test_day_00_in_february_of_leap_year_is_29th():
    assert parse(f"(01){GTIN}(15)240200", today=TODAY).best_before == dt.date(2024, 2, 29)


def test_day_00_in_february_of_non_leap_year_is_28th():
    assert parse(f"(01){GTIN}(16)250200", today=TODAY).element("16").date == dt.date(2025, 2, 28)


def test_february_29_in_2000_is_valid_when_century_is_20():
    assert Element("11", "000229", today=TODAY).date == dt.date(2000, 2, 29)


def test_february_29_is_invalid_when_century_rule_gives_2100():
    # today 2060: 00 is 60 behind -> 2100, which is not a leap year
    with pytest.raises(GS1Error) as exc:
        Element("11", "000229", today=dt.date(2060, 1, 1))
    assert exc.value.code == "bad_date"


def test_month_13_is_bad_date_naming_ai_17():
    with pytest.raises(GS1Error) as exc:
        parse("(17)201325", today=TODAY)
    assert (exc.value.code, exc.value.ai) == ("bad_date", "17")
    assert "AI (17) expiry date: month 13 is not valid" in str(exc.value)


def test_month_00_is_bad_date():
    with pytest.raises(GS1Error) as exc:
        Element("17", "250015", today=TODAY)
    assert exc.value.code == "bad_date"


def test_april_31_is_bad_date():
    with pytest.raises(GS1Error) as exc:
        Element("17", "250431", today=TODAY)
    assert "day 31" in str(exc.value)


def test_day_00_not_allowed_for_first_freeze_date():
    with pytest.raises(GS1Error) as exc:
        Element("7006", "250400", today=TODAY)
    assert (exc.value.code, exc.value.ai) == ("bad_date", "7006")


def test_harvest_date_range_gives_start_date():
    assert Element("7007", "250101250115", today=TODAY).date == dt.date(2025, 1, 1)


def test_harvest_date_with_9_digits_is_a_too_short_end_date():
    # The dictionary's "N6,yymmdd [N6],yymmdd": 3 digits left are a truncated second (end) date component.
    with pytest.raises(GS1Error) as exc:
        Element("7007", "250101250", today=TODAY)
    assert (exc.value.code, exc.value.offset) == ("too_short", 6)


def test_expiry_time_7003_gives_datetime():
    el = Element("7003", "2512311830", today=TODAY)
    assert el.datetime == dt.datetime(2025, 12, 31, 18, 30)


def test_expiry_time_with_hour_24_is_bad_date():
    with pytest.raises(GS1Error) as exc:
        Element("7003", "2512312400", today=TODAY)
    assert "hour 24" in str(exc.value)


def test_production_time_8008_with_hour_only():
    assert Element("8008", "25063014", today=TODAY).datetime == dt.datetime(2025, 6, 30, 14)

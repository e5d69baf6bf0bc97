"""The coupon linters of AIs (8110) and (8112), field by field, written from the GS1 US coupon layouts."""

import pytest

from shared_models.gs1 import GS1Error, parse
from shared_models.gs1.coupon import couponcode, couponposoffer

# GCP VLI 0 + 6-digit prefix, offer code, save value (VLI 2), 1st purchase requirement (VLI 1), its code, family
BASE = "0" + "614141" + "123456" + "2" + "50" + "1" + "1" + "0" + "123"
FULL = BASE + "3251231" + "4250101" + "5" + "0123456" + "6" + "10614141" + "9" + "0101"
SECOND = "1" + "0" + "1" + "5" + "9" + "456" + "9"  # rules code, 2nd purchase, GCP VLI 9: no prefix given
THIRD = "2" + "2" + "10" + "1" + "789" + "0" + "614141"  # 3rd purchase with a 6-digit prefix


@pytest.mark.parametrize("data", [BASE, FULL, BASE + SECOND, BASE + SECOND + THIRD, BASE + "3251231", BASE + "90101"])
def test_valid_coupon_codes(data: str) -> None:
    couponcode(data, "8110")


@pytest.mark.parametrize(
    ("data", "code", "field", "offset"),
    [
        ("", "coupon_missing", "gcp_vli", 0),
        ("7614141", "coupon_bad_value", "gcp_vli", 0),
        ("0614", "coupon_truncated", "gcp", 1),
        ("0614141123", "coupon_truncated", "offer_code", 7),
        ("0614141123456", "coupon_missing", "save_value_vli", 13),
        ("06141411234566", "coupon_bad_value", "save_value_vli", 13),
        (BASE[:-4] + "5123", "coupon_bad_value", "requirement_code", 18),
        (BASE[:-2], "coupon_truncated", "family_code", 19),
        (BASE + "14", "coupon_bad_value", "rules_code", 23),
        (BASE + "3251301", "coupon_bad_value", "expiration_date", 23),
        (BASE + "3", "coupon_truncated", "expiration_date", 23),
        (BASE + "5" + "3" + "123", "coupon_truncated", "serial", 24),
        (BASE + "6" + "8", "coupon_bad_value", "retailer_vli", 23),
        (BASE + "9" + "3", "coupon_bad_value", "save_value_code", 23),
        (BASE + "9" + "03", "coupon_bad_value", "applies_to", 24),
        (BASE + "9" + "010", "coupon_missing", "multiply_flag", 26),
        (BASE + "9" + "0102", "coupon_bad_value", "multiply_flag", 26),
    ],
)
def test_invalid_coupon_codes_name_the_field(data: str, code: str, field: str, offset: int) -> None:
    with pytest.raises(GS1Error) as exc:
        couponcode(data, "8110")
    assert (exc.value.code, exc.value.params["field"], exc.value.offset) == (code, field, offset)


def test_coupon_start_after_expiration_is_refused() -> None:
    with pytest.raises(GS1Error) as exc:
        couponcode(BASE + "3250101" + "4251231", "8110")
    assert (exc.value.code, exc.value.params["field"]) == ("coupon_dates_reversed", "start_date")


def test_coupon_data_after_the_last_field_is_excess() -> None:
    with pytest.raises(GS1Error) as exc:
        couponcode(BASE + "7", "8110")
    assert (exc.value.code, exc.value.offset) == ("coupon_excess", 22)


def test_coupon_code_is_digits_only() -> None:
    with pytest.raises(GS1Error) as exc:
        couponcode(BASE[:5] + "A" + BASE[6:], "8110")
    assert (exc.value.code, exc.value.offset) == ("bad_charset", 5)


POS = "0" + "1" + "0614141" + "123456" + "2" + "12345678"


def test_valid_positive_offer_coupon() -> None:
    couponposoffer(POS, "8112")
    couponposoffer("1" + "0" + "614141" + "000001" + "0" + "000001", "8112")


@pytest.mark.parametrize(
    ("data", "code", "field"),
    [
        ("", "coupon_missing", "format_code"),
        ("2" + POS[1:], "coupon_bad_value", "format_code"),
        ("0" + "7" + POS[2:], "coupon_bad_value", "funder_vli"),
        (POS[:-1], "coupon_truncated", "serial"),
        (POS[:12], "coupon_truncated", "offer_code"),
        (POS[:15], "coupon_missing", "serial_vli"),
    ],
)
def test_invalid_positive_offer_coupons(data: str, code: str, field: str) -> None:
    with pytest.raises(GS1Error) as exc:
        couponposoffer(data, "8112")
    assert (exc.value.code, exc.value.params["field"]) == (code, field)


def test_positive_offer_coupon_with_data_left_over_is_excess() -> None:
    with pytest.raises(GS1Error) as exc:
        couponposoffer(POS + "9", "8112")
    assert exc.value.code == "coupon_excess"


def test_coupon_ais_are_checked_when_a_message_is_parsed() -> None:
    assert parse(f"(8110){FULL}").get("8110") == FULL
    with pytest.raises(GS1Error) as exc:
        parse(f"(8110){BASE}7")
    assert (exc.value.code, exc.value.ai, exc.value.position) == ("coupon_excess", "8110", 0)

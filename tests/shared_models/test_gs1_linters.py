"""Every linter the GS1 Barcode Syntax Dictionary names: valid and invalid vectors written from the standards."""

import datetime as dt

import pytest

from shared_models.gs1 import LINTERS, GS1Error, lookup
from shared_models.gs1.dates import hhmi, yymmd0
from shared_models.gs1.linters import gcppos1

TODAY = dt.date(2025, 6, 1)

# (linter, data, error code or None when valid, offset of the fault in the data)
# ruff: noqa: E501
VECTORS = [
    ("csetnumeric", "0123456789", None, None), ("csetnumeric", "12A4", "bad_charset", 2),
    ("cset82", "AZaz09!\"%&'()*+,-./:;<=>?_", None, None), ("cset82", "AB C", "bad_charset", 2),
    ("cset82", "Ä", "bad_charset", 0), ("cset82", "#", "bad_charset", 0),
    ("cset39", "AZ09#-/", None, None), ("cset39", "ab", "bad_charset", 0),
    ("cset64", "Zm9v", None, None), ("cset64", "ab=", None, None), ("cset64", "a==", None, None),
    ("cset64", "abcd=", "bad_charset", 4), ("cset64", "a===", "bad_charset", 1), ("cset64", "a=b", "bad_charset", 1),
    ("cset64", "a+b", "bad_charset", 1),
    # Gen Specs 7.9.1: weights 3,1,3,... from the right; 0950600013435|2 (sum 78 -> 2)
    ("csum", "09506000134352", None, None), ("csum", "09506000134353", "bad_check_digit", 13),
    ("csum", "0", None, None), ("csum", "0950600013435A", "bad_charset", 13),
    # Gen Specs 7.9.5: the GMN check character pair
    ("csumalpha", "1987654Ad4X4bL5ttr2310c2K", None, None), ("csumalpha", "22", None, None),
    ("csumalpha", "1987654Ad4X4bL5ttr2310cXK", "bad_check_digit", 23), ("csumalpha", "2", "too_short", 0),
    ("gcppos1", "0123", None, None), ("gcppos1", "012", "bad_company_prefix", 0),
    ("gcppos1", "01A3XYZ", "bad_company_prefix", 2), ("gcppos1", "1234ABC", None, None),
    ("gcppos2", "90123", None, None), ("gcppos2", "9012", "bad_company_prefix", 1), ("gcppos2", "9", "bad_company_prefix", 0),
    ("hasnondigit", "12A", None, None), ("hasnondigit", "123", "needs_non_digit", 0),
    ("hh", "23", None, None), ("hh", "24", "bad_date", 0), ("hh", "2", "bad_date", 0),
    ("mi", "59", None, None), ("mi", "60", "bad_date", 0),
    ("ss", "00", None, None), ("ss", "61", "bad_date", 0), ("ss", "5x", "bad_date", 1),
    ("hhmi", "2359", None, None), ("hhmi", "2360", "bad_date", 2), ("hhmi", "2400", "bad_date", 0),
    ("hyphen", "-", None, None), ("hyphen", "--", None, None), ("hyphen", "+", "not_hyphen", 0),
    # ISO 13616 check digits (mod 97 = 1): the standard's own example and a bank's
    ("iban", "DE89370400440532013000", None, None), ("iban", "GB82WEST12345698765432", None, None),
    ("iban", "DE89370400440532013001", "bad_iban_checksum", 2), ("iban", "XX89370400440532013000", "bad_country", 0),
    ("iban", "DE8937", "too_short", 0), ("iban", "DE89" + "1" * 31, "too_long", 0),
    ("iban", "DE8937040044053201300a", "bad_charset", 21),
    ("importeridx", "A", None, None), ("importeridx", "_", None, None), ("importeridx", "#", "bad_importer_index", 0),
    ("importeridx", "AB", "bad_importer_index", 0),
    ("iso3166", "156", None, None), ("iso3166", "276", None, None), ("iso3166", "999", "bad_country", 0),
    ("iso3166", "000", "bad_country", 0),
    ("iso3166999", "999", None, None), ("iso3166999", "156", None, None), ("iso3166999", "998", "bad_country", 0),
    ("iso3166alpha2", "CN", None, None), ("iso3166alpha2", "cn", "bad_country", 0), ("iso3166alpha2", "XX", "bad_country", 0),
    ("iso4217", "156", None, None), ("iso4217", "978", None, None), ("iso4217", "924", None, None),
    ("iso4217", "191", "bad_currency", 0), ("iso4217", "000", "bad_currency", 0),
    ("iso5218", "0", None, None), ("iso5218", "9", None, None), ("iso5218", "3", "bad_sex_code", 0),
    ("latitude", "1800000000", None, None), ("latitude", "1800000001", "bad_coordinate", 0),
    ("latitude", "180000000", "bad_coordinate", 0), ("latitude", "18000000x0", "bad_charset", 8),
    ("longitude", "3600000000", None, None), ("longitude", "3600000001", "bad_coordinate", 0),
    ("mediatype", "01", None, None), ("mediatype", "10", None, None), ("mediatype", "80", None, None),
    ("mediatype", "11", "bad_media_type", 0), ("mediatype", "00", "bad_media_type", 0),
    ("nonzero", "0001", None, None), ("nonzero", "0000", "zero_value", 0), ("nonzero", "00A1", "bad_charset", 2),
    ("nozeroprefix", "1230", None, None), ("nozeroprefix", "0123", "zero_prefix", 0),
    ("packagetype", "BX", None, None), ("packagetype", "PX", None, None), ("packagetype", "ZZZ", "bad_package_type", 0),
    ("pcenc", "A%20B", None, None), ("pcenc", "100%", "bad_percent_encoding", 3),
    ("pcenc", "A%2", "bad_percent_encoding", 1), ("pcenc", "A%G0", "bad_percent_encoding", 1),
    ("pieceoftotal", "0102", None, None), ("pieceoftotal", "0202", None, None), ("pieceoftotal", "012", "bad_piece_of_total", 0),
    ("pieceoftotal", "0002", "zero_piece", 0), ("pieceoftotal", "0100", "zero_total", 2),
    ("pieceoftotal", "0302", "piece_over_total", 0),
    ("posinseqslash", "1/2", None, None), ("posinseqslash", "10/10", None, None), ("posinseqslash", "2/1", "position_over_end", 0),
    ("posinseqslash", "1-2", "bad_sequence", 0), ("posinseqslash", "01/2", "zero_prefix", 0),
    ("posinseqslash", "1/02", "zero_prefix", 2),
    ("winding", "0", None, None), ("winding", "9", None, None), ("winding", "2", "bad_winding", 0),
    ("yesno", "1", None, None), ("yesno", "2", "not_yes_no", 0),
    ("zero", "0", None, None), ("zero", "1", "not_zero", 0),
    ("yymmd0", "250200", None, None), ("yymmd0", "251301", "bad_date", 2), ("yymmd0", "250230", "bad_date", 4),
    ("yymmdd", "250228", None, None), ("yymmdd", "250200", "bad_date", 4),
    ("yyyymmd0", "20240200", None, None), ("yyyymmd0", "20241301", "bad_date", 4),
    ("yyyymmdd", "20240229", None, None), ("yyyymmdd", "20230229", "bad_date", 6), ("yyyymmdd", "00000101", "bad_date", 0),
]  # fmt: skip


def _run(name: str, data: str) -> None:
    kwargs = {"today": TODAY} if name.startswith("yy") else {}
    LINTERS[name](data, "91", 0, **kwargs)


@pytest.mark.parametrize(("name", "data", "code", "offset"), VECTORS, ids=lambda v: str(v))
def test_linter_vector(name: str, data: str, code: str | None, offset: int | None) -> None:
    if code is None:
        _run(name, data)
        return
    with pytest.raises(GS1Error) as exc:
        _run(name, data)
    assert (exc.value.code, exc.value.offset, exc.value.ai) == (code, offset, "91")
    assert str(exc.value).startswith("AI (91) company internal information: ")


def test_every_linter_has_valid_and_invalid_vectors() -> None:
    named = {d for d in LINTERS if d not in ("couponcode", "couponposoffer")}  # test_gs1_coupon.py covers those
    valid = {name for name, _, code, _ in VECTORS if code is None}
    invalid = {name for name, _, code, _ in VECTORS if code is not None}
    assert named - valid == set() and named - invalid == set()


def test_linter_offset_adds_where_the_component_starts() -> None:
    with pytest.raises(GS1Error) as exc:
        LINTERS["iso3166"]("999", "423", 6)
    assert exc.value.offset == 6 and "offset 6" in str(exc.value) and exc.value.params["value"] == "999"


def test_linter_without_ai_names_no_ai() -> None:
    with pytest.raises(GS1Error) as exc:
        LINTERS["winding"]("5")
    assert exc.value.ai is None and str(exc.value).startswith("'5'")


def test_date_linters_return_what_they_read() -> None:
    assert yymmd0("240200", today=TODAY) == (dt.date(2024, 2, 29), True)
    assert hhmi("0930") == (9, 30)


def test_company_prefix_lookup_can_refuse_or_be_offline() -> None:
    gcppos1("0614141", lookup_gcp=lambda data: data.startswith("0614141"))
    with pytest.raises(GS1Error) as exc:
        gcppos1("9999999", "01", lookup_gcp=lambda data: False)
    assert exc.value.code == "bad_company_prefix"
    with pytest.raises(GS1Error) as exc:
        gcppos1("9999999", "01", lookup_gcp=lambda data: None)
    assert exc.value.code == "company_prefix_unavailable"


def test_linters_named_for_an_ai_come_in_component_order() -> None:
    assert lookup("8001").linters == ("nonzero", "nonzero", "nonzero", "winding")
    assert lookup("8007").linters == ("iban",) and lookup("7041").linters == ("packagetype",)

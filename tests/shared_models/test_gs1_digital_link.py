"""GS1 Digital Link URIs: parse (paths, aliases, query) and build."""

import datetime as dt
from decimal import Decimal

import pytest

from shared_models.gs1 import GS1Error, build_digital_link, parse, parse_digital_link

TODAY = dt.date(2025, 6, 1)
GTIN = "09506000134352"  # check digit 2 (sum 78)
GLN = "9521234000006"  # check digit 6 (sum 44)
SSCC = "106141412345678908"  # check digit 8 (sum 132)
URI = "https://id.example.com/01/09506000134352/10/ABC123/21/12345?17=201225&3103=000195"


def _dl(uri):
    return parse_digital_link(uri, today=TODAY)


def test_parse_path_key_qualifiers_and_query_attributes():
    link = _dl(URI)
    assert link.domain == "https://id.example.com"
    assert link.primary_key_ai == "01" and link.primary_key.value == GTIN
    assert [el.ai for el in link.key_qualifiers] == ["10", "21"]
    assert [el.ai for el in link.elements] == ["10", "21", "17", "3103"]
    assert link.message.expiry == dt.date(2020, 12, 25)
    assert link.message.element("3103").decimal == Decimal("0.195")


def test_non_ai_query_params_go_to_extras():
    link = _dl(f"https://id.gs1.org/01/{GTIN}?linkType=gs1:pip&17=201225")
    assert link.extras == {"linkType": "gs1:pip"}
    assert "linkType" not in link.message.as_dict()


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (f"/gtin/{GTIN}/lot/L1/ser/S1", {"01": GTIN, "10": "L1", "21": "S1"}),
        (f"/gtin/{GTIN}/cpv/V/lot/L1", {"01": GTIN, "22": "V", "10": "L1"}),
        (f"/sscc/{SSCC}", {"00": SSCC}),
        (f"/gln/{GLN}/glnx/7", {"414": GLN, "254": "7"}),
        (f"/party/{GLN}", {"417": GLN}),
        ("/itip/095060001343520102/ser/9", {"8006": "095060001343520102", "21": "9"}),
    ],
)
def test_alias_path_segments_map_to_ais(path, expected):
    assert _dl("https://example.com" + path).message.as_dict() == expected


def test_alias_in_query_is_not_an_ai():
    # Convenience alphas were only ever path keys and qualifiers (GS1's syntax engine reads no other): a
    # non-numeric query parameter such as exp= is an extra, not AI (17).
    link = _dl(f"https://example.com/01/{GTIN}?exp=261231")
    assert link.message.expiry is None and link.extras == {"exp": "261231"}


def test_custom_path_prefix_before_primary_key_is_kept():
    link = _dl(f"https://brand.example.com/products/x/01/{GTIN}")
    assert link.path_prefix == "/products/x"


def test_gtin13_in_path_is_normalised_to_gtin14():
    assert _dl("https://id.gs1.org/01/9506000134352").message.gtin == GTIN


def test_gtin8_in_path_is_normalised_to_gtin14():
    # GTIN-8 9501234|6: sum 54 -> 6
    assert _dl("https://id.gs1.org/01/95012346").message.gtin == "00000095012346"


def test_primary_key_check_digit_is_validated():
    with pytest.raises(GS1Error) as exc:
        _dl("https://id.gs1.org/01/09506000134353")
    assert (exc.value.code, exc.value.ai) == ("bad_check_digit", "01")


def test_serial_before_lot_is_out_of_order_bad_uri():
    with pytest.raises(GS1Error) as exc:
        _dl(f"https://id.gs1.org/01/{GTIN}/21/S1/10/L1")
    assert exc.value.code == "bad_uri"
    assert "(22)/(10)/(21)" in str(exc.value)


def test_lot_before_cpv_is_out_of_order_bad_uri():
    with pytest.raises(GS1Error) as exc:
        _dl(f"https://id.gs1.org/01/{GTIN}/10/L1/22/V")
    assert exc.value.code == "bad_uri"


def test_data_attribute_in_path_is_bad_uri():
    with pytest.raises(GS1Error) as exc:
        _dl(f"https://id.gs1.org/01/{GTIN}/17/201225")
    assert (exc.value.code, exc.value.ai) == ("bad_uri", "17")


def test_grai_takes_no_key_qualifier():
    with pytest.raises(GS1Error) as exc:
        _dl("https://id.gs1.org/8003/09506000134352ABC/21/1")
    assert exc.value.code == "bad_uri"


def test_percent_encoded_values_are_decoded():
    link = _dl(f"https://id.gs1.org/01/{GTIN}/10/A%2FB%25C?400=PO%26%3D1")
    assert link.message.lot == "A/B%C"
    assert link.message.get("400") == "PO&=1"


def test_plus_in_query_value_is_bad_uri_and_pct_2b_is_a_plus():
    # In a query string '+' means a space, which no AI value may hold; a plus sign is %2B.
    with pytest.raises(GS1Error) as exc:
        _dl(f"https://id.gs1.org/01/{GTIN}?400=A+B")
    assert (exc.value.code, exc.value.ai) == ("bad_uri", "400")
    assert _dl(f"https://id.gs1.org/01/{GTIN}?400=A%2BB").message.get("400") == "A+B"


def test_same_ai_twice_in_uri_is_duplicate_ai():
    with pytest.raises(GS1Error) as exc:
        _dl(f"https://id.gs1.org/01/{GTIN}/10/A?10=A")
    assert (exc.value.code, exc.value.ai) == ("duplicate_ai", "10")


def test_unknown_numeric_query_key_is_unknown_ai():
    with pytest.raises(GS1Error) as exc:
        _dl(f"https://id.gs1.org/01/{GTIN}?2399=X")
    assert exc.value.code == "unknown_ai"


@pytest.mark.parametrize("uri", ["ftp://id.gs1.org/01/09506000134352", "https:///01/09506000134352", "https://x.com/a"])
def test_malformed_or_keyless_uri_is_bad_uri(uri):
    with pytest.raises(GS1Error) as exc:
        _dl(uri)
    assert exc.value.code == "bad_uri"


def test_build_puts_primary_key_then_qualifiers_in_path_order_then_sorted_query():
    msg = parse("(3103)000195(21)12345(17)201225(10)ABC123(01)09506000134352", today=TODAY)
    assert build_digital_link(msg) == ("https://id.gs1.org/01/09506000134352/10/ABC123/21/12345?17=201225&3103=000195")


def test_build_percent_encodes_values():
    uri = build_digital_link([("01", GTIN), ("10", "A/B"), ("400", "x&y=z")], domain="https://example.com/")
    assert uri == "https://example.com/01/09506000134352/10/A%2FB?400=x%26y%3Dz"


def test_build_sscc_label_uses_00_as_primary_key():
    uri = build_digital_link([("00", SSCC), ("02", GTIN), ("37", "10")])
    assert uri == f"https://id.gs1.org/00/{SSCC}?02={GTIN}&37=10"


def test_build_without_primary_key_is_bad_uri():
    with pytest.raises(GS1Error) as exc:
        build_digital_link([("10", "A")])
    assert exc.value.code == "bad_uri"


def test_build_with_extras_appends_non_ai_params():
    uri = build_digital_link([("01", GTIN)], extras={"linkType": "gs1:pip"})
    assert uri.endswith("?linkType=gs1%3Apip")


def test_parse_then_build_roundtrips_the_canonical_uri():
    canonical = "https://id.gs1.org/01/09506000134352/10/ABC123/21/12345?17=201225&3103=000195"
    assert build_digital_link(_dl(canonical).message) == canonical


# DL URI Syntax: key qualifiers are path elements in the standard's order, never query parameters; GS1's syntax
# engine refuses them as "AI should be in path info", unless the path already took the other qualifier set.
@pytest.mark.parametrize(
    ("query", "ai"),
    [("10=L1", "10"), ("21=S1", "21"), ("22=V", "22"), ("17=201225&21=S1", "21")],
)
def test_key_qualifier_in_query_string_is_bad_uri(query, ai):
    with pytest.raises(GS1Error) as exc:
        _dl(f"https://id.gs1.org/01/{GTIN}?{query}")
    assert (exc.value.code, exc.value.ai) == ("bad_uri", ai)
    assert "belongs in the path" in str(exc.value)


def test_qualifier_that_fits_between_path_qualifiers_is_bad_uri_in_query():
    with pytest.raises(GS1Error) as exc:
        _dl(f"https://id.gs1.org/01/{GTIN}/10/L1?22=V")
    assert (exc.value.code, exc.value.ai) == ("bad_uri", "22")
    assert "/01/…/22/…/10/…" in str(exc.value)


def test_glnx_in_query_string_is_bad_uri():
    with pytest.raises(GS1Error) as exc:
        _dl(f"https://id.gs1.org/414/{GLN}?254=7")
    assert (exc.value.code, exc.value.ai) == ("bad_uri", "254")


def test_lot_in_query_is_an_attribute_when_the_path_took_the_other_qualifier_set():
    link = _dl(f"https://id.gs1.org/01/{GTIN}/235/XYZ?10=ABC")
    assert [el.ai for el in link.key_qualifiers] == ["235"]
    assert link.message.lot == "ABC"


def test_serial_in_query_of_an_sscc_is_not_a_data_attribute():
    # (21) has no "?" flag in the dictionary: it travels only as a key qualifier, never as a query attribute.
    with pytest.raises(GS1Error) as exc:
        _dl(f"https://id.gs1.org/00/{SSCC}?21=1")
    assert (exc.value.code, exc.value.ai) == ("bad_uri", "21")


@pytest.mark.parametrize(
    "path", [f"/01/{GTIN}/", f"/01/{GTIN}/10/L1/", f"/01/{GTIN}/?17=201225", f"/01/{GTIN}//10/L1", f"/01/{GTIN}/10//"]
)
def test_trailing_slash_or_empty_segment_is_bad_uri(path):
    with pytest.raises(GS1Error) as exc:
        _dl("https://id.gs1.org" + path)
    assert exc.value.code == "bad_uri"

"""GS1 Digital Link URI syntax to the letter (DL URI Syntax standard, RFC 3986): one test per rule, valid and
invalid."""

import pytest

from shared_models.gs1 import GS1Error, build_digital_link, parse_digital_link

GTIN = "09506000134352"
SSCC = "106141412345678908"
GLN = "9521234000006"
BASE = "https://id.example.com"


def _dl(uri: str):  # type: ignore[no-untyped-def]
    return parse_digital_link(uri)


def _refused(uri: str) -> GS1Error:
    with pytest.raises(GS1Error) as exc:
        _dl(uri)
    return exc.value


# -- path: the primary key is found from the end, so any stem works ------------------------------------------------
def test_stem_with_a_key_like_segment_before_the_real_key() -> None:
    link = _dl(f"{BASE}/01/catalogue/01/{GTIN}/10/L1")
    assert (link.path_prefix, link.primary_key.value, link.message.lot) == ("/01/catalogue", GTIN, "L1")


def test_stem_with_empty_segments_and_words_is_kept_as_prefix() -> None:
    assert _dl(f"{BASE}//shop/x/00/{SSCC}").path_prefix == "//shop/x"


def test_no_primary_key_in_path_is_bad_uri() -> None:
    assert _refused(f"{BASE}/products/{GTIN}").code == "bad_uri"


# -- trailing slash, empty segments, empty values -------------------------------------------------------------------
@pytest.mark.parametrize("path", [f"/01/{GTIN}/", f"/01/{GTIN}/10/L1/", f"/01/{GTIN}//10/L1", "/01//10/L1"])
def test_trailing_slash_empty_segment_or_empty_value_is_bad_uri(path: str) -> None:
    err = _refused(BASE + path)
    assert err.code == "bad_uri"


# -- key qualifiers: the dictionary's order, one alternative, each once, never in the query -------------------------
@pytest.mark.parametrize(
    "path",
    [f"/01/{GTIN}/22/V/10/L/21/S", f"/01/{GTIN}/22/V/21/S", f"/01/{GTIN}/235/T", f"/414/{GLN}/254/7",
     f"/414/{GLN}/7040/1ABC", f"/8006/{GTIN}0102/21/S", "/8018/952123400000000017/8019/12"],
)
def test_qualifiers_in_dictionary_order_parse(path: str) -> None:
    assert _dl(BASE + path).key_qualifiers


@pytest.mark.parametrize(
    "path",
    [f"/01/{GTIN}/21/S/10/L", f"/01/{GTIN}/10/L/235/T", f"/01/{GTIN}/10/L/10/L", f"/414/{GLN}/254/7/7040/1ABC",
     f"/00/{SSCC}/10/L"],
)
def test_qualifiers_out_of_order_mixed_repeated_or_foreign_are_bad_uri(path: str) -> None:
    assert _refused(BASE + path).code == "bad_uri"


def test_key_qualifier_moved_to_the_query_is_bad_uri() -> None:
    err = _refused(f"{BASE}/01/{GTIN}/10/L?21=S")
    assert (err.code, err.ai) == ("bad_uri", "21") and "belongs in the path" in str(err)


def test_query_ai_that_is_no_data_attribute_is_bad_uri() -> None:
    err = _refused(f"{BASE}/01/{GTIN}?8200=https%3A%2F%2Fx.com")
    assert (err.code, err.ai) == ("bad_uri", "8200")


# -- query values: '+' is a space, empty values, unknown AIs, non-AI parameters -------------------------------------
def test_plus_in_a_query_value_is_bad_uri_and_pct_2b_is_a_plus() -> None:
    assert _refused(f"{BASE}/01/{GTIN}?10=A+B").code == "bad_uri"  # (10) is a qualifier, but '+' is checked too
    assert _refused(f"{BASE}/00/{SSCC}?400=PO+1").code == "bad_uri"
    assert _dl(f"{BASE}/00/{SSCC}?400=PO%2B1").message.get("400") == "PO+1"


def test_plus_in_a_path_value_is_a_literal_plus() -> None:
    assert _dl(f"{BASE}/01/{GTIN}/10/A+B").message.lot == "A+B"


def test_empty_ai_value_in_query_is_bad_uri() -> None:
    assert _refused(f"{BASE}/00/{SSCC}?400=").code == "bad_uri"


def test_non_ai_parameters_and_singletons_are_extras() -> None:
    link = _dl(f"{BASE}/01/{GTIN}?linkType=gs1%3Apip&debug&&17=261231")
    assert link.extras == {"linkType": "gs1:pip", "debug": ""} and link.message.get("17") == "261231"


def test_unknown_numeric_query_key_is_unknown_ai() -> None:
    assert _refused(f"{BASE}/01/{GTIN}?2399=X").code == "unknown_ai"


# -- percent-encoding ---------------------------------------------------------------------------------------------
def test_percent_encoded_slash_stays_inside_a_value() -> None:
    assert _dl(f"{BASE}/01/{GTIN}/10/A%2FB").message.lot == "A/B"


@pytest.mark.parametrize("value", ["A%2", "A%G1", "100%", "A%00B", "A%FFB"])
def test_malformed_percent_encoding_nul_or_non_utf8_is_bad_uri(value: str) -> None:
    assert _refused(f"{BASE}/01/{GTIN}/10/{value}").code == "bad_uri"


def test_decoded_non_cset82_character_is_bad_charset() -> None:
    err = _refused(f"{BASE}/01/{GTIN}/10/A%20B")  # a space
    assert (err.code, err.ai) == ("bad_charset", "10")


@pytest.mark.parametrize("uri", [f"{BASE}/01/{GTIN}/10/A B", f"{BASE}/01/{GTIN}/10/Ä", f"{BASE}/01/{GTIN}?x=<y>"])
def test_characters_a_uri_cannot_hold_are_bad_uri(uri: str) -> None:
    assert _refused(uri).code == "bad_uri"


# -- scheme and authority --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "authority", ["id.example.com", "ID.Example.COM:8443", "192.0.2.1", "[2001:db8::1]", "[2001:db8::1]:443"]
)
def test_hosts_rfc_3986_allows_parse(authority: str) -> None:
    assert _dl(f"https://{authority}/01/{GTIN}").domain == f"https://{authority}"


def test_scheme_is_case_insensitive() -> None:
    assert _dl(f"HTTPS://id.example.com/01/{GTIN}").domain == "https://id.example.com"


@pytest.mark.parametrize(
    "authority",
    ["[fe80::1%25eth0]", "[fe80::1%eth0]", "[2001:db8::g]", "user@id.example.com", "id.example.com:80a",
     "id_example.com", "[2001:db8::1", ""],
)
def test_zone_ids_userinfo_and_bad_hosts_are_bad_uri(authority: str) -> None:
    assert _refused(f"https://{authority}/01/{GTIN}").code == "bad_uri"


def test_zone_id_message_says_why() -> None:
    assert "zone" in str(_refused(f"https://[fe80::1%25eth0]/01/{GTIN}"))


def test_fragment_is_not_gs1_data() -> None:
    assert _dl(f"{BASE}/01/{GTIN}?17=261231#top").message.as_dict() == {"01": GTIN, "17": "261231"}


@pytest.mark.parametrize("uri", [f"ftp://x.com/01/{GTIN}", f"https:/x.com/01/{GTIN}", f"x.com/01/{GTIN}"])
def test_other_schemes_are_bad_uri(uri: str) -> None:
    assert _refused(uri).code == "bad_uri"


# -- convenience alphas (deprecated: read, never written) and zero-suppressed GTINs ---------------------------------
@pytest.mark.parametrize(
    ("path", "expected"),
    [(f"/gtin/{GTIN}/cpv/V/lot/L/ser/S", {"01": GTIN, "22": "V", "10": "L", "21": "S"}),
     (f"/gln/{GLN}/glnx/7", {"414": GLN, "254": "7"}), (f"/party/{GLN}", {"417": GLN}),
     (f"/sscc/{SSCC}", {"00": SSCC}), (f"/415/{GLN}/refno/R1", {"415": GLN, "8020": "R1"})],
)
def test_convenience_alphas_read_as_their_ais(path: str, expected: dict[str, str]) -> None:
    assert _dl(BASE + path).message.as_dict() == expected


def test_unknown_alpha_is_not_a_key() -> None:
    assert _refused(f"{BASE}/product/{GTIN}").code == "bad_uri"


def test_build_writes_numeric_ais_gtin14_and_pct_2b() -> None:
    link = _dl(f"{BASE}/gtin/9506000134352/lot/A+B")
    assert build_digital_link(link.message, BASE) == f"{BASE}/01/{GTIN}/10/A%2BB"


def test_build_refuses_an_ai_that_cannot_be_a_data_attribute() -> None:
    with pytest.raises(GS1Error) as exc:
        build_digital_link([("01", GTIN), ("8200", "https://x.com")], BASE)
    assert (exc.value.code, exc.value.ai) == ("bad_uri", "8200")

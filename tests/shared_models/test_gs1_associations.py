"""Whole-message rules of the dictionary: ex= (exclusions), req= (requisites, with alternatives and groups) and
(8030)'s serialised key. Each family valid and invalid; every entry point gets them because parse() applies them."""

import pytest

from shared_models.gs1 import GS1Error, GS1Message, parse, parse_any, parse_digital_link

GTIN = "09506000134352"
SSCC = "106141412345678908"
GLN = "9521234000006"
GDTI = "9521234000006"  # GDTI key without serial component (check digit 6)


def _code(text: str, **kwargs: bool) -> tuple[str, str | None]:
    with pytest.raises(GS1Error) as exc:
        parse(text, **kwargs)
    return exc.value.code, exc.value.ai


@pytest.mark.parametrize(
    "text",
    [
        f"(01){GTIN}(10)L1(17)261231",  # req=01,... satisfied by the first alternative
        f"(00){SSCC}(02){GTIN}(37)12",  # (37) req=00+02: a group, all present
        f"(01){GTIN}(21)S1(250)X",  # (250) req=01+21
        f"(01){GTIN}(3103)000195(3922)123",  # (3922) req=01+31nn: a pattern inside a group
        f"(414){GLN}(254)7",
        f"(415){GLN}(8020)REF1(8007)DE89370400440532013000",  # (8007) req=415, (415) req=8020
        f"(01){GTIN}(3103)000195(3203)000430",  # different families do not exclude each other
        f"(01){GTIN}(21)S1(8030)c2lnbmF0dXJl",  # digital signature on a serialised GTIN
        f"(253){GDTI}S1(8030)c2lnbmF0dXJl",
    ],
)
def test_messages_that_keep_every_rule_parse(text: str) -> None:
    assert parse(text).hri()


@pytest.mark.parametrize(
    ("text", "ai", "other"),
    [
        (f"(01){GTIN}(02){GTIN}(37)1", "02", "01"),  # 02 ex=01,03
        (f"(01){GTIN}(37)5", "37", "01"),  # 01 ex=255,37
        (f"(01){GTIN}(21)1(235)X", "235", "21"),  # 21 ex=235
        (f"(01){GTIN}(3103)000195(3102)001950", "3102", "3103"),  # 310n ex=310n: the pattern family
        (f"(255){GDTI}0(3940)1234(8111)0010", "8111", "3940"),  # 394n ex=8111
        (f"(00){SSCC}(4330)000100(4331)000040", "4331", "4330"),  # max temperature in F and in C
        (f"(01){GTIN}(3920)100(3930)978100", "3930", "3920"),  # 392n ex=393n
    ],
)
def test_excluded_pairs_are_invalid_pair_at_the_later_element(text: str, ai: str, other: str) -> None:
    with pytest.raises(GS1Error) as exc:
        parse(text)
    assert (exc.value.code, exc.value.ai, exc.value.params["other"]) == ("invalid_pair", ai, other)
    assert f"({other})" in str(exc.value) and f"({ai})" in str(exc.value)


def test_an_ai_never_excludes_itself_even_through_its_pattern() -> None:
    assert parse(f"(01){GTIN}(3103)000195(3103)000195").get("3103") == "000195"


@pytest.mark.parametrize(
    ("text", "ai", "wanted"),
    [
        ("(10)L1", "10", "(01), (02), (03), (8006) or (8026)"),
        (f"(01){GTIN}(250)X", "250", "(01)+(21), (03)+(21) or (8006)+(21)"),  # groups
        (f"(02){GTIN}(37)5", "37", "(00)+(02) or (00)+(8026)"),
        (f"(01){GTIN}(3922)123", "3922", "(01)+(30), (01)+(31nn), (01)+(32nn), (01)+(35nn) or (01)+(36nn)"),
        (f"(00){SSCC}(02){GTIN}", "02", "(37)"),
        ("(8007)DE89370400440532013000", "8007", "(415)"),
        ("(4303)LINE2", "4303", "(4302)"),
        (f"(01){GTIN}(7022)R2", "7022", "(01)+(7021), (03)+(7021) or (8006)+(7021)"),
        (f"(01){GTIN}(8030)c2ln", "8030", None),  # a GTIN alone is not a serialised key
    ],
)
def test_missing_requisites_name_the_ai_and_what_it_needs(text: str, ai: str, wanted: str | None) -> None:
    with pytest.raises(GS1Error) as exc:
        parse(text)
    assert (exc.value.code, exc.value.ai) == ("missing_ai", ai)
    if wanted is not None:
        assert exc.value.params["wanted"] == wanted and wanted in str(exc.value)


def test_requisites_can_wait_for_the_other_symbols_of_the_item() -> None:
    # The dictionary judges req= over all carriers of one item: a caller joining several symbols says so.
    assert parse("(10)L1(21)S1", requisites=False).as_dict() == {"10": "L1", "21": "S1"}
    assert _code(f"(01){GTIN}(37)5", requisites=False) == ("invalid_pair", "37")  # exclusions still apply


def test_8030_needs_the_serial_component_of_253_255_and_8003() -> None:
    assert _code(f"(253){GDTI}(8030)c2ln") == ("key_not_serialised", "253")
    assert _code("(8003)09521234000006(8030)c2ln") == ("key_not_serialised", "8003")
    assert parse("(8003)09521234000006A1(8030)c2ln").get("8003") == "09521234000006A1"


def test_association_errors_point_at_the_element() -> None:
    with pytest.raises(GS1Error) as exc:
        parse(f"(01){GTIN}(10)L1(37)5")
    assert exc.value.position == len(f"(01){GTIN}(10)L1")


def test_associations_false_reads_syntax_only() -> None:
    assert parse("(10)L1(3103)000195(3102)001950", associations=False, lint=False).get("3102") == "001950"


def test_constructed_messages_and_every_parser_apply_the_rules() -> None:
    with pytest.raises(GS1Error):
        GS1Message((("10", "L1"),))
    assert _code(f"\x1d01{GTIN}37{5}") == ("invalid_pair", "37")
    with pytest.raises(GS1Error) as exc:
        parse_any(f"https://id.gs1.org/01/{GTIN}?37=5")
    assert exc.value.code == "invalid_pair"
    with pytest.raises(GS1Error) as exc:
        parse_digital_link(f"https://id.gs1.org/01/{GTIN}?250=X")
    assert exc.value.code == "missing_ai"

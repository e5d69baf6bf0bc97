"""Value checks the issue lists, through parse(): each AI's linters run on its own component of the value."""

import pytest

from shared_models.gs1 import GS1Error, parse

GTIN = "09506000134352"
SSCC = "106141412345678908"
GLN = "9521234000006"
T = f"(01){GTIN}"  # a trade item key, which most of these AIs require
L = f"(00){SSCC}"  # a logistic unit key, which the 43xx AIs require


@pytest.mark.parametrize(
    "text",
    [
        f"{T}(422)156", f"{T}(423)156276840", f"{T}(424)276", f"{T}(425)840", f"{T}(426)156",
        f"{T}(421)156200000", f"(8020)R(415){GLN}(3912)156123", f"{T}(3103)000100(3932)978150",
        f"(415){GLN}(8020)R(8007)GB82WEST12345698765432", f"(00){SSCC}(37)2(8026){GTIN}0102",
        f"{T}(8001)01200050011110", "(8010)0614141ABC(8011)1230", f"{T}(21)S(8030)c2lnbmF0dXJl",
        f"{T}(21)S(8030)c2ln", f"{T}(21)S(8030)c2=", f"{L}(4307)CN(4309)02790858480500000000",
        f"{L}(4321)1(4330)000300-", f"{T}(7030)999ABC", f"{L}(7041)BX", "(8017)952123400000000017(7241)01",
        "(8018)952123400000000017(7252)2(7259)SMITH(7258)1/2", f"{T}(8014)0614141ABLE", f"{T}(7040)1ABC",
    ],
)
def test_good_values_parse(text: str) -> None:
    assert parse(text).hri()


@pytest.mark.parametrize(
    ("text", "code", "ai", "offset"),
    [
        (f"{T}(422)999", "bad_country", "422", 0),
        (f"{T}(423)156999", "bad_country", "423", 3),  # the second 3-digit country of the list
        (f"{T}(423)1562", "too_short", "423", 3),  # 3-digit repetition: a 4th digit starts a short component
        (f"{T}(423)156276840124036250", "too_long", "423", None),  # at most 5 countries
        (f"{T}(426)000", "bad_country", "426", 0),
        (f"{T}(421)999ABC", "bad_country", "421", 0),
        (f"{T}(3103)000100(3932)001150", "bad_currency", "3932", 0),
        (f"(8020)R(415){GLN}(3912)191123", "bad_currency", "3912", 0),  # HRK, withdrawn from ISO 4217 in 2023
        (f"(415){GLN}(8020)R(8007)GB82WEST12345698765433", "bad_iban_checksum", "8007", 2),
        (f"(415){GLN}(8020)R(8007)QQ82WEST12345698765432", "bad_country", "8007", 0),
        (f"(00){SSCC}(37)2(8026){GTIN}0100", "zero_total", "8026", 16),
        (f"(00){SSCC}(37)2(8026){GTIN}0302", "piece_over_total", "8026", 14),
        (f"{T}(8006){GTIN}0102", "invalid_pair", "8006", None),
        (f"{T}(8001)00000050011110", "zero_value", "8001", 0),  # roll width 0
        (f"{T}(8001)01200050011120", "bad_winding", "8001", 12),  # winding direction 2
        ("(8010)0614141ABC(8011)0123", "zero_prefix", "8011", 0),
        (f"{T}(21)S(8030)c2ln=", "bad_charset", "8030", 4),  # one '=' makes 5 characters: not a multiple of 3
        (f"{T}(21)S(8030)c2l+", "bad_charset", "8030", 3),  # '+' is base64, not base64url
        ("(8013)A987654Ad4X4bL5ttr2310c9K", "bad_company_prefix", "8013", 0),  # a GMN starts with a GCP
        (f"(01)0{'A'}506000134352", "bad_charset", "01", 1),
        (f"{L}(4307)XX", "bad_country", "4307", 0),
        (f"{L}(4309)18000000010500000000", "bad_coordinate", "4309", 0),
        (f"{L}(4321)2", "not_yes_no", "4321", 0),
        (f"{L}(4330)000300+", "not_hyphen", "4330", 6),
        (f"{L}(4300)100%", "bad_percent_encoding", "4300", 3),
        (f"{L}(4324)2512311260", "bad_date", "4324", 8),
        (f"{T}(7030)998ABC", "bad_country", "7030", 0),
        (f"{L}(7041)QQQ", "bad_package_type", "7041", 0),
        ("(8017)952123400000000017(7241)20", "bad_media_type", "7241", 0),
        ("(8018)952123400000000017(7252)5", "bad_sex_code", "7252", 0),
        ("(8018)952123400000000017(7259)X(7258)2/1", "position_over_end", "7258", 0),
        ("(8018)952123400000000017(7250)20230229", "bad_date", "7250", 6),
        (f"{T}(8014)06141410199822", "needs_non_digit", "8014", 0),  # check pair 22: all digits
        (f"{T}(7040)1AB!", "bad_importer_index", "7040", 3),
    ],
)
def test_bad_values_name_the_ai_the_offset_and_what_is_wrong(text: str, code: str, ai: str, offset: int) -> None:
    with pytest.raises(GS1Error) as exc:
        parse(text)
    assert (exc.value.code, exc.value.ai) == (code, ai)
    if offset is not None:
        assert exc.value.offset == offset
    assert f"AI ({ai})" in str(exc.value)


def test_lint_false_skips_the_linters_but_not_the_syntax() -> None:
    assert parse(f"{T}(422)999", lint=False).get("422") == "999"
    with pytest.raises(GS1Error) as exc:
        parse(f"{T}(422)99A", lint=False)
    assert exc.value.code == "bad_charset"

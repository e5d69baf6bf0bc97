"""Cross-check against biip (an independent, well-kept GS1 parser from PyPI) where its behaviour is known to be
right: the AI table, each AI's value syntax, check digits and dates. Where the two differ the lists below say why,
and the tests fail when a listed difference goes away or an unlisted one appears."""

import random
import re

import pytest

biip = pytest.importorskip("biip", minversion="5.2.0")
from biip import ParseError  # noqa: E402
from biip.checksums import gs1_standard_check_digit  # noqa: E402
from biip.gs1_application_identifiers import _GS1_APPLICATION_IDENTIFIERS as BIIP_AIS  # noqa: E402
from biip.gs1_messages import GS1Message as BiipMessage  # noqa: E402

from shared_models.gs1 import GS1Error, all_ais, compute_check_digit, lookup, parse  # noqa: E402
from shared_models.gs1.element import validate_value  # noqa: E402

# AIs whose biip pattern already holds a rule the dictionary gives a linter, so the syntax-only comparison differs
# on purpose; with the linters on (test_lintered_values_agree_where_biip_folds_the_rule_in) the two agree again.
SYNTAX_FOLDED_LINTERS = {
    "4330": "hyphen: biip's pattern allows only '-' after the 6 digits",
    "4331": "hyphen", "4332": "hyphen", "4333": "hyphen",
    "7258": "posinseqslash: biip's pattern is digit '/' digit",
    "8003": "zero: biip's pattern fixes the first digit to 0",
    "8010": "biip wants at least 5 characters; the dictionary's Y..30 with gcppos1 needs the 4 of the shortest GCP",
}  # fmt: skip

# Whole messages where the two differ: (HRI, Lotline accepts, biip accepts, why Lotline follows the dictionary).
DISAGREEMENTS = [
    ("(01)09506000134352(02)09506000134352(37)1", False, True, "biip checks no ex= rules: 01 ex=02"),
    ("(10)L1", False, True, "biip checks no req= rules: (10) needs a trade item key"),
    ("(01)09506000134352(422)999", False, True, "biip has no ISO 3166 linter: 999 is no country"),
    ("(01)09506000134352(3103)000100(3932)001150", False, True, "biip has no ISO 4217 linter"),
    ("(415)9521234000006(8020)R(8007)DE89370400440532013001", False, True, "biip checks no IBAN check digits"),
    ("(00)106141412345678908(37)2(8026)095060001343520300", False, True, "biip has no piece-of-total linter"),
    ("(01)09506000134352(8001)00000050011110", False, True, "biip has no nonzero linter for roll width"),
    ("(8010)0614141A(8011)0123", False, True, "biip has no nozeroprefix linter"),
    ("(00)106141412345678908(4300)100%", False, True, "biip has no pcenc linter"),
    ("(01)09506000134352(21)S(8030)ab=", True, False, "biip's (8030) pattern forbids the '=' padding CSET 64 allows"),
    ("(01)09506000134352(10)A B", False, True, "biip's HRI reader drops the space; CSET 82 has none"),
    ("(8010)0614(8011)1", True, False, "biip wants (8010) of 5+ characters; the dictionary 4 (shortest GCP)"),
]  # fmt: skip

AGREEMENTS = [
    ("(01)09506000134352(17)261231(10)ABC123", True), ("(00)106141412345678908(02)09506000134352(37)24", True),
    ("(01)09506000134352(17)260200", True), ("(01)09506000134352(17)260230", False),
    ("(01)09506000134352(7003)2512312400", False), ("(01)09506000134352(3103)00019A", False),
    ("(01)09506000134352(423)1562", False), ("(01)09506000134352(10)" + "A" * 21, False),
]  # fmt: skip


def _biip_accepts(hri: str) -> bool:
    try:
        message = BiipMessage.parse_hri(hri)
    except ParseError:
        return False
    keys = {"01": "gtin", "02": "gtin", "00": "sscc"}  # biip keeps a key with a wrong check digit but drops its object
    return all(getattr(e, keys[e.ai.ai]) is not None for e in message.element_strings if e.ai.ai in keys)


def _ours_accepts(hri: str) -> bool:
    try:
        parse(hri)
    except GS1Error:
        return False
    return True


def _sample(ai: str, mode: str) -> str:
    parts = []
    for comp in lookup(ai).components:
        if comp.optional and mode == "min":
            break
        parts.append({"N": "1", "X": "A", "Y": "A", "Z": "A"}[comp.cset] * (comp.min_length if mode == "min"
                                                                            else comp.max_length))
    return "".join(parts) + ("1" if mode == "over" else "")


def _syntax_ok(ai: str, value: str) -> bool:
    try:
        validate_value(lookup(ai), value, lint=False)
    except GS1Error:
        return False
    return True


def test_same_ais_and_the_same_fnc1_need() -> None:
    assert {d.ai for d in all_ais()} == set(BIIP_AIS)
    assert [d.ai for d in all_ais() if d.fnc1 != BIIP_AIS[d.ai].separator_required] == []


def test_value_syntax_agrees_for_every_ai_except_the_listed_ones() -> None:
    differ = set()
    for d in all_ais():
        pattern = re.compile(BIIP_AIS[d.ai].pattern)
        for mode in ("max", "min", "over"):
            value = _sample(d.ai, mode)
            if _syntax_ok(d.ai, value) != bool(pattern.match(d.ai + value)):
                differ.add(d.ai)
    assert differ == set(SYNTAX_FOLDED_LINTERS)


@pytest.mark.parametrize(("ai", "value"), [("4330", "000100A"), ("7258", "AAA"), ("8003", "19521234000006")])
def test_lintered_values_agree_where_biip_folds_the_rule_in(ai: str, value: str) -> None:
    with pytest.raises(GS1Error):
        validate_value(lookup(ai), value)
    assert not re.match(BIIP_AIS[ai].pattern, ai + value)


def test_check_digits_agree_on_random_keys() -> None:
    rng = random.Random(17)
    for length in (7, 11, 12, 13, 16, 17):
        for _ in range(200):
            body = "".join(rng.choices("0123456789", k=length))
            assert compute_check_digit(body) == gs1_standard_check_digit(body)


@pytest.mark.parametrize(("hri", "accepted"), AGREEMENTS)
def test_messages_where_both_agree(hri: str, accepted: bool) -> None:
    assert _ours_accepts(hri) is accepted and _biip_accepts(hri) is accepted


@pytest.mark.parametrize(("hri", "ours", "theirs", "why"), DISAGREEMENTS, ids=[d[3][:40] for d in DISAGREEMENTS])
def test_listed_disagreements_are_real(hri: str, ours: bool, theirs: bool, why: str) -> None:
    assert (_ours_accepts(hri), _biip_accepts(hri)) == (ours, theirs), why

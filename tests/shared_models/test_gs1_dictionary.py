"""The AI table is GS1's Barcode Syntax Dictionary: the generator reads it, and the committed table matches it."""

import pytest

from shared_models.gs1 import LINTERS, PREDEFINED_LENGTHS, GS1Error, all_ais, lookup, parse
from shared_models.gs1.dictionary import (
    ASSETS,
    HERE,
    INPUTS,
    DictionaryError,
    generate,
    parse_dictionary,
    render_ai_table,
)

DICTIONARY = (ASSETS / "gs1-syntax-dictionary.txt").read_text(encoding="utf-8")
GTIN = "09506000134352"


def test_committed_modules_match_the_generator_output() -> None:
    # Fails when assets/gs1/ changed without `python -m shared_models.gs1.dictionary --write`, or by hand edits.
    inputs = {name: (ASSETS / name).read_text(encoding="utf-8") for name in INPUTS}
    for name, text in generate(inputs).items():
        assert (HERE / name).read_text(encoding="utf-8") == text, f"{name} is out of date"


def test_the_generator_command_checks_and_writes(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from shared_models.gs1 import dictionary

    monkeypatch.setattr(dictionary, "HERE", tmp_path)
    assert dictionary.main(["--check"]) == 1  # nothing generated there yet
    assert dictionary.main(["--write"]) == 0
    assert dictionary.main(["--check"]) == 0
    written = (tmp_path / "_ai_table.py").read_text(encoding="utf-8")
    assert written == (HERE / "_ai_table.py").read_text(encoding="utf-8")


def test_the_dictionary_copy_keeps_its_licence_and_source() -> None:
    assert "Licensed under the Apache License, Version 2.0" in DICTIONARY
    assert (ASSETS / "LICENSE").read_text(encoding="utf-8").lstrip().startswith("Apache License")
    assert "ff2eb4bfc8f647aa3244626bdb875165d067a3e6" in (ASSETS / "NOTICE").read_text(encoding="utf-8")


def test_table_has_every_ai_of_the_dictionary() -> None:
    ais = {ai for entry in parse_dictionary(DICTIONARY) for ai in entry.ais()}
    assert len(ais) == 541
    assert {d.ai for d in all_ais()} == ais


@pytest.mark.parametrize("ai", ["4300", "4309", "4333", "7230", "7239", "7250", "7259", "8110", "8112", "7041", "716"])
def test_current_ais_that_the_old_table_lacked_are_known(ai: str) -> None:
    assert lookup(ai).ai == ai


def test_logistics_label_with_ship_to_company_parses() -> None:
    msg = parse("(00)106141412345678908(4300)ACME%20Corp(4307)DE(4321)1")
    assert msg.get("4300") == "ACME%20Corp" and msg.get("4307") == "DE"


def test_star_flags_are_exactly_the_predefined_length_prefixes() -> None:
    for d in all_ais():
        assert (not d.fnc1) == (d.ai[:2] in PREDEFINED_LENGTHS), d.ai


def test_every_linter_the_dictionary_names_is_implemented() -> None:
    named = {name for d in all_ais() for name in d.linters}
    assert len(named) == 34
    assert named <= set(LINTERS)


def test_components_of_gdti_keep_check_digit_and_optional_serial() -> None:
    d = lookup("253")
    assert [(c.cset, c.min_length, c.max_length, c.optional, c.linters) for c in d.components] == [
        ("N", 13, 13, False, ("csum", "gcppos1")), ("X", 1, 17, True, ())]


def test_requires_keeps_the_alternatives_and_groups() -> None:
    assert lookup("250").requires_text == (("01+21", "03+21", "8006+21"),)
    assert lookup("3920").requires[0][1] == (("01", 2), ("31", 4))  # 01+31nn


def test_excludes_keep_patterns_and_qualifiers_keep_alternatives() -> None:
    assert lookup("3103").excludes == (("310", 4),)
    assert lookup("01").dl_qualifiers == (("22", "10", "21"), ("235",))
    assert lookup("00").dl_qualifiers == ((),) and lookup("10").dl_qualifiers is None


def test_flags_mark_digital_link_attributes() -> None:
    assert lookup("17").dl_attribute and not lookup("21").dl_attribute and not lookup("8200").dl_attribute


def test_unknown_ai_stays_unknown() -> None:
    with pytest.raises(GS1Error) as exc:
        parse("(2399)X")
    assert exc.value.code == "unknown_ai"


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("99  ?  Q..5  # BAD TYPE", "is not a component"),
        ("99  ?  N..5 N3  # VAR FIRST", "only the final component"),
        ("99  ?  [N3] N3  # OPT FIRST", "mandatory component follows"),
        ("99  ?  N3 req=0A  # BAD PATTERN", "not an AI or AI pattern"),
        ("99  !  N3  # BAD FLAG", "unknown flags"),
        ("99  ?  N3 req=01 N3  # SPEC AFTER ATTRIBUTE", "unexpected"),
        ("99  ?  # NO SPEC", "no data field"),
    ],
)
def test_malformed_dictionary_lines_are_refused_naming_the_line(line: str, why: str) -> None:
    with pytest.raises(DictionaryError, match=f"line 2: .*{why}"):
        parse_dictionary("# header\n" + line)


def test_render_is_one_line_per_entry_and_reads_back() -> None:
    entries = parse_dictionary(DICTIONARY)
    text = render_ai_table(entries, "test")
    namespace: dict[str, object] = {}
    exec(compile(text, "_ai_table", "exec"), namespace)  # the generated module is plain data
    rows = namespace["ENTRIES"]
    assert isinstance(rows, tuple) and len(rows) == len(entries) == 224
    assert rows[1][:4] == ("01", "01", False, True)

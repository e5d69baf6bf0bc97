"""The handheld's way in: a scan gets every GS1 check (linters, associations, Digital Link syntax), and the worker
reads what is wrong in zh-CN or en, naming the AI."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from mobile.i18n import GS1_STRINGS, LOCALES, Localized, Msg, Translator
from mobile.scanner import ScanPipeline
from mobile.scanner.interpret import gs1_message, interpret
from mobile.viewmodels.scan import ScanViewModel
from shared_models.gs1 import ERROR_CODES, GS1Error, parse
from tests.aio import Run, run_fixture  # noqa: F401
from tests.mobile.handheld_fixtures import TODAY, make_handheld

GTIN = "09506000134352"
SCAN = ScanPipeline(debounce_ms=0)


@pytest.mark.parametrize(
    ("text", "code", "ai"),
    [
        (f"(01){GTIN}(422)999", "bad_country", "422"),  # a value check
        (f"]d201{GTIN}37{5}", "invalid_pair", "37"),  # an exclusion
        ("(21)SN1", "missing_ai", "21"),  # a requisite: (21) needs (01), (03) or (8006)
        (f"https://id.gs1.org/01/{GTIN}?10=L1", "bad_uri", "10"),  # a key qualifier moved to the query
        (f"https://id.gs1.org/01/{GTIN}/", "bad_uri", None),  # a trailing slash
    ],
)
def test_interpretation_applies_every_check(text: str, code: str, ai: str | None) -> None:
    reading = interpret(text, today=TODAY)
    assert (reading.gs1, reading.error_code) == (None, code)
    assert isinstance(reading.error, Localized) and reading.error.msg.key == f"gs1.{code}"
    if ai is not None:
        assert f"({ai})" in reading.error


def test_the_worker_reads_the_error_in_both_languages() -> None:
    error = interpret(f"(01){GTIN}(422)999", today=TODAY).error
    assert isinstance(error, Localized)
    assert Translator("en")(error.msg) == "AI (422): 999 is not a country code"
    assert Translator("zh-CN")(error.msg) == "AI (422)：999 不是国家代码"
    # As a parameter of the scan screen's message the Localized text is translated too, never shown in English.
    assert "不是国家代码" in Translator("zh-CN")(Msg.of("scan.malformed", ai="422", detail=error))


def test_the_scan_screen_shows_the_gs1_error_in_chinese(run: Run[Any], tmp_path: Path) -> None:
    hh, _ = make_handheld(tmp_path)
    vm = ScanViewModel(hh.replica, hh.api, TODAY)
    run(vm.show(SCAN.scan_text(f"(01){GTIN}(10)L1(37)5", source="manual")))
    assert vm.state.error is not None and vm.state.error.params["ai"] == "37"
    assert "AI (37) 不能与 AI (01) 同时使用" in Translator("zh-CN")(vm.state.error)


def test_pipeline_results_carry_the_code_and_the_localized_text() -> None:
    result = SCAN.scan_text(f"(01){GTIN}(8001)00000050011110", source="manual")
    assert (result.gs1_error_code, result.valid) == ("zero_value", False)
    assert Translator("zh-CN")(Msg.of("scan.malformed", ai="8001", detail=result.gs1_error)).endswith("不能为零")


def test_every_gs1_error_code_reads_in_both_languages_with_the_same_placeholders() -> None:
    field = re.compile(r"\{(\w+)\}")
    for locale in LOCALES:
        assert sorted(k[4:] for k in GS1_STRINGS[locale] if "coupon_field" not in k) == sorted(ERROR_CODES)
    en, zh = GS1_STRINGS["en"], GS1_STRINGS["zh-CN"]
    assert sorted(en) == sorted(zh)
    assert {k: sorted(set(field.findall(v))) for k, v in en.items()} == {
        k: sorted(set(field.findall(v))) for k, v in zh.items()}


@pytest.mark.parametrize(
    "text",
    [f"(01){GTIN}(422)999", f"(01){GTIN}(10)L1(37)5", "(21)S", f"(01){GTIN[:-1]}9", f"(01){GTIN}(17)261341",
     "(8110)06141411234562501101237", f"(00)106141412345678908(37)2(8026){GTIN}0302",
     f"(01){GTIN}(3103)000100(3932)001150", "(00)106141412345678908(4300)100%", f"(01){GTIN}(8014)06141410199822",
     "(8018)952123400000000017(7259)X(7258)2/1", f"(01){GTIN}(10)A B", "(2399)X"],
)
def test_messages_fill_every_placeholder(text: str) -> None:
    with pytest.raises(GS1Error) as exc:
        parse(text, today=TODAY)
    msg = gs1_message(exc.value)
    for locale in LOCALES:
        shown = Translator(locale)(msg)
        assert "{" not in shown and f"({exc.value.ai})" in shown, shown

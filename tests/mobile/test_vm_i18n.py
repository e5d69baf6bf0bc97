"""Every UI string exists in zh-CN and en, none is empty, and every key the code uses is in both files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mobile.i18n import I18N_DIR, LOCALES, Msg, Translator, UnknownKey, normalise_locale

ROOT = Path(__file__).resolve().parents[2]
STATIC_KEY = re.compile(r"""(?:Msg\.of\(|kit\.t\(|self\.t\(|\bt\()\s*"([a-z_]+\.[a-z_.]+)\"""")
LABEL_KEY = re.compile(r"""["']((?:field|login|receive|move|pick|ship|count|inspect|inbox|badge|origin|home|app|"""
                       r"""scan|verify|camera|photo|gate|form|server)\.[a-z_]+(?:\.[a-z_]+)?)["']""")


def load(locale: str) -> dict[str, str]:
    return json.loads((I18N_DIR / f"{locale}.json").read_text(encoding="utf-8"))


def test_both_files_have_the_same_keys_and_no_empty_values() -> None:
    zh, en = load("zh-CN"), load("en")
    assert sorted(zh) == sorted(en)
    assert [k for k, v in {**{f"zh:{k}": v for k, v in zh.items()}, **{f"en:{k}": v for k, v in en.items()}}.items()
            if not v.strip()] == []


def test_placeholders_match_between_languages() -> None:
    zh, en = load("zh-CN"), load("en")
    field = re.compile(r"\{(\w+)\}")
    assert {k: sorted(set(field.findall(zh[k]))) for k in zh} == {k: sorted(set(field.findall(en[k]))) for k in en}


def test_every_key_the_code_names_is_translated() -> None:
    keys = set(load("en"))
    used: set[str] = set()
    for path in (ROOT / "mobile").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        used |= set(STATIC_KEY.findall(text)) | set(LABEL_KEY.findall(text))
    used -= {"app.sscc_counter", "app.tar.gz"}  # a kv key and the PWA bundle's archive name, not strings
    assert sorted(used - keys) == []


def test_dynamic_key_families_are_complete() -> None:
    from shared_models.enums import Role, UnitStatus

    keys = set(load("en"))
    families = [f"status.{s.value}" for s in UnitStatus] + [f"role.{r.value}" for r in Role]
    families += [f"gate.status_{s.value}" for s in UnitStatus if s is not UnitStatus.RELEASED]
    families += [f"tile.{f}" for f in ("receive", "move", "pick", "ship", "stocktake", "inspect", "origin", "verify",
                                       "scan", "inbox")]
    families += [f"screen.{s}" for s in ("login", "home", "scan", "receive", "move", "pick", "ship", "stocktake",
                                         "inspect", "origin", "verify", "inbox")]
    families += [f"kind.{k}" for k in ("lot", "serial", "container", "item", "location")]
    assert sorted(set(families) - keys) == []


def test_translator_fills_nested_messages_and_refuses_unknown_keys() -> None:
    t = Translator("zh-CN")
    assert t(Msg.of("scan.status_warning", status=Msg.of("status.on_hold"))) == "注意：状态为冻结"
    assert Translator("en")("badge.pending", count=3) == "3 pending"
    with pytest.raises(UnknownKey):
        t("no.such_key")
    assert [normalise_locale(x) for x in ("zh_CN", "zh-Hans", "en-US", None)] == ["zh-CN", "zh-CN", "en", "zh-CN"]
    assert set(LOCALES) == {"zh-CN", "en"}

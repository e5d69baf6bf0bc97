"""The console's words: one catalogue file per language (catalogue/<lang>.json), and which language a request gets."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogue"
LANGUAGES = ("zh-CN", "en")
DEFAULT_LANGUAGE = "zh-CN"


@cache
def catalogue(lang: str) -> dict[str, str]:
    """Every text of `lang`; raises ValueError for a language the console does not speak."""
    if lang not in LANGUAGES:
        raise ValueError(f"language {lang!r} is not one of {', '.join(LANGUAGES)}")
    return dict(json.loads((CATALOGUE_DIR / f"{lang}.json").read_text(encoding="utf-8")))


def pick_language(chosen: str | None, accept_language: str) -> str:
    """The language the user chose (cookie), else the first of the browser's that the console speaks, else zh-CN."""
    if chosen in LANGUAGES:
        return str(chosen)
    for part in accept_language.split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return DEFAULT_LANGUAGE


@dataclass(frozen=True, slots=True)
class Texts:
    """`t("key", name=...)` in templates: the text in this language with its fields filled in; a missing key shows
    as the key itself, so a gap is visible on screen rather than blank."""

    lang: str

    def __call__(self, key: str, **fields: Any) -> str:
        text = catalogue(self.lang).get(key, key)
        return text.format(**fields) if fields else text

    def label(self, prefix: str, value: str | None) -> str:
        """A state, status or role name in this language, or the raw value when the catalogue has none."""
        if value is None:
            return ""
        return catalogue(self.lang).get(f"{prefix}.{value}", value)

    @property
    def other(self) -> str:
        return next(lang for lang in LANGUAGES if lang != self.lang)

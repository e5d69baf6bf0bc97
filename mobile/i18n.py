"""UI strings in zh-CN and en (assets/i18n/<locale>.json): view-models speak in `Msg` keys, views translate them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

I18N_DIR = Path(__file__).resolve().parents[1] / "assets" / "i18n"
LOCALES: tuple[str, ...] = ("zh-CN", "en")
DEFAULT_LOCALE = "zh-CN"


@dataclass(frozen=True, slots=True)
class Msg:
    """A message for the worker: a key into the translation files and the values its text fills in."""

    key: str
    params: dict[str, Any] = field(default_factory=dict, compare=True, hash=False)

    @classmethod
    def of(cls, key: str, **params: Any) -> Msg:
        return cls(key, params)


class UnknownKey(KeyError):
    """A key that no translation file has: a programming error, never shown as a raw key."""


@cache
def catalogue(locale: str) -> dict[str, str]:
    """The strings of one locale. Raises ValueError for a locale Lotline does not ship."""
    if locale not in LOCALES:
        raise ValueError(f"locale {locale!r} is not one of {', '.join(LOCALES)}")
    return json.loads((I18N_DIR / f"{locale}.json").read_text(encoding="utf-8"))


def normalise_locale(value: str | None) -> str:
    """'zh', 'zh_CN', 'zh-Hans' → 'zh-CN'; 'en-US' → 'en'; anything else → the default."""
    text = (value or "").replace("_", "-").lower()
    if text.startswith("zh"):
        return "zh-CN"
    if text.startswith("en"):
        return "en"
    return DEFAULT_LOCALE


class Translator:
    def __init__(self, locale: str = DEFAULT_LOCALE) -> None:
        self.locale = normalise_locale(locale)
        self.strings = catalogue(self.locale)

    def __call__(self, key: str | Msg, **params: Any) -> str:
        if isinstance(key, Msg):
            params = {**key.params, **params}
            key = key.key
        try:
            template = self.strings[key]
        except KeyError as exc:
            raise UnknownKey(f"no string '{key}' in {self.locale}.json") from exc
        if not params:
            return template
        # Parameters that are messages themselves (e.g. a status name) are translated first.
        values = {k: self(v) if isinstance(v, Msg) else v for k, v in params.items()}
        return template.format_map(_Lenient(values))


class _Lenient(dict):  # type: ignore[type-arg]
    """A missing placeholder shows as itself rather than raising in front of a worker."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"

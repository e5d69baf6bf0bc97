"""UI strings in zh-CN and en (assets/i18n/<locale>.json, and the GS1 error texts below): view-models speak in `Msg`
keys, views translate them."""

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


class Localized(str):
    """Text that also knows its message: it reads as its English text wherever a str goes (logs, summaries) and a
    Translator shows ``msg`` in the worker's language instead (e.g. a GS1 error passed as a message parameter)."""

    msg: Msg

    def __new__(cls, text: str, msg: Msg) -> Localized:
        self = super().__new__(cls, text)
        self.msg = msg
        return self


#: Every GS1 error code (shared_models.gs1.ERROR_CODES) as the handheld says it; {ai}, {place} (1-based place in
#: the value) and the error's own values fill in. Kept here, not in assets/i18n, because they follow the codes.
GS1_STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "gs1.not_gs1": "This is not GS1 data",
        "gs1.unknown_ai": "AI ({ai}) is not a GS1 Application Identifier",
        "gs1.too_short": "AI ({ai}): the value is too short",
        "gs1.too_long": "AI ({ai}): the value is too long (a missing GS separator?)",
        "gs1.bad_charset": "AI ({ai}): character {place} of the value is not allowed",
        "gs1.bad_format": "AI ({ai}): the data is not laid out as GS1 requires",
        "gs1.bad_check_digit": "AI ({ai}): check digit {found} is wrong, it should be {expected}",
        "gs1.bad_date": "AI ({ai}): not a valid date or time",
        "gs1.missing_gs": "AI ({ai}): a GS separator is missing after its fixed-length value",
        "gs1.conflicting_ai": "AI ({ai}) appears twice with different values",
        "gs1.duplicate_ai": "AI ({ai}) appears twice in the link",
        "gs1.invalid_pair": "AI ({ai}) must not be used together with AI ({other})",
        "gs1.missing_ai": "AI ({ai}) needs {wanted} on the same item",
        "gs1.key_not_serialised": "AI ({ai}) needs its serial part when AI (8030) signs it",
        "gs1.bad_uri": "Not a valid GS1 Digital Link: {detail}",
        "gs1.bad_company_prefix": "AI ({ai}): no valid GS1 Company Prefix",
        "gs1.company_prefix_unavailable": "AI ({ai}): the GS1 Company Prefix can't be checked now",
        "gs1.needs_non_digit": "AI ({ai}): the value needs a character other than a digit",
        "gs1.not_hyphen": "AI ({ai}): only '-' is allowed at character {place}",
        "gs1.bad_iban_checksum": "AI ({ai}): IBAN check digits {found} are wrong",
        "gs1.bad_country": "AI ({ai}): {value} is not a country code",
        "gs1.bad_currency": "AI ({ai}): {value} is not a currency code",
        "gs1.bad_importer_index": "AI ({ai}): {value} is not an importer index",
        "gs1.bad_sex_code": "AI ({ai}): {value} is not a sex code (0, 1, 2 or 9)",
        "gs1.bad_coordinate": "AI ({ai}): {value} is not a valid coordinate",
        "gs1.bad_media_type": "AI ({ai}): {value} is not an assigned media type",
        "gs1.bad_package_type": "AI ({ai}): {value} is not a package type code",
        "gs1.zero_value": "AI ({ai}): {value} must not be zero",
        "gs1.not_zero": "AI ({ai}): {value} must be zero",
        "gs1.zero_prefix": "AI ({ai}): {value} must not start with 0",
        "gs1.bad_percent_encoding": "AI ({ai}): '%' at character {place} is not followed by two hex digits",
        "gs1.bad_piece_of_total": "AI ({ai}): piece and total need the same number of digits",
        "gs1.zero_piece": "AI ({ai}): the piece number must not be 0",
        "gs1.zero_total": "AI ({ai}): the total must not be 0",
        "gs1.piece_over_total": "AI ({ai}): piece {piece} is more than the total {total}",
        "gs1.bad_sequence": "AI ({ai}): write it as position/end, e.g. 1/2",
        "gs1.position_over_end": "AI ({ai}): position {number} is after the end {end}",
        "gs1.bad_winding": "AI ({ai}): {value} is not a winding direction (0, 1 or 9)",
        "gs1.not_yes_no": "AI ({ai}): {value} must be 0 (no) or 1 (yes)",
        "gs1.coupon_missing": "AI ({ai}): the coupon's {field} is missing",
        "gs1.coupon_bad_value": "AI ({ai}): the coupon's {field} may not be {value}",
        "gs1.coupon_truncated": "AI ({ai}): the coupon's {field} is cut short",
        "gs1.coupon_excess": "AI ({ai}): the coupon has data left over at character {place}",
        "gs1.coupon_dates_reversed": "AI ({ai}): the coupon starts after it expires",
    },
    "zh-CN": {
        "gs1.not_gs1": "这不是 GS1 数据",
        "gs1.unknown_ai": "AI ({ai}) 不是 GS1 应用标识符",
        "gs1.too_short": "AI ({ai})：数据太短",
        "gs1.too_long": "AI ({ai})：数据太长（可能缺少 GS 分隔符）",
        "gs1.bad_charset": "AI ({ai})：数据第 {place} 个字符不允许",
        "gs1.bad_format": "AI ({ai})：数据格式不符合 GS1 规定",
        "gs1.bad_check_digit": "AI ({ai})：校验码 {found} 有误，应为 {expected}",
        "gs1.bad_date": "AI ({ai})：日期或时间无效",
        "gs1.missing_gs": "AI ({ai})：定长数据后缺少 GS 分隔符",
        "gs1.conflicting_ai": "AI ({ai}) 出现两次且数据不同",
        "gs1.duplicate_ai": "AI ({ai}) 在链接中出现两次",
        "gs1.invalid_pair": "AI ({ai}) 不能与 AI ({other}) 同时使用",
        "gs1.missing_ai": "AI ({ai}) 需要同一物品上有 {wanted}",
        "gs1.key_not_serialised": "AI ({ai}) 由 AI (8030) 签名时必须带序列号部分",
        "gs1.bad_uri": "不是有效的 GS1 数字链接：{detail}",
        "gs1.bad_company_prefix": "AI ({ai})：没有有效的 GS1 厂商识别代码",
        "gs1.company_prefix_unavailable": "AI ({ai})：暂时无法核对 GS1 厂商识别代码",
        "gs1.needs_non_digit": "AI ({ai})：数据必须含有数字以外的字符",
        "gs1.not_hyphen": "AI ({ai})：第 {place} 个字符只能是“-”",
        "gs1.bad_iban_checksum": "AI ({ai})：IBAN 校验位 {found} 有误",
        "gs1.bad_country": "AI ({ai})：{value} 不是国家代码",
        "gs1.bad_currency": "AI ({ai})：{value} 不是货币代码",
        "gs1.bad_importer_index": "AI ({ai})：{value} 不是进口商索引",
        "gs1.bad_sex_code": "AI ({ai})：{value} 不是性别代码（0、1、2 或 9）",
        "gs1.bad_coordinate": "AI ({ai})：{value} 不是有效坐标",
        "gs1.bad_media_type": "AI ({ai})：{value} 不是已分配的介质类型",
        "gs1.bad_package_type": "AI ({ai})：{value} 不是包装类型代码",
        "gs1.zero_value": "AI ({ai})：{value} 不能为零",
        "gs1.not_zero": "AI ({ai})：{value} 必须为零",
        "gs1.zero_prefix": "AI ({ai})：{value} 不能以 0 开头",
        "gs1.bad_percent_encoding": "AI ({ai})：第 {place} 个字符“%”后面不是两位十六进制数",
        "gs1.bad_piece_of_total": "AI ({ai})：件号和总件数的位数必须相同",
        "gs1.zero_piece": "AI ({ai})：件号不能为 0",
        "gs1.zero_total": "AI ({ai})：总件数不能为 0",
        "gs1.piece_over_total": "AI ({ai})：件号 {piece} 大于总件数 {total}",
        "gs1.bad_sequence": "AI ({ai})：应写成“序号/总数”，如 1/2",
        "gs1.position_over_end": "AI ({ai})：序号 {number} 大于总数 {end}",
        "gs1.bad_winding": "AI ({ai})：{value} 不是卷绕方向（0、1 或 9）",
        "gs1.not_yes_no": "AI ({ai})：{value} 只能是 0（否）或 1（是）",
        "gs1.coupon_missing": "AI ({ai})：优惠券缺少{field}",
        "gs1.coupon_bad_value": "AI ({ai})：优惠券的{field}不能是 {value}",
        "gs1.coupon_truncated": "AI ({ai})：优惠券的{field}不完整",
        "gs1.coupon_excess": "AI ({ai})：优惠券第 {place} 个字符起有多余数据",
        "gs1.coupon_dates_reversed": "AI ({ai})：优惠券的开始日期晚于到期日期",
    },
}
_COUPON_FIELDS = {  # key: (en, zh-CN)
    "format_code": ("format code", "格式代码"), "funder_vli": ("funder length", "出资方长度"),
    "funder": ("funder ID", "出资方代码"), "gcp_vli": ("company prefix length", "厂商识别代码长度"),
    "gcp": ("company prefix", "厂商识别代码"), "offer_code": ("offer code", "优惠代码"),
    "save_value_vli": ("save value length", "优惠金额长度"), "save_value": ("save value", "优惠金额"),
    "requirement_vli": ("purchase requirement length", "购买要求长度"),
    "requirement": ("purchase requirement", "购买要求"),
    "requirement_code": ("purchase requirement code", "购买要求代码"), "family_code": ("family code", "商品族代码"),
    "rules_code": ("additional purchase rules code", "附加购买规则代码"),
    "expiration_date": ("expiration date", "到期日期"),
    "start_date": ("start date", "开始日期"), "serial_vli": ("serial number length", "序列号长度"),
    "serial": ("serial number", "序列号"), "retailer_vli": ("retailer ID length", "零售商代码长度"),
    "retailer": ("retailer ID", "零售商代码"), "save_value_code": ("save value code", "优惠金额代码"),
    "applies_to": ("'applies to item' code", "适用商品代码"), "store_flag": ("store coupon flag", "店内优惠券标志"),
    "multiply_flag": ("'don't multiply' flag", "不可叠加标志"),
}  # fmt: skip
for _key, (_en, _zh) in _COUPON_FIELDS.items():
    GS1_STRINGS["en"][f"gs1.coupon_field.{_key}"] = _en
    GS1_STRINGS["zh-CN"][f"gs1.coupon_field.{_key}"] = _zh


class UnknownKey(KeyError):
    """A key that no translation file has: a programming error, never shown as a raw key."""


@cache
def catalogue(locale: str) -> dict[str, str]:
    """The strings of one locale. Raises ValueError for a locale Lotline does not ship."""
    if locale not in LOCALES:
        raise ValueError(f"locale {locale!r} is not one of {', '.join(LOCALES)}")
    return {**json.loads((I18N_DIR / f"{locale}.json").read_text(encoding="utf-8")), **GS1_STRINGS[locale]}


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
        values = {k: self(v.msg if isinstance(v, Localized) else v) if isinstance(v, Msg | Localized) else v
                  for k, v in params.items()}
        return template.format_map(_Lenient(values))


class _Lenient(dict):  # type: ignore[type-arg]
    """A missing placeholder shows as itself rather than raising in front of a worker."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"

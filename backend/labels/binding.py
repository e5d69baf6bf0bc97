"""An element's value from a label's data: fields, literals and templates resolved; GS1 data built with the GS1
layer and read back before anything prints, so a label never carries a code a scanner would refuse."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from backend.labels.errors import LabelDataInvalid
from shared_models.gs1 import GS1Error, GS1Message, build_digital_link, is_valid_check_digit, parse, parse_digital_link
from shared_models.labels import (
    FIELDS,
    PLACEHOLDER,
    AIValue,
    BarcodeElement,
    Condition,
    Source,
    Symbology,
    format_date,
)

LabelData = Mapping[str, Any]  # field path -> str | date | int | None
GS1_DATE = "YYMMDD"
CODE128_MAX = 80     # characters: past this no hand scanner reads a Code 128 across a label
GS1_128_MAX = 48     # data characters, GS1 General Specifications 5.4.1
QR_MAX = 2000


def normalise(data: Mapping[str, Any]) -> dict[str, Any]:
    """Data as the renderer reads it: ISO date text as dates, whole-number text as ints, empty text as absent.
    Raises LabelDataInvalid for an unknown field or a value of the wrong kind."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        kind = FIELDS.get(key)
        if kind is None:
            raise LabelDataInvalid(f"'{key}' is not a label field.", element="data", field=key)
        if value is None or value == "":
            continue
        if kind == "date" and isinstance(value, str):
            try:
                value = date.fromisoformat(value)
            except ValueError as exc:
                raise LabelDataInvalid(f"{key} must be a date as YYYY-MM-DD, got {value!r}.", element="data",
                                       field=key) from exc
        elif kind == "int" and isinstance(value, str):
            if not value.isdigit():
                raise LabelDataInvalid(f"{key} must be a whole number, got {value!r}.", element="data", field=key)
            value = int(value)
        out[key] = value
    return out


def text_of(value: Any, date_format: str) -> str:
    return format_date(value, date_format) if isinstance(value, date) else str(value)


def resolve(source: Source, data: LabelData) -> str | None:
    """The source's text, or None when a field it reads is empty."""
    if source.literal is not None:
        return source.literal
    if source.field is not None:
        value = data.get(source.field)
        return None if value is None else text_of(value, source.date_format)
    missing = False

    def fill(match: Any) -> str:
        nonlocal missing
        value = data.get(match.group(1))
        if value is None:
            missing = True
            return ""
        return text_of(value, match.group(2) or source.date_format)

    text = PLACEHOLDER.sub(fill, source.template or "")
    return None if missing else text


def holds(condition: Condition | None, data: LabelData) -> bool:
    if condition is None:
        return True
    value = data.get(condition.field)
    shown = None if value is None else text_of(value, "YYYY-MM-DD")
    match condition.op:
        case "present":
            return shown is not None
        case "absent":
            return shown is None
        case "equals":
            return shown == condition.value
        case "not_equals":
            return shown != condition.value
        case _:
            return shown in (condition.value or [])


def _missing(name: str, field: str | None) -> LabelDataInvalid:
    return LabelDataInvalid(f"{name}: no value for {field}; fill it in or give the element a print_if.",
                            element=name, field=field)


def _ai_value(part: AIValue, data: LabelData) -> str | None:
    if part.literal is not None:
        return part.literal
    value = data.get(part.field or "")
    if value is None:
        return None
    return format_date(value, GS1_DATE) if isinstance(value, date) else str(value)


def gs1_message(el: BarcodeElement, data: LabelData, name: str) -> GS1Message:
    """The element's GS1 data built (every AI's linters, the pairs that exclude each other) and read back from its
    raw element string; raises LabelDataInvalid naming the AI and the field it came from. An AI's required
    partners may sit in another symbol of the label (GS1 General Specifications 4.14.2): `whole_label` checks
    them over all of a label's GS1 symbols."""
    pairs: list[tuple[str, str]] = []
    origin: dict[str, str | None] = {}
    for part in el.gs1:
        value = _ai_value(part, data)
        if value is None or value == "":
            if part.optional:
                continue
            raise _missing(f"{name} AI ({part.ai})", part.field)
        pairs.append((part.ai, value))
        origin[part.ai] = part.field
    try:
        message = GS1Message(tuple(pairs), requisites=False)
        raw = message.to_raw()
        back = parse(raw, requisites=False)
        if el.symbology is Symbology.DIGITAL_LINK_QR:
            back = parse_digital_link(build_digital_link(message, el.domain), requisites=False).message
    except GS1Error as exc:
        field = origin.get(exc.ai or "")
        source = f" from {field}" if field else ""
        ai = f" AI ({exc.ai}){source}" if exc.ai else ""
        raise LabelDataInvalid(f"{name}:{ai}: {exc.message}", element=name, field=field, ai=exc.ai) from exc
    if el.symbology is Symbology.GS1_128 and len(raw) > GS1_128_MAX:
        raise LabelDataInvalid(f"{name}: {len(raw)} data characters; a GS1-128 symbol carries at most "
                               f"{GS1_128_MAX}. Split the data over two symbols.", element=name)
    if back.as_dict() != message.as_dict():  # the raw string must read back as what was bound
        raise LabelDataInvalid(f"{name}: the element string {message.hri()} reads back as {back.hri()}.",
                               element=name)
    return message


def whole_label(messages: list[tuple[str, GS1Message]]) -> None:
    """Every GS1 element of one label as one item's data: the same AI must carry one value throughout and each
    AI's required partners must be somewhere on the label. Raises LabelDataInvalid naming the AI."""
    if len(messages) < 2:
        if messages:  # one symbol: it must hold its partners itself
            _check_whole(messages[0][0], messages[0][1].elements)
        return
    _check_whole(", ".join(name for name, _ in messages), [e for _, m in messages for e in m.elements])


def _check_whole(name: str, elements: Any) -> None:
    try:
        GS1Message(tuple(elements))
    except GS1Error as exc:
        raise LabelDataInvalid(f"{name}: {exc.message} (on this label)", element=name, ai=exc.ai) from exc


def plain_value(el: BarcodeElement, data: LabelData, name: str) -> str:
    """The text a Code 128, EAN-13 or plain QR symbol carries; raises LabelDataInvalid for what it cannot."""
    assert el.source is not None  # check_template saw to it
    value = resolve(el.source, data)
    field = el.source.field
    if value is None or value == "":
        raise _missing(name, field)
    if el.symbology is Symbology.EAN13:
        digits = value[1:] if len(value) == 14 and value.startswith("0") else value  # a GTIN-14 of an EAN-13
        if len(digits) != 13 or not digits.isascii() or not digits.isdigit():
            raise LabelDataInvalid(f"{name}: an EAN-13 is 13 digits, got {value!r}.", element=name, field=field)
        if not is_valid_check_digit(digits):
            raise LabelDataInvalid(f"{name}: {digits} has a wrong check digit.", element=name, field=field)
        return digits
    if el.symbology is Symbology.CODE128:
        bad = next((c for c in value if not " " <= c <= "~"), None)
        if bad is not None:
            raise LabelDataInvalid(f"{name}: Code 128 here carries printable ASCII only, not {bad!r}.",
                                   element=name, field=field)
        if len(value) > CODE128_MAX:
            raise LabelDataInvalid(f"{name}: {len(value)} characters; a Code 128 on a label holds at most "
                                   f"{CODE128_MAX}.", element=name, field=field)
        return value
    if len(value) > QR_MAX:
        raise LabelDataInvalid(f"{name}: {len(value)} characters; a label QR holds at most {QR_MAX}.", element=name,
                               field=field)
    return value

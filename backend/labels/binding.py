"""An element's value from a label's data: fields, literals and templates resolved; GS1 data built with the GS1
layer and read back before anything prints, so a label never carries a code a scanner would refuse."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from backend.labels.errors import LabelDataInvalid
from backend.labels.symbols import bracketed
from shared_models.gs1 import (
    Element,
    GS1Error,
    GS1Message,
    build_digital_link,
    is_valid_check_digit,
    parse_digital_link,
)
from shared_models.gs1.associations import check_exclusions, check_requisites, check_serialised_key
from shared_models.gs1.element_string import SEPARATOR
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


@lru_cache(maxsize=4096)
def _date_text(value: date, pattern: str) -> str:
    return format_date(value, pattern)


def text_of(value: Any, date_format: str) -> str:
    return _date_text(value, date_format) if isinstance(value, date) else str(value)


@lru_cache(maxsize=1024)
def _pieces(template: str) -> tuple[tuple[str, str | None, str | None], ...]:
    """A text template cut once into (text before, field, its date format); the last piece has no field."""
    out: list[tuple[str, str | None, str | None]] = []
    at = 0
    for m in PLACEHOLDER.finditer(template):
        out.append((template[at:m.start()], m.group(1), m.group(2)))
        at = m.end()
    out.append((template[at:], None, None))
    return tuple(out)


def resolve(source: Source, data: LabelData) -> str | None:
    """The source's text, or None when a field it reads is empty."""
    if source.literal is not None:
        return source.literal
    if source.field is not None:
        value = data.get(source.field)
        return None if value is None else text_of(value, source.date_format)
    parts: list[str] = []
    for text, name, pattern in _pieces(source.template or ""):
        parts.append(text)
        if name is not None:
            value = data.get(name)
            if value is None:
                return None
            parts.append(text_of(value, pattern or source.date_format))
    return "".join(parts)


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
    return _date_text(value, GS1_DATE) if isinstance(value, date) else str(value)


@dataclass(frozen=True, slots=True)
class BoundGS1:
    """An element's GS1 data, built and checked once: the message, what the encoder takes (bracketed AIs or the
    Digital Link URI) and the raw element string's length."""

    message: GS1Message
    data: str
    raw_length: int   # GS1-128 only (0 otherwise): what its 48-character limit counts


class _ReadsBack(Exception):
    def __init__(self, bound: str, back: str) -> None:
        super().__init__(bound)
        self.bound, self.back = bound, back


@lru_cache(maxsize=8192)
def _element(ai: str, value: str, today: date) -> Element:
    """Each distinct element validated once (linters included) for the day; Elements are immutable."""
    return Element(ai, value, today=today)


@lru_cache(maxsize=4096)
def _bound(symbology: Symbology, domain: str, pairs: tuple[tuple[str, str], ...], today: date) -> BoundGS1:
    """Raises GS1Error or _ReadsBack; never caches a failure, so bad data is refused every time."""
    message = GS1Message(tuple(_element(ai, value, today) for ai, value in pairs), associations=False)
    _associations(message.elements, requisites=False)
    if symbology is Symbology.DIGITAL_LINK_QR:
        uri = build_digital_link(message, domain)
        back = parse_digital_link(uri, today=today, requisites=False).message
        if back.as_dict() != message.as_dict():
            raise _ReadsBack(message.hri(), back.hri())
        return BoundGS1(message, uri, 0)
    pairs_out = [(e.ai, e.value) for e in message.elements]
    raw_length = len(message.to_raw()) if symbology is Symbology.GS1_128 else 0
    return BoundGS1(message, bracketed(pairs_out), raw_length)


def gs1_data(el: BarcodeElement, data: LabelData, name: str) -> BoundGS1:
    """The element's GS1 data built (every AI's linters, the pairs that exclude each other), made once per
    distinct message; raises LabelDataInvalid naming the AI and the field it came from. An AI's required
    partners may sit in another symbol of the label (GS1 General Specifications 4.14.2): `whole_label` checks
    them over all of a label's GS1 symbols.

    The raw element string is the GS1 layer's `to_raw` of validated values, so it reads back as bound except
    where a value holds text a reader takes for a separator ("<GS>" is legal CSET 82): such a value is refused
    here. tests/backend/test_labels_gs1_speed.py holds this equal to a full parse of the raw string."""
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
        bound = _bound(el.symbology, el.domain, tuple(pairs), date.today())
    except GS1Error as exc:
        field = origin.get(exc.ai or "")
        source = f" from {field}" if field else ""
        ai = f" AI ({exc.ai}){source}" if exc.ai else ""
        raise LabelDataInvalid(f"{name}:{ai}: {exc.message}", element=name, field=field, ai=exc.ai) from exc
    except _ReadsBack as exc:
        raise LabelDataInvalid(f"{name}: the element string {exc.bound} reads back as {exc.back}.",
                               element=name) from exc
    for ai, value in pairs:
        if SEPARATOR.search(value):
            field = origin.get(ai)
            raise LabelDataInvalid(f"{name}: AI ({ai}){f' from {field}' if field else ''} holds {value!r}, which "
                                   "a reader takes for a GS separator; it would not read back as printed.",
                                   element=name, field=field, ai=ai)
    if el.symbology is Symbology.GS1_128 and bound.raw_length > GS1_128_MAX:
        raise LabelDataInvalid(f"{name}: {bound.raw_length} data characters; a GS1-128 symbol carries at most "
                               f"{GS1_128_MAX}. Split the data over two symbols.", element=name)
    return bound


def gs1_message(el: BarcodeElement, data: LabelData, name: str) -> GS1Message:
    """The element's validated GS1 message (see gs1_data)."""
    return gs1_data(el, data, name).message


def whole_label(messages: list[tuple[str, GS1Message]]) -> None:
    """Every GS1 element of one label as one item's data: the same AI must carry one value throughout and each
    AI's required partners must be somewhere on the label. Raises LabelDataInvalid naming the AI."""
    if not messages:
        return
    name = ", ".join(n for n, _ in messages)
    try:
        if len(messages) == 1:  # one symbol: it must hold its partners itself
            _associations(messages[0][1].elements, requisites=True)
        else:
            joined = GS1Message(tuple(e for _, m in messages for e in m.elements), associations=False)
            _associations(joined.elements, requisites=True)
    except GS1Error as exc:
        raise LabelDataInvalid(f"{name}: {exc.message} (on this label)", element=name, ai=exc.ai) from exc


# AI sequence -> False: its ex= rules hold; True: its ex= and req= rules hold. A bounded cache of facts that depend
# only on which AIs are present, never on their values.
_CLEAR: dict[tuple[str, ...], bool] = {}


def _associations(elements: tuple[Element, ...], *, requisites: bool) -> None:
    """GS1Message's message rules in its order (exclusions, requisites unless told not, (8030)'s serialised key)
    on elements already de-duplicated; the first two once per sequence of AIs. Raises GS1Error as it would."""
    ais = tuple(e.ai for e in elements)
    known = _CLEAR.get(ais)
    if known is None or (requisites and not known):
        check_exclusions(elements)
        if requisites:
            check_requisites(elements)
        if len(_CLEAR) >= 1024:
            _CLEAR.clear()
        _CLEAR[ais] = requisites or bool(known)
    check_serialised_key(elements)


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
        bad = None if value.isascii() and value.isprintable() else next(  # ASCII printable is " " to "~"
            (c for c in value if not " " <= c <= "~"), None)
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

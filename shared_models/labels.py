"""Label templates as data: a size in mm, a resolution and elements bound to fields of a unit, checked as a whole.

A template is JSON (assets/labels/*.json, the label_template table, the designer's drafts): `check_template`
reads one and raises TemplateProblems listing every fault, each naming its element ("element 3 'sscc' (barcode):
...") and what is wrong. Values are bound through `Source`: a field of the unit being labelled (FIELDS), a literal,
or a template of fields ("LOT {unit.lot_no}", "{unit.expires_on:DD.MM.YYYY}"). Pure: no I/O, no rendering.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from shared_models.gs1 import PRIMARY_KEYS, is_known_ai

DPIS = (203, 300, 600)
#: What a label can show of the unit it is printed for: field path -> kind ("text", "date" or "int").
FIELDS: dict[str, str] = {
    "unit.code": "text", "unit.kind": "text", "unit.lot_no": "text", "unit.serial": "text", "unit.sscc": "text",
    "unit.uom": "text", "unit.status": "text", "unit.produced_on": "date", "unit.expires_on": "date",
    "unit.supplier_lot": "text",
    "lot.code": "text", "lot.lot_no": "text", "lot.produced_on": "date", "lot.expires_on": "date",
    "item.part_no": "text", "item.gtin": "text", "item.name": "text", "item.spec": "text", "item.uom": "text",
    "container.code": "text", "container.sscc": "text", "container.content_gtin": "text",
    "container.content_count": "int", "container.content_lot": "text",
    "shipment.reference": "text", "shipment.shipped_on": "date", "shipment.customer_code": "text",
    "shipment.customer_name": "text", "shipment.ship_to_gln": "text",
    "site.code": "text", "site.name": "text", "site.gln": "text",
    "supplier.code": "text", "supplier.name": "text",
    "label.printed_on": "date",
}  # fmt: skip
DATE_FORMAT = re.compile(r"(YYYY|YY|MM|DD)")
PLACEHOLDER = re.compile(r"\{([a-z_]+\.[a-z_]+)(?::([^{}]*))?\}")
ELEMENT_ID = r"^[A-Za-z0-9_-]{1,40}$"
MAX_IMAGE_B64 = 400_000  # ~300 KB of PNG: a logo, not a photo


class Symbology(StrEnum):
    GS1_128 = "gs1_128"
    CODE128 = "code128"
    EAN13 = "ean13"
    GS1_DATAMATRIX = "gs1_datamatrix"
    QR = "qr"
    DIGITAL_LINK_QR = "digital_link_qr"


GS1_SYMBOLOGIES = frozenset({Symbology.GS1_128, Symbology.GS1_DATAMATRIX, Symbology.DIGITAL_LINK_QR})
LINEAR = frozenset({Symbology.GS1_128, Symbology.CODE128, Symbology.EAN13})


class TemplateProblems(ValueError):
    """A template that cannot be stored or rendered; `problems` lists every fault, one sentence each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def format_date(value: date, pattern: str) -> str:
    """`pattern` with YYYY, YY, MM and DD replaced from `value` (anything else kept as written)."""
    parts = {"YYYY": f"{value.year:04d}", "YY": f"{value.year % 100:02d}", "MM": f"{value.month:02d}",
             "DD": f"{value.day:02d}"}
    return DATE_FORMAT.sub(lambda m: parts[m.group(1)], pattern)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """Where a value comes from: exactly one of `field`, `literal` or `template`. Dates print as `date_format`."""

    field: str | None = None
    literal: str | None = Field(default=None, max_length=500)
    template: str | None = Field(default=None, max_length=500)
    date_format: str = Field(default="YYYY-MM-DD", max_length=20)

    @model_validator(mode="after")
    def _exactly_one(self) -> Source:
        given = [k for k in ("field", "literal", "template") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of field, literal or template (got {', '.join(given) or 'none'})")
        return self

    def fields(self) -> list[str]:
        if self.field is not None:
            return [self.field]
        return [m.group(1) for m in PLACEHOLDER.finditer(self.template or "")]


class AIValue(_Strict):
    """One GS1 element of a barcode: the AI and where its value comes from. Dates go in as YYMMDD."""

    ai: str = Field(pattern=r"^[0-9]{2,4}$")
    field: str | None = None
    literal: str | None = Field(default=None, max_length=90)
    optional: bool = False  # left out of the barcode when its field is empty, instead of refusing the label

    @model_validator(mode="after")
    def _one_source(self) -> AIValue:
        if (self.field is None) == (self.literal is None):
            raise ValueError(f"AI ({self.ai}): give exactly one of field or literal")
        return self


class Condition(_Strict):
    """Print the element only if the field is present/absent, equals or is in a value list."""

    field: str
    op: Literal["present", "absent", "equals", "not_equals", "in"] = "present"
    value: str | list[str] | None = None

    @model_validator(mode="after")
    def _value_fits(self) -> Condition:
        if self.op in ("present", "absent") and self.value is not None:
            raise ValueError(f"print_if '{self.op}' takes no value")
        if self.op in ("equals", "not_equals") and not isinstance(self.value, str):
            raise ValueError(f"print_if '{self.op}' needs a text value")
        if self.op == "in" and not isinstance(self.value, list):
            raise ValueError("print_if 'in' needs a list of values")
        return self


class _Element(_Strict):
    id: str = Field(pattern=ELEMENT_ID)
    x_mm: float = Field(ge=0, le=1000)
    y_mm: float = Field(ge=0, le=1000)
    print_if: Condition | None = None


class TextElement(_Element):
    type: Literal["text"]
    source: Source
    size_pt: float = Field(default=10, gt=0, le=200)
    bold: bool = False
    cjk: bool = False  # draw with the CJK font (text the Latin font lacks uses it anyway)
    width_mm: float | None = Field(default=None, gt=0)  # the box `align` works in; None: as wide as the text
    align: Literal["left", "center", "right"] = "left"


class BarcodeElement(_Element):
    type: Literal["barcode"]
    symbology: Symbology
    source: Source | None = None          # code128, ean13, qr
    gs1: list[AIValue] = Field(default_factory=list, max_length=20)  # gs1_128, gs1_datamatrix, digital_link_qr
    domain: str = Field(default="https://id.gs1.org", max_length=200)  # digital_link_qr
    module_mm: float = Field(default=0.33, gt=0, le=5)
    height_mm: float | None = Field(default=None, gt=0, le=300)  # linear symbols: bar height
    human_readable: bool = True            # linear symbols: the data as text under the bars
    hri_size_pt: float = Field(default=8, gt=0, le=50)


class LineElement(_Element):
    type: Literal["line"]
    length_mm: float = Field(gt=0, le=1000)
    thickness_mm: float = Field(default=0.3, gt=0, le=50)
    vertical: bool = False


class BoxElement(_Element):
    type: Literal["box"]
    width_mm: float = Field(gt=0, le=1000)
    height_mm: float = Field(gt=0, le=1000)
    thickness_mm: float = Field(default=0.3, gt=0, le=500)


class ImageElement(_Element):
    type: Literal["image"]
    width_mm: float = Field(gt=0, le=1000)
    height_mm: float = Field(gt=0, le=1000)
    png_base64: str = Field(max_length=MAX_IMAGE_B64)


Element = Annotated[TextElement | BarcodeElement | LineElement | BoxElement | ImageElement,
                    Field(discriminator="type")]


class LabelTemplateDoc(_Strict):
    """One version of a label template, as stored and as the designer edits it."""

    name: str = Field(min_length=1, max_length=200)
    width_mm: float = Field(gt=0, le=300)
    height_mm: float = Field(gt=0, le=300)
    dpi: Literal[203, 300, 600] = 203
    elements: list[Element] = Field(min_length=1, max_length=100)
    sample: dict[str, str] = Field(default_factory=dict)  # field -> value, for previews

    def fields(self) -> set[str]:
        return {f for el in self.elements for f in element_fields(el)}


def element_fields(el: Any) -> list[str]:
    """Every field an element reads: its value, its GS1 parts and its print_if."""
    found: list[str] = [el.print_if.field] if el.print_if is not None else []
    if isinstance(el, TextElement):
        found += el.source.fields()
    elif isinstance(el, BarcodeElement):
        found += el.source.fields() if el.source else []
        found += [p.field for p in el.gs1 if p.field is not None]
    return found


def describe(el: Any, index: int) -> str:
    return f"element {index + 1} '{el.id}' ({el.type})"


def _barcode_problems(el: BarcodeElement, name: str) -> list[str]:
    out: list[str] = []
    if el.symbology in GS1_SYMBOLOGIES:
        if not el.gs1:
            out.append(f"{name}: {el.symbology.value} needs its GS1 elements in 'gs1'")
        if el.source is not None:
            out.append(f"{name}: {el.symbology.value} takes its data from 'gs1', not 'source'")
        out += [f"{name}: ({p.ai}) is not a GS1 Application Identifier" for p in el.gs1 if not is_known_ai(p.ai)]
        if el.symbology is Symbology.DIGITAL_LINK_QR and el.gs1 and el.gs1[0].ai not in PRIMARY_KEYS:
            out.append(f"{name}: a Digital Link starts with its primary key (e.g. AI 01), not ({el.gs1[0].ai})")
        if el.symbology is Symbology.DIGITAL_LINK_QR and not el.domain.startswith(("https://", "http://")):
            out.append(f"{name}: domain must start with https:// or http://")
    else:
        if el.source is None:
            out.append(f"{name}: {el.symbology.value} needs a 'source'")
        if el.gs1:
            out.append(f"{name}: {el.symbology.value} is not a GS1 symbology; bind its data with 'source'")
    if el.symbology in LINEAR and el.height_mm is None:
        out.append(f"{name}: a linear barcode needs height_mm")
    return out


def _extent(el: Any) -> tuple[float, float]:
    """(right, bottom) in mm of what the template fixes; text and barcodes grow with their data (checked when laid
    out)."""
    if isinstance(el, LineElement):
        return ((el.x_mm + el.thickness_mm, el.y_mm + el.length_mm) if el.vertical
                else (el.x_mm + el.length_mm, el.y_mm + el.thickness_mm))
    if isinstance(el, BoxElement | ImageElement):
        return el.x_mm + el.width_mm, el.y_mm + el.height_mm
    if isinstance(el, TextElement) and el.width_mm is not None:
        return el.x_mm + el.width_mm, el.y_mm
    return el.x_mm, el.y_mm


def _within(doc: LabelTemplateDoc, el: Any, name: str) -> list[str]:
    right, bottom = _extent(el)
    out = []
    if right > doc.width_mm + 1e-9 or el.x_mm >= doc.width_mm:
        out.append(f"{name}: reaches x = {right:g} mm, past the label's width of {doc.width_mm:g} mm")
    if bottom > doc.height_mm + 1e-9 or el.y_mm >= doc.height_mm:
        out.append(f"{name}: reaches y = {bottom:g} mm, past the label's height of {doc.height_mm:g} mm")
    return out


def _image_problem(el: ImageElement, name: str) -> str | None:
    try:
        raw = base64.b64decode(el.png_base64, validate=True)
    except (binascii.Error, ValueError):
        return f"{name}: png_base64 is not base64"
    return None if raw.startswith(b"\x89PNG\r\n\x1a\n") else f"{name}: png_base64 is not a PNG image"


def template_problems(doc: LabelTemplateDoc) -> list[str]:
    """What is wrong with a template that parsed: unknown fields, data a symbology cannot take, elements off the
    label, duplicate ids, sample values of the wrong kind. Empty when it is sound."""
    out: list[str] = []
    seen: set[str] = set()
    for i, el in enumerate(doc.elements):
        name = describe(el, i)
        if el.id in seen:
            out.append(f"{name}: id '{el.id}' is used by an earlier element")
        seen.add(el.id)
        out += [f"{name}: unknown field '{f}' (known: unit.*, lot.*, item.*, container.*, shipment.*, site.*, "
                "supplier.*, label.printed_on)" for f in element_fields(el) if f not in FIELDS]
        if isinstance(el, BarcodeElement):
            out += _barcode_problems(el, name)
        if isinstance(el, ImageElement) and (problem := _image_problem(el, name)):
            out.append(problem)
        out += _within(doc, el, name)
    for key, value in doc.sample.items():
        kind = FIELDS.get(key)
        if kind is None:
            out.append(f"sample: unknown field '{key}'")
        elif kind == "date" and not _is_iso_date(value):
            out.append(f"sample: {key} must be a date as YYYY-MM-DD, got {value!r}")
        elif kind == "int" and not value.isdigit():
            out.append(f"sample: {key} must be a whole number, got {value!r}")
    return out


def _is_iso_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def _where(raw: Mapping[str, Any], loc: tuple[int | str, ...]) -> str:
    if len(loc) >= 2 and loc[0] == "elements" and isinstance(loc[1], int):
        items = raw.get("elements")
        el = items[loc[1]] if isinstance(items, list) and loc[1] < len(items) else None
        ident = el.get("id") if isinstance(el, Mapping) else None
        kind = el.get("type") if isinstance(el, Mapping) else None
        rest = [str(p) for p in loc[2:] if p != kind]
        head = f"element {loc[1] + 1}" + (f" '{ident}'" if ident else "") + (f" ({kind})" if kind else "")
        return head + (": " + ".".join(rest) if rest else "")
    return ".".join(str(p) for p in loc) or "template"


def check_template(raw: Mapping[str, Any] | LabelTemplateDoc) -> LabelTemplateDoc:
    """The template read from JSON data; raises TemplateProblems naming every element at fault and the fault."""
    if isinstance(raw, LabelTemplateDoc):
        doc = raw
    else:
        if not isinstance(raw, Mapping):
            raise TemplateProblems([f"a template is a JSON object, got {type(raw).__name__}"])
        try:
            doc = LabelTemplateDoc.model_validate(dict(raw))
        except ValidationError as exc:
            raise TemplateProblems([f"{_where(raw, tuple(e['loc']))}: {e['msg']}"
                                    for e in exc.errors(include_url=False)]) from exc
    problems = template_problems(doc)
    if problems:
        raise TemplateProblems(problems)
    return doc


__all__ = [
    "DPIS", "FIELDS", "GS1_SYMBOLOGIES", "LINEAR", "AIValue", "BarcodeElement", "BoxElement", "Condition",
    "Element", "ImageElement", "LabelTemplateDoc", "LineElement", "Source", "Symbology", "TemplateProblems",
    "TextElement", "check_template", "describe", "element_fields", "format_date", "template_problems",
]

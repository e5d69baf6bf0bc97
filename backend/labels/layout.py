"""The layout step every back end shares: a template compiled once for a resolution (mm to whole dots), then
placed with one label's data (conditions applied, values bound and GS1 data validated) into drawable items."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from backend.labels.binding import LabelData, gs1_message, holds, normalise, plain_value, resolve, whole_label
from backend.labels.errors import LabelDataInvalid
from backend.labels.symbols import bracketed
from shared_models.gs1 import GS1Message, build_digital_link
from shared_models.labels import (
    GS1_SYMBOLOGIES,
    BarcodeElement,
    BoxElement,
    ImageElement,
    LabelTemplateDoc,
    LineElement,
    Symbology,
    TextElement,
)

MM_PER_INCH = 25.4


@dataclass(frozen=True, slots=True)
class Text:
    x: int
    y: int
    width: int | None   # the box `align` works in, or None
    text: str
    size: int           # em height in dots
    bold: bool
    cjk: bool
    align: str


@dataclass(frozen=True, slots=True)
class Symbol:
    x: int
    y: int
    symbology: Symbology
    data: str                    # the encoder's input (bracketed AIs, a Digital Link URI, or the text)
    message: GS1Message | None   # GS1 symbologies: the validated element string
    module: int                  # dots per module
    height: int                  # linear symbols: bar height in dots (0 for 2D)
    hri: str | None              # linear symbols: the text under the bars
    hri_size: int
    element: str


@dataclass(frozen=True, slots=True)
class Rule:
    """A filled rectangle: lines and boxes are drawn from these."""

    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class Picture:
    x: int
    y: int
    width: int
    height: int
    png: bytes
    key: str   # template element id + size: what back ends cache a converted bitmap under


Item = Text | Symbol | Rule | Picture


@dataclass(frozen=True, slots=True)
class Layout:
    width: int
    height: int
    dpi: int
    items: tuple[Item, ...]


@dataclass
class LabelPlan:
    """A template at one resolution: positions in dots worked out once, images decoded once; `place` per label."""

    doc: LabelTemplateDoc
    dpi: int
    width: int = 0
    height: int = 0
    _fixed: dict[str, tuple[Item, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.width, self.height = self.dots(self.doc.width_mm), self.dots(self.doc.height_mm)
        for el in self.doc.elements:
            if isinstance(el, LineElement | BoxElement | ImageElement):
                self._fixed[el.id] = self._shapes(el)

    def dots(self, mm: float) -> int:
        return round(mm * self.dpi / MM_PER_INCH)

    def _shapes(self, el: LineElement | BoxElement | ImageElement) -> tuple[Item, ...]:
        x, y = self.dots(el.x_mm), self.dots(el.y_mm)
        if isinstance(el, LineElement):
            t, n = max(1, self.dots(el.thickness_mm)), self.dots(el.length_mm)
            return (Rule(x, y, t, n) if el.vertical else Rule(x, y, n, t),)
        w, h = self.dots(el.width_mm), self.dots(el.height_mm)
        if isinstance(el, ImageElement):
            return (Picture(x, y, w, h, base64.b64decode(el.png_base64), f"{el.id}:{w}x{h}"),)
        t = min(max(1, self.dots(el.thickness_mm)), w // 2 or 1, h // 2 or 1)
        return (Rule(x, y, w, t), Rule(x, y + h - t, w, t), Rule(x, y, t, h), Rule(x + w - t, y, t, h))

    def place(self, data: LabelData, *, unit: str | None = None) -> Layout:
        """The label for `data`; raises LabelDataInvalid naming the unit, element and field at fault."""
        items: list[Item] = []
        for i, el in enumerate(self.doc.elements):
            if not holds(el.print_if, data):
                continue
            fixed = self._fixed.get(el.id)
            if fixed is not None:
                items.extend(fixed)
                continue
            name = f"element {i + 1} '{el.id}'"
            try:
                items.append(self._text(el, data, name) if isinstance(el, TextElement)
                             else self._symbol(el, data, name))  # type: ignore[arg-type]
            except LabelDataInvalid as exc:
                if unit is None:
                    raise
                raise LabelDataInvalid(exc.detail, unit=unit, **exc.context) from exc
        symbols = [(s.element, s.message) for s in items if isinstance(s, Symbol) and s.message is not None]
        try:
            whole_label(symbols)  # type: ignore[arg-type]
        except LabelDataInvalid as exc:
            if unit is None:
                raise
            raise LabelDataInvalid(exc.detail, unit=unit, **exc.context) from exc
        return Layout(self.width, self.height, self.dpi, tuple(items))

    def _text(self, el: TextElement, data: LabelData, name: str) -> Text:
        text = resolve(el.source, data)
        if text is None:
            raise LabelDataInvalid(f"{name}: no value for {', '.join(el.source.fields())}; fill it in or give the "
                                   "element a print_if.", element=name, field=el.source.field)
        return Text(self.dots(el.x_mm), self.dots(el.y_mm), self.dots(el.width_mm) if el.width_mm else None, text,
                    max(1, round(el.size_pt * self.dpi / 72)), el.bold, el.cjk, el.align)

    def _symbol(self, el: BarcodeElement, data: LabelData, name: str) -> Symbol:
        message: GS1Message | None = None
        if el.symbology in GS1_SYMBOLOGIES:
            message = gs1_message(el, data, name)
            pairs = [(e.ai, e.value) for e in message.elements]
            value = (build_digital_link(message, el.domain) if el.symbology is Symbology.DIGITAL_LINK_QR
                     else bracketed(pairs))
            hri = message.hri()
        else:
            value = hri = plain_value(el, data, name)
        linear = el.height_mm is not None and el.symbology in (Symbology.GS1_128, Symbology.CODE128,
                                                               Symbology.EAN13)
        return Symbol(self.dots(el.x_mm), self.dots(el.y_mm), el.symbology, value, message,
                      max(1, self.dots(el.module_mm)), self.dots(el.height_mm or 0) if linear else 0,
                      hri if linear and el.human_readable else None, max(1, round(el.hri_size_pt * self.dpi / 72)),
                      name)


def sample_data(doc: LabelTemplateDoc) -> Mapping[str, Any]:
    """The template's own sample values, read as label data."""
    return normalise(doc.sample)

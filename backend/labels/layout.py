"""The layout step every back end shares: a template compiled once for a resolution (mm to whole dots), then
placed with one label's data (conditions applied, values bound and GS1 data validated) into drawable items."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from backend.labels.binding import LabelData, gs1_data, holds, normalise, plain_value, resolve, whole_label
from backend.labels.errors import LabelDataInvalid
from shared_models.gs1 import GS1Message
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


@dataclass(frozen=True, slots=True)
class _Step:
    """One element compiled for a resolution: what `place` does with it for each label."""

    el: TextElement | BarcodeElement | LineElement | BoxElement | ImageElement
    name: str
    fixed: tuple[Item, ...] | None   # lines, boxes, images and literal texts: the same items on every label
    x: int = 0
    y: int = 0
    width: int | None = None         # texts: the alignment box
    size: int = 0                    # texts: em height; barcodes: HRI em height
    module: int = 0
    height: int = 0                  # linear symbols: bar height
    linear: bool = False


@dataclass
class LabelPlan:
    """A template at one resolution: positions in dots worked out once, images decoded once, literal texts
    placed once; `place` per label."""

    doc: LabelTemplateDoc
    dpi: int
    width: int = 0
    height: int = 0
    _steps: list[_Step] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.width, self.height = self.dots(self.doc.width_mm), self.dots(self.doc.height_mm)
        self._steps = [self._compile(i, el) for i, el in enumerate(self.doc.elements)]

    def dots(self, mm: float) -> int:
        return round(mm * self.dpi / MM_PER_INCH)

    def _compile(self, i: int, el: Any) -> _Step:
        name = f"element {i + 1} '{el.id}'"
        if isinstance(el, LineElement | BoxElement | ImageElement):
            return _Step(el, name, self._shapes(el))
        x, y = self.dots(el.x_mm), self.dots(el.y_mm)
        if isinstance(el, TextElement):
            width = self.dots(el.width_mm) if el.width_mm else None
            size = max(1, round(el.size_pt * self.dpi / 72))
            fixed = None
            if el.source.literal is not None:
                fixed = (Text(x, y, width, el.source.literal, size, el.bold, el.cjk, el.align),)
            return _Step(el, name, fixed, x, y, width, size)
        linear = el.height_mm is not None and el.symbology in (Symbology.GS1_128, Symbology.CODE128,
                                                               Symbology.EAN13)
        return _Step(el, name, None, x, y, None, max(1, round(el.hri_size_pt * self.dpi / 72)),
                     max(1, self.dots(el.module_mm)), self.dots(el.height_mm or 0) if linear else 0, linear)

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
        symbols: list[tuple[str, GS1Message]] = []
        try:
            for step in self._steps:
                if step.el.print_if is not None and not holds(step.el.print_if, data):
                    continue
                if step.fixed is not None:
                    items.extend(step.fixed)
                elif isinstance(step.el, TextElement):
                    items.append(self._text(step, step.el, data))
                else:
                    sym = self._symbol(step, step.el, data)  # type: ignore[arg-type]
                    items.append(sym)
                    if sym.message is not None:
                        symbols.append((sym.element, sym.message))
            whole_label(symbols)
        except LabelDataInvalid as exc:
            if unit is None:
                raise
            raise LabelDataInvalid(exc.detail, unit=unit, **exc.context) from exc
        return Layout(self.width, self.height, self.dpi, tuple(items))

    @staticmethod
    def _text(step: _Step, el: TextElement, data: LabelData) -> Text:
        text = resolve(el.source, data)
        if text is None:
            raise LabelDataInvalid(f"{step.name}: no value for {', '.join(el.source.fields())}; fill it in or give "
                                   "the element a print_if.", element=step.name, field=el.source.field)
        return Text(step.x, step.y, step.width, text, step.size, el.bold, el.cjk, el.align)

    @staticmethod
    def _symbol(step: _Step, el: BarcodeElement, data: LabelData) -> Symbol:
        message: GS1Message | None = None
        if el.symbology in GS1_SYMBOLOGIES:
            bound = gs1_data(el, data, step.name)
            message, value = bound.message, bound.data
            hri = message.hri() if step.linear and el.human_readable else None
        else:
            value = plain_value(el, data, step.name)
            hri = value if step.linear and el.human_readable else None
        return Symbol(step.x, step.y, el.symbology, value, message, step.module, step.height, hri, step.size,
                      step.name)


def sample_data(doc: LabelTemplateDoc) -> Mapping[str, Any]:
    """The template's own sample values, read as label data."""
    return normalise(doc.sample)

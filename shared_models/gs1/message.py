"""Validated GS1 element sets: each element checked, then the dictionary's message rules (see associations.py)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import InitVar, dataclass

from .ai import lookup
from .associations import check_associations
from .element import Element
from .errors import GS1Error

# Same AI twice: an identical value is kept once, differing values raise conflicting_ai.

#: GLN AIs under their role names.
GLN_ROLES = {"410": "ship_to", "411": "bill_to", "412": "purchased_from", "413": "ship_for",
             "414": "gln", "415": "pay_to", "416": "production_location", "417": "party"}  # fmt: skip

_HRI_ESCAPE = re.compile(r"\((?=[0-9]*\))")


def escape_hri_value(value: str) -> str:
    """Escape a '(' that would otherwise read as the start of an '(AI)' token."""
    return _HRI_ESCAPE.sub(lambda _m: "\\(", value)


def coerce_elements(items: Iterable[Element | tuple[str, str]], today: dt.date | None = None) -> tuple[Element, ...]:
    """Accept Elements or (ai, value) pairs (or a GS1Message) and return validated Elements."""
    if isinstance(items, GS1Message):
        return items.elements
    out = []
    for item in items:
        if isinstance(item, Element):
            out.append(item)
        elif isinstance(item, tuple) and len(item) == 2:
            out.append(Element(str(item[0]), item[1], today=today))
        else:
            raise GS1Error(f"expected an Element or (ai, value) pair, got {item!r}", code="bad_format")
    return tuple(out)


def _dedupe(elements: tuple[Element, ...]) -> tuple[Element, ...]:
    seen: dict[str, Element] = {}
    for el in elements:
        prior = seen.get(el.ai)
        if prior is None:
            seen[el.ai] = el
        elif prior.value != el.value:
            raise GS1Error(
                f"{lookup(el.ai).label}: appears twice with different values {prior.value!r} and {el.value!r}",
                code="conflicting_ai",
                ai=el.ai,
                position=el.position,
                params={"first": prior.value, "second": el.value},
            )
    return tuple(seen.values())


@dataclass(frozen=True, slots=True)
class GS1Message:
    """Elements in scan order plus the symbology they came from. Validated on construction: the same AI twice
    with different values, AIs that exclude each other, AIs without the AIs they require (unless ``requisites``
    is False: a part of what one item carries) and (8030) without a serialised key all raise; ``associations``
    False skips every message-level rule (syntax-only reading)."""

    elements: tuple[Element, ...]
    symbology: str | None = None  # e.g. "GS1 DataMatrix"
    symbology_id: str | None = None  # AIM identifier as scanned, e.g. "]d2"
    associations: InitVar[bool] = True
    requisites: InitVar[bool] = True

    def __post_init__(self, associations: bool, requisites: bool) -> None:
        elements = _dedupe(coerce_elements(self.elements))
        if not elements:
            raise GS1Error("a GS1 message needs at least one element", code="too_short")
        if associations:
            check_associations(elements, requisites=requisites)
        object.__setattr__(self, "elements", elements)

    def __contains__(self, ai: object) -> bool:
        return any(el.ai == ai for el in self.elements)

    def __iter__(self) -> Iterator[Element]:
        return iter(self.elements)

    def __len__(self) -> int:
        return len(self.elements)

    def element(self, ai: str) -> Element | None:
        """The Element for ``ai``, or None when absent."""
        return next((el for el in self.elements if el.ai == ai), None)

    def get(self, ai: str) -> str | None:
        """The raw value for ``ai``, or None when absent."""
        el = self.element(ai)
        return el.value if el else None

    def as_dict(self) -> dict[str, str]:
        """{ai: value} in scan order."""
        return {el.ai: el.value for el in self.elements}

    def _date(self, ai: str) -> dt.date | None:
        el = self.element(ai)
        return el.date if el else None

    gtin = property(lambda self: self.get("01"), doc="GTIN-14 (AI 01).")
    content = property(lambda self: self.get("02"), doc="GTIN of contained items (AI 02).")
    sscc = property(lambda self: self.get("00"), doc="SSCC (AI 00).")
    lot = property(lambda self: self.get("10"), doc="Batch/lot (AI 10).")
    serial = property(lambda self: self.get("21"), doc="Serial number (AI 21).")
    expiry = property(lambda self: self._date("17"), doc="Expiry date (AI 17); day 00 -> month end.")
    best_before = property(lambda self: self._date("15"), doc="Best before date (AI 15).")
    sell_by = property(lambda self: self._date("16"), doc="Sell by date (AI 16).")
    production_date = property(lambda self: self._date("11"), doc="Production date (AI 11).")
    gln = property(lambda self: self.get("414"), doc="Physical location GLN (AI 414).")
    ship_to = property(lambda self: self.get("410"), doc="Ship-to GLN (AI 410).")
    bill_to = property(lambda self: self.get("411"), doc="Bill-to GLN (AI 411).")
    purchased_from = property(lambda self: self.get("412"), doc="Purchased-from GLN (AI 412).")
    ship_for = property(lambda self: self.get("413"), doc="Ship-for GLN (AI 413).")
    pay_to = property(lambda self: self.get("415"), doc="Pay-to GLN (AI 415).")
    production_location = property(lambda self: self.get("416"), doc="Production location GLN (AI 416).")
    party = property(lambda self: self.get("417"), doc="Party GLN (AI 417).")

    def glns(self) -> dict[str, str]:
        """Every GLN in the message under its role name, e.g. {"ship_to": "952..."}."""
        return {GLN_ROLES[el.ai]: el.value for el in self.elements if el.ai in GLN_ROLES}

    @property
    def quantity(self) -> int | None:
        """Count of items: AI 37 if present, else AI 30, as int."""
        value = self.get("37") or self.get("30")
        return int(value) if value is not None else None

    def hri(self) -> str:
        """Bracketed form '(01)...(10)...'. A '(' in a value that would read as an AI is written '\\('."""
        return "".join(f"({el.ai}){escape_hri_value(el.value)}" for el in self.elements)

    def to_raw(self, gs: str = "\x1d") -> str:
        """Unbracketed data; ``gs`` separates elements except after predefined-length AIs and at the end."""
        out = []
        last = len(self.elements) - 1
        for i, el in enumerate(self.elements):
            out.append(el.ai + el.value)
            if i < last and not lookup(el.ai).predefined_length:
                out.append(gs)
        return "".join(out)

    def __str__(self) -> str:
        return self.hri()

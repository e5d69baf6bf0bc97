"""Rules over a whole message: AIs that exclude each other (ex=), AIs that need others (req=), and (8030)'s
serialised key - as the GS1 Barcode Syntax Dictionary states them, checked in scan order.

The dictionary says these pairings are to be judged over all the data of all carriers on one item; a caller that
joins several symbols first (or holds one part of a label on purpose) passes ``requisites=False`` and checks
the joined message later.
"""

from __future__ import annotations

from collections.abc import Sequence

from .ai import Pattern, all_ais, lookup, matches
from .element import Element
from .errors import GS1Error

#: (8030) needs a serialised key; these keys carry their serial as an optional component (Gen Specs 3.10.x).
SERIAL_COMPONENT_KEYS = ("253", "255", "8003")


def _expand(pattern: Pattern) -> frozenset[str]:
    return frozenset(d.ai for d in all_ais() if matches(d.ai, pattern))


def _exclusions() -> dict[str, frozenset[str]]:
    """AI -> every AI it may not appear with, in both directions of each ex= rule, never itself."""
    out: dict[str, set[str]] = {d.ai: set() for d in all_ais()}
    for d in all_ais():
        for pattern in d.excludes:
            for other in _expand(pattern) - {d.ai}:
                out[d.ai].add(other)
                out[other].add(d.ai)
    return {ai: frozenset(others) for ai, others in out.items()}


# Patterns resolved against the table once, so a message is checked with set operations.
_EXCLUDES = _exclusions()
_REQUIRES = {
    d.ai: tuple(tuple(tuple(_expand(p) for p in group) for group in rule) for rule in d.requires)
    for d in all_ais() if d.requires
}


def _wanted(rule: tuple[str, ...]) -> str:
    shown = ["+".join(f"({p})" for p in group.split("+")) for group in rule]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " or " + shown[-1]


def check_exclusions(elements: Sequence[Element]) -> None:
    """Raise ``invalid_pair`` at the first element that may not appear with one before it."""
    seen: dict[str, Element] = {}
    for el in elements:
        clash = _EXCLUDES[el.ai].intersection(seen)
        if clash:
            prior = next(p for ai, p in seen.items() if ai in clash)
            a, b = lookup(prior.ai), lookup(el.ai)
            raise GS1Error(f"{b.label} must not appear together with {a.label}", code="invalid_pair", ai=el.ai,
                           position=el.position, params={"other": prior.ai})
        seen[el.ai] = el


def check_requisites(elements: Sequence[Element]) -> None:
    """Raise ``missing_ai`` for the first element whose req= rule no group of present AIs satisfies."""
    present = {el.ai for el in elements}
    for el in elements:
        for index, rule in enumerate(_REQUIRES.get(el.ai, ())):
            if not any(all(not present.isdisjoint(ais) for ais in group) for group in rule):
                defn = lookup(el.ai)
                wanted = _wanted(defn.requires_text[index])
                raise GS1Error(f"{defn.label}: requires AI {wanted} to be present", code="missing_ai", ai=el.ai,
                               position=el.position, params={"wanted": wanted})


def check_serialised_key(elements: Sequence[Element]) -> None:
    """(8030) signs a serialised key: (253), (255) and (8003) must then carry their serial component."""
    if not any(el.ai == "8030" for el in elements):
        return
    for el in elements:
        if el.ai in SERIAL_COMPONENT_KEYS and len(el.value) == lookup(el.ai).min_length:
            defn = lookup(el.ai)
            raise GS1Error(f"{defn.label}: has no serial component, which AI (8030) digital signature needs",
                           code="key_not_serialised", ai=el.ai, position=el.position, params={"key": el.ai})


def check_associations(elements: Sequence[Element], *, requisites: bool = True) -> None:
    """Every message-level rule: exclusions, then requisites (unless ``requisites`` is False), then (8030)."""
    check_exclusions(elements)
    if requisites:
        check_requisites(elements)
    check_serialised_key(elements)

"""GS1 Digital Link URIs (DL 1.x uncompressed): parse to elements and build canonical-style URIs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit

from .ai import lookup
from .check_digit import is_digits
from .element import Element
from .errors import DigitalLinkError, GS1Error
from .message import GS1Message, coerce_elements

#: Primary key AI -> allowed key-qualifier sequences (each used in this order, any may be skipped).
KEY_QUALIFIERS: dict[str, tuple[tuple[str, ...], ...]] = {
    "01": (("22", "10", "21"), ("235",)),
    "8006": (("22", "10", "21"),),
    "414": (("254",), ("7040",)),
    "417": (("7040",),),
    "8004": (("7040",),),
    "8010": (("8011",),),
    "8017": (("8019",),),
    "8018": (("8019",),),
    "00": (), "253": (), "255": (), "401": (), "402": (), "8003": (), "8013": (),
}  # fmt: skip
PRIMARY_KEYS = frozenset(KEY_QUALIFIERS)

#: DL 1.x convenience alphas (accepted on input; output always uses numeric AIs).
ALIASES = {
    "gtin": "01", "itip": "8006", "cpv": "22", "lot": "10", "ser": "21", "sscc": "00", "gln": "414",
    "glnx": "254", "party": "417", "gdti": "253", "grai": "8003", "giai": "8004", "gsrn": "8018",
    "gsrnp": "8017", "srin": "8019", "gcn": "255", "cpid": "8010", "cpsn": "8011", "gmn": "8013",
    "ginc": "401", "gsin": "402", "exp": "17", "bbd": "15",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class DigitalLink:
    """A parsed Digital Link: ``elements`` are key qualifiers then data attributes (no primary key)."""

    domain: str  # "https://id.example.com"
    primary_key_ai: str
    elements: tuple[Element, ...]
    message: GS1Message  # primary key + elements, validated (pair rules included)
    key_qualifiers: tuple[Element, ...] = ()
    path_prefix: str = ""  # custom path before the primary key, e.g. "/some/prefix"
    extras: dict[str, str] = field(default_factory=dict)  # non-AI query parameters (linkType, ...)

    @property
    def primary_key(self) -> Element:
        """The primary key element, e.g. (01)."""
        return self.message.elements[0]


def _decode(text: str) -> str:
    try:
        return unquote(text, errors="strict")
    except UnicodeDecodeError as exc:
        raise DigitalLinkError(f"invalid percent-encoding in {text!r}") from exc


def _code(segment: str) -> str:
    return ALIASES.get(segment, segment)


def _is_ordered_subset(quals: list[str], seq: tuple[str, ...]) -> bool:
    positions = [seq.index(q) if q in seq else -1 for q in quals]
    return -1 not in positions and positions == sorted(set(positions))


def _check_qualifiers(primary: str, quals: list[str]) -> None:
    allowed = KEY_QUALIFIERS[primary]
    if not quals or any(_is_ordered_subset(quals, seq) for seq in allowed):
        return
    known = {q for seq in allowed for q in seq}
    stray = next((q for q in quals if q not in known), None)
    if stray is not None:
        what = lookup(stray).label if is_digits(stray) and len(stray) <= 4 else repr(stray)
        raise DigitalLinkError(
            f"{what} is not a key qualifier of AI ({primary}) in a Digital Link path; "
            "data attributes belong in the query string",
            ai=stray,
        )
    orders = " or ".join("/".join(f"({q})" for q in seq) for seq in allowed)
    shown = "/".join(f"({q})" for q in quals)
    raise DigitalLinkError(f"key qualifiers {shown} after AI ({primary}) must follow the order {orders}", ai=primary)


def _not_a_qualifier(primary: str, quals: list[str], key: str) -> None:
    """A query AI that would fit the path as a key qualifier belongs there (DL URI Syntax: key qualifiers are path
    elements in the standard's order, never query parameters); as GS1's own syntax engine does, try it at
    every place after the primary key."""
    for j in range(len(quals) + 1):
        trial = [*quals[:j], key, *quals[j:]]
        if any(_is_ordered_subset(trial, seq) for seq in KEY_QUALIFIERS[primary]):
            path = "".join(f"/{ai}/…" for ai in [primary, *trial])
            raise DigitalLinkError(
                f"{lookup(key).label} is a key qualifier of AI ({primary}): it belongs in the path ({path}), "
                "not in the query string",
                ai=key,
            )


def _element(ai: str, value: str, today: dt.date | None) -> Element:
    if not is_digits(ai):
        raise DigitalLinkError(f"path segment {ai!r} is not an AI or known alias")
    if ai == "01" and is_digits(value) and len(value) in (8, 12, 13):
        value = value.zfill(14)  # GTIN-8/12/13 -> GTIN-14 as the DL spec requires
    return Element(ai, value, today=today)


def parse_digital_link(uri: str, today: dt.date | None = None) -> DigitalLink:
    """Parse an uncompressed GS1 Digital Link URI (path keys, aliases, query attributes)."""
    if not isinstance(uri, str):
        raise DigitalLinkError(f"expected a URI string, got {type(uri).__name__}")
    try:
        parts = urlsplit(uri.strip())
    except ValueError as exc:
        raise DigitalLinkError(f"malformed URI: {exc}") from exc
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise DigitalLinkError(f"a Digital Link must be an http(s) URI with a host: {uri!r}")
    segments = parts.path.split("/")[1:]
    trailing_slash = len(segments) > 1 and segments[-1] == ""
    if trailing_slash:
        segments.pop()
    start = next(
        (i for i, seg in enumerate(segments) if _code(seg) in PRIMARY_KEYS and (len(segments) - i) % 2 == 0), None
    )
    if start is None:
        hint = "; an empty segment ('//') breaks its key/value pairs" if "" in segments else ""
        raise DigitalLinkError(f"no GS1 primary key (e.g. /01/<gtin>) found in path {parts.path!r}{hint}")
    if trailing_slash or "" in segments[start:]:
        raise DigitalLinkError(
            f"empty path segment in {parts.path!r}: a Digital Link path ends with a key or qualifier value, "
            "with no trailing '/' or '//'"
        )
    pairs = [(_code(segments[j]), _decode(segments[j + 1])) for j in range(start, len(segments), 2)]
    primary_ai = pairs[0][0]
    path_quals = [ai for ai, _ in pairs[1:]]
    _check_qualifiers(primary_ai, path_quals)
    path = [_element(ai, value, today) for ai, value in pairs]
    seen = {ai for ai, _ in pairs}
    attributes: list[Element] = []
    extras: dict[str, str] = {}
    for item in parts.query.split("&"):
        if not item:
            continue
        raw_key, _, raw_value = item.partition("=")
        key, value = _code(_decode(raw_key)), _decode(raw_value)
        if not is_digits(key):
            extras[key] = value
            continue
        _not_a_qualifier(primary_ai, path_quals, key)
        if key in seen:
            raise DigitalLinkError(
                f"{lookup(key).label} appears more than once in the URI", code="duplicate_ai", ai=key
            )
        seen.add(key)
        attributes.append(_element(key, value, today))
    message = GS1Message((*path, *attributes))
    return DigitalLink(
        domain=f"{parts.scheme.lower()}://{parts.netloc}",
        primary_key_ai=primary_ai,
        elements=(*path[1:], *attributes),
        message=message,
        key_qualifiers=tuple(path[1:]),
        path_prefix="".join(f"/{seg}" for seg in segments[:start]),
        extras=extras,
    )


def build_digital_link(
    elements: GS1Message | Iterable[Element | tuple[str, str]],
    domain: str = "https://id.gs1.org",
    *,
    extras: Mapping[str, str] | None = None,
) -> str:
    """Build a URI: primary key, its key qualifiers in path order, other AIs as query params sorted by AI."""
    message = elements if isinstance(elements, GS1Message) else GS1Message(coerce_elements(elements))
    base = domain.rstrip("/")
    if not base.lower().startswith(("http://", "https://")):
        raise DigitalLinkError(f"domain must start with http:// or https://, got {domain!r}")
    primary = next((el for el in message.elements if el.ai in PRIMARY_KEYS), None)
    if primary is None:
        found = ", ".join(f"({el.ai})" for el in message.elements)
        raise GS1Error(f"no Digital Link primary key among {found}", code="bad_uri")
    present = {el.ai for el in message.elements}
    best = max(KEY_QUALIFIERS[primary.ai], key=lambda seq: sum(q in present for q in seq), default=())
    in_path = [q for q in best if q in present]
    path = [primary, *(message.element(q) for q in in_path)]
    query = sorted((el for el in message.elements if el.ai != primary.ai and el.ai not in in_path), key=lambda e: e.ai)
    uri = base + "".join(f"/{el.ai}/{quote(el.value, safe='')}" for el in path if el is not None)
    params = [f"{el.ai}={quote(el.value, safe='')}" for el in query]
    params += [f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in (extras or {}).items()]
    return uri + ("?" + "&".join(params) if params else "")

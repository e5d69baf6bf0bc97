"""GS1 Digital Link URIs (uncompressed): parse to elements and build canonical-style URIs.

Parsing follows the GS1 Digital Link URI Syntax standard and RFC 3986 to the letter: an http(s) URI whose host is
a name, an IPv4 address or an IPv6 literal without zone id; a path stem of any segments, then the primary key
found by walking /AI/value pairs back from the end (so a stem may hold a key-like segment); key qualifiers in the
order the dictionary's dlpkey gives, each at most once; no empty segment or trailing '/' in the GS1 part;
percent-encoding exactly '%hh' (UTF-8); data attributes only in the query string, only AIs the dictionary marks
as Digital Link attributes, never a key qualifier that fits the path, never with a '+' (a space). The deprecated
convenience alphas (/gtin/, /lot/, ...) and zero-suppressed GTINs (/01/<13 digits>) are still read, as the GS1
Syntax Engine reads them when told to, since printed codes carry them; output is always numeric and GTIN-14.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote, unquote_to_bytes

from .ai import all_ais, is_known_ai, lookup
from .element import Element
from .errors import DigitalLinkError, GS1Error
from .message import GS1Message, coerce_elements

#: Primary key AI -> allowed key-qualifier sequences (each used in this order, any may be skipped).
KEY_QUALIFIERS: dict[str, tuple[tuple[str, ...], ...]] = {
    d.ai: d.dl_qualifiers for d in all_ais() if d.dl_qualifiers is not None
}
PRIMARY_KEYS = frozenset(KEY_QUALIFIERS)

#: The deprecated convenience alphas the GS1 Syntax Engine accepts in the path (read only, never written).
ALIASES = {
    "cpid": "8010", "cpsn": "8011", "cpv": "22", "gcn": "255", "gdti": "253", "giai": "8004", "ginc": "401",
    "gln": "414", "glnx": "254", "gmn": "8013", "grai": "8003", "gsin": "402", "gsrn": "8018", "gsrnp": "8017",
    "gtin": "01", "itip": "8006", "lot": "10", "party": "417", "refno": "8020", "ser": "21", "srin": "8019",
    "sscc": "00",
}  # fmt: skip

_URI_CHARS = frozenset(string.ascii_letters + string.digits + "-._~:/?#[]@!$&'()*+,;=%")
_HOST_CHARS = frozenset(string.ascii_letters + string.digits + "-.")
_HEX = frozenset(string.hexdigits)


@dataclass(frozen=True, slots=True)
class DigitalLink:
    """A parsed Digital Link: ``elements`` are key qualifiers then data attributes (no primary key)."""

    domain: str  # "https://id.example.com"
    primary_key_ai: str
    elements: tuple[Element, ...]
    message: GS1Message  # primary key + elements, validated (association rules included)
    key_qualifiers: tuple[Element, ...] = ()
    path_prefix: str = ""  # custom path before the primary key, e.g. "/some/prefix"
    extras: dict[str, str] = field(default_factory=dict)  # non-AI query parameters (linkType, ...)

    @property
    def primary_key(self) -> Element:
        """The primary key element, e.g. (01)."""
        return self.message.elements[0]


def _decode(text: str, what: str) -> str:
    """Strict RFC 3986 percent-decoding: every '%' starts '%hh'; the bytes must be UTF-8 without NUL."""
    if "%" not in text:
        return text
    i = text.find("%")
    while i >= 0:
        if len(text) < i + 3 or not set(text[i + 1 : i + 3]) <= _HEX:
            raise DigitalLinkError(f"{what}: '%' in {text!r} is not followed by two hex digits (percent-encoding)")
        i = text.find("%", i + 3)
    try:
        decoded = unquote_to_bytes(text).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DigitalLinkError(f"{what}: percent-encoded bytes in {text!r} are not UTF-8") from exc
    if "\x00" in decoded:
        raise DigitalLinkError(f"{what}: {text!r} decodes to a NUL character")
    return decoded


def _check_authority(authority: str) -> None:
    if not authority:
        raise DigitalLinkError("a Digital Link needs a host after the scheme")
    if "@" in authority:
        raise DigitalLinkError(f"user information ({authority.split('@')[0]!r}@) is not allowed in a Digital Link")
    if authority.startswith("["):
        literal, close, rest = authority[1:].partition("]")
        if "%" in literal:
            raise DigitalLinkError(f"IPv6 zone identifier in [{literal}] is not allowed: RFC 3986 host syntax has no "
                                   "zone id and a zone only means something on the sending machine")
        try:
            ipaddress.IPv6Address(literal)
        except ValueError as exc:
            raise DigitalLinkError(f"[{literal}] is not an IPv6 address") from exc
        if not close:
            raise DigitalLinkError(f"IPv6 literal in {authority!r} has no closing ']'")
        port = rest[1:] if rest.startswith(":") else None
        if rest and port is None:
            raise DigitalLinkError(f"unexpected {rest!r} after the IPv6 literal")
    else:
        host, colon, port = authority.partition(":")
        port = port if colon else None
        bad = next((ch for ch in host if ch not in _HOST_CHARS), None)
        if not host or bad is not None or host.startswith(".") or ".." in host:
            raise DigitalLinkError(f"{host!r} is not a host name or IPv4 address" + (f" ({bad!r})" if bad else ""))
    if port is not None and not (port.isdigit() and port.isascii() and len(port) <= 5):
        raise DigitalLinkError(f"port {port!r} is not a number")


def _key_ai(segment: str) -> str | None:
    if segment.isdigit():
        return segment if is_known_ai(segment) else None
    return ALIASES.get(segment)


def _find_key(segments: list[str]) -> int | None:
    """Index of the primary key: walk /AI/value pairs back from the end while each key is an AI."""
    k = len(segments) - 2
    while k >= 0:
        ai = _key_ai(segments[k])
        if ai is None:
            return None
        if ai in PRIMARY_KEYS:
            return k
        k -= 2
    return None


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
        raise DigitalLinkError(
            f"{lookup(stray).label} is not a key qualifier of AI ({primary}) in a Digital Link path; "
            "data attributes belong in the query string",
            ai=stray,
        )
    orders = " or ".join("/".join(f"({q})" for q in seq) for seq in allowed)
    shown = "/".join(f"({q})" for q in quals)
    raise DigitalLinkError(f"key qualifiers {shown} after AI ({primary}) must follow the order {orders}, each once",
                           ai=primary)


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


def _element(ai: str, value: str, today: dt.date | None, lint: bool) -> Element:
    if ai == "01" and value.isdigit() and len(value) in (8, 12, 13):
        value = value.zfill(14)  # a zero-suppressed GTIN-8/12/13 -> GTIN-14
    return Element(ai, value, today=today, lint=lint)


def _split(uri: str) -> tuple[str, str, str, str]:
    """(scheme, authority, path, query) of an http(s) URI whose characters RFC 3986 allows."""
    bad = None if _URI_CHARS.issuperset(uri) else next(i for i, ch in enumerate(uri) if ch not in _URI_CHARS)
    if bad is not None:
        raise DigitalLinkError(f"character {uri[bad]!r} at offset {bad} is not allowed in a URI (percent-encode it)",
                               position=bad)
    scheme, sep, rest = uri.partition("://")
    if not sep or scheme.lower() not in ("http", "https"):
        raise DigitalLinkError(f"a Digital Link must be an http:// or https:// URI: {uri[:60]!r}")
    rest = rest.partition("#")[0]  # a fragment is for the client, never GS1 data
    cut = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest))
    authority, rest = rest[:cut], rest[cut:]
    _check_authority(authority)
    path, _, query = rest.partition("?")
    return scheme.lower(), authority, path, query


def parse_digital_link(
    uri: str, today: dt.date | None = None, *, lint: bool = True, associations: bool = True, requisites: bool = True
) -> DigitalLink:
    """Parse an uncompressed GS1 Digital Link URI; raises ``DigitalLinkError`` (bad_uri) or the element's error."""
    if not isinstance(uri, str):
        raise DigitalLinkError(f"expected a URI string, got {type(uri).__name__}")
    scheme, authority, path, query = _split(uri.strip())
    segments = path.split("/")[1:] if path.startswith("/") else []
    start = _find_key(segments)
    if start is None:
        if path.endswith("/") and len(path) > 1:
            raise DigitalLinkError(f"path {path!r} ends with '/': a Digital Link path ends with a key or qualifier "
                                   "value")
        if "" in segments:
            raise DigitalLinkError(f"empty path segment ('//') in {path!r} breaks its /AI/value pairs")
        raise DigitalLinkError(f"no GS1 primary key (e.g. /01/<gtin>) found in path {path!r}")
    pairs: list[tuple[str, str]] = []
    for j in range(start, len(segments), 2):
        ai = _key_ai(segments[j])
        assert ai is not None  # _find_key walked over every key
        if not segments[j + 1]:
            raise DigitalLinkError(f"empty path segment: AI ({ai}) in {path!r} has no value", ai=ai)
        pairs.append((ai, _decode(segments[j + 1], f"AI ({ai}) in the path")))
    primary_ai = pairs[0][0]
    path_quals = [ai for ai, _ in pairs[1:]]
    _check_qualifiers(primary_ai, path_quals)
    path_elements = [_element(ai, value, today, lint) for ai, value in pairs]
    seen = {ai for ai, _ in pairs}
    attributes: list[Element] = []
    extras: dict[str, str] = {}
    for item in query.split("&"):
        if not item:
            continue
        raw_key, eq, raw_value = item.partition("=")
        key = _decode(raw_key, "query parameter name")
        if not key.isdigit():
            extras[key] = _decode(raw_value, f"query parameter {key!r}") if eq else ""
            continue
        if not is_known_ai(key):
            raise GS1Error(f"unknown Application Identifier ({key}) in the query string", code="unknown_ai", ai=key)
        if key in seen:
            raise DigitalLinkError(f"{lookup(key).label} appears more than once in the URI", code="duplicate_ai",
                                   ai=key)
        seen.add(key)
        _not_a_qualifier(primary_ai, path_quals, key)
        if not lookup(key).dl_attribute:
            raise DigitalLinkError(f"{lookup(key).label} is not a Digital Link data attribute (GS1 Barcode Syntax "
                                   "Dictionary)", ai=key)
        if not raw_value:
            raise DigitalLinkError(f"{lookup(key).label} has an empty value in the query string", ai=key)
        if "+" in raw_value:
            raise DigitalLinkError(f"{lookup(key).label}: '+' in a query value means a space, which no AI value may "
                                   "hold; a plus sign is written %2B", ai=key)
        attributes.append(_element(key, _decode(raw_value, f"AI ({key}) in the query string"), today, lint))
    message = GS1Message((*path_elements, *attributes), associations=associations, requisites=requisites)
    return DigitalLink(
        domain=f"{scheme}://{authority}",
        primary_key_ai=primary_ai,
        elements=(*path_elements[1:], *attributes),
        message=message,
        key_qualifiers=tuple(path_elements[1:]),
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
    items = elements.elements if isinstance(elements, GS1Message) else coerce_elements(elements)
    base = domain.rstrip("/")
    if not base.lower().startswith(("http://", "https://")):
        raise DigitalLinkError(f"domain must start with http:// or https://, got {domain!r}")
    primary = next((el for el in items if el.ai in PRIMARY_KEYS), None)
    if primary is None:
        found = ", ".join(f"({el.ai})" for el in items)
        raise GS1Error(f"no Digital Link primary key among {found}", code="bad_uri")
    message = elements if isinstance(elements, GS1Message) else GS1Message(items)
    present = {el.ai for el in message.elements}
    best = max(KEY_QUALIFIERS[primary.ai], key=lambda seq: sum(q in present for q in seq), default=())
    in_path = [q for q in best if q in present]
    path = [primary, *(message.element(q) for q in in_path)]
    query = sorted((el for el in message.elements if el.ai != primary.ai and el.ai not in in_path), key=lambda e: e.ai)
    stray = next((el for el in query if not lookup(el.ai).dl_attribute), None)
    if stray is not None:
        raise DigitalLinkError(f"{lookup(stray.ai).label} cannot travel in a Digital Link with key AI ({primary.ai})",
                               ai=stray.ai)
    uri = base + "".join(f"/{el.ai}/{quote(el.value, safe='')}" for el in path if el is not None)
    params = [f"{el.ai}={quote(el.value, safe='')}" for el in query]
    params += [f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in (extras or {}).items()]
    return uri + ("?" + "&".join(params) if params else "")

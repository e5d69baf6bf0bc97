"""The linters the GS1 Barcode Syntax Dictionary names, as pure functions written from the rules it states.

Every linter takes ``(data, ai=None, at=0)``: the component text, the AI it belongs to (named in the error) and
where the component starts inside the AI's value. It returns None when the data is good and raises ``GS1Error``
(``offset`` = where in the value the fault starts) otherwise. ``LINTERS`` maps the dictionary's names to them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import _codes, coupon, dates
from .ai import CHARSET_NAMES, CSET39, CSET64, CSET82, DIGITS, lookup
from .check_digit import compute_check_digit, compute_gmn_check_pair
from .errors import CheckDigitError, GS1Error

Linter = Callable[..., Any]

#: Shortest GS1 Company Prefix (GS1-8 prefixes and UPC company prefixes normalise to at least this).
GCP_MIN_LENGTH = 4
#: AIDC media types (AI 7241): 01-10 assigned by ICCBBA, 80-99 ICCBBA local/national use (Gen Specs 3.8.x).
MEDIA_TYPES = frozenset(f"{n:02d}" for n in (*range(1, 11), *range(80, 100)))
IBAN_MIN_LENGTH = 11  # shorter than any national format; enough for country + check characters + BBAN
IBAN_MAX_LENGTH = 34  # ISO 13616
_IMPORTER_INDEX = frozenset("-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")
_HEX = frozenset("0123456789abcdefABCDEF")


def fail(code: str, what: str, ai: str | None, at: int, offset: int = 0, **params: Any) -> GS1Error:
    """The error a linter raises: ``what`` is wrong in AI ``ai`` at value offset ``at + offset``."""
    prefix = f"{lookup(ai).label}: " if ai else ""
    return GS1Error(prefix + what, code=code, ai=ai, offset=at + offset, params={"offset": at + offset, **params})


def _first_outside(data: str, allowed: frozenset[str]) -> int:
    if allowed.issuperset(data):  # the common case, in C
        return -1
    return next(i for i, ch in enumerate(data) if ch not in allowed)


def _charset(data: str, ai: str | None, at: int, allowed: frozenset[str], name: str) -> None:
    i = _first_outside(data, allowed)
    if i >= 0:
        raise fail("bad_charset", f"character {data[i]!r} at offset {at + i} is not allowed ({CHARSET_NAMES[name]})",
                   ai, at, i, char=data[i], charset=name)


def csetnumeric(data: str, ai: str | None = None, at: int = 0) -> None:
    _charset(data, ai, at, DIGITS, "N")


def cset82(data: str, ai: str | None = None, at: int = 0) -> None:
    _charset(data, ai, at, CSET82, "X")


def cset39(data: str, ai: str | None = None, at: int = 0) -> None:
    _charset(data, ai, at, CSET39, "Y")


def cset64(data: str, ai: str | None = None, at: int = 0) -> None:
    """File-safe base64: up to two '=' pads, only when they bring the length to a multiple of 3."""
    body = data.rstrip("=")
    pads = len(data) - len(body)
    if pads > 2 or (pads and len(data) % 3):
        raise fail("bad_charset", f"{pads} '=' padding character(s) at offset {at + len(body)} are not allowed "
                   "(at most two, making the length a multiple of 3)", ai, at, len(body), char="=", charset="Z")
    _charset(body, ai, at, CSET64, "Z")


def csum(data: str, ai: str | None = None, at: int = 0) -> None:
    """GS1 mod-10 check digit in the last position."""
    if not data:
        raise fail("too_short", "no digit to check", ai, at)
    if not (data.isascii() and data.isdigit()):
        csetnumeric(data, ai, at)
    expected = str(compute_check_digit(data[:-1])) if len(data) > 1 else "0"
    if data[-1] != expected:
        prefix = f"{lookup(ai).label}: " if ai else ""
        raise CheckDigitError(f"{prefix}check digit is {data[-1]}, expected {expected}", ai=ai, found=data[-1],
                              expected=expected, offset=at + len(data) - 1)


def csumalpha(data: str, ai: str | None = None, at: int = 0) -> None:
    """GS1 alphanumeric check character pair (GMN, MUDI) in the last two positions."""
    if len(data) < 2:
        raise fail("too_short", "needs at least the 2 check characters", ai, at)
    cset82(data[:-2], ai, at)
    expected = compute_gmn_check_pair(data[:-2]) if len(data) > 2 else "22"
    if data[-2:] != expected:
        prefix = f"{lookup(ai).label}: " if ai else ""
        raise CheckDigitError(f"{prefix}check characters are {data[-2:]}, expected {expected}", ai=ai,
                              found=data[-2:], expected=expected, offset=at + len(data) - 2)


def gcppos1(data: str, ai: str | None = None, at: int = 0, *, lookup_gcp: Callable[[str], bool | None] | None = None,
            ) -> None:
    """Starts with a GS1 Company Prefix: at least its four shortest digits; ``lookup_gcp`` (True known, False
    unknown, None source offline) adds a check against the allocations, as the dictionary allows."""
    if len(data) < GCP_MIN_LENGTH:
        raise fail("bad_company_prefix", f"{len(data)} characters are too few to start with a GS1 Company Prefix "
                   f"(at least {GCP_MIN_LENGTH} digits)", ai, at)
    head = data[:GCP_MIN_LENGTH]
    i = -1 if head.isascii() and head.isdigit() else _first_outside(head, DIGITS)
    if i >= 0:
        raise fail("bad_company_prefix", f"character {data[i]!r} at offset {at + i} cannot be part of a GS1 "
                   "Company Prefix (digits only)", ai, at, i)
    if lookup_gcp is not None:
        known = lookup_gcp(data)
        if known is None:
            raise fail("company_prefix_unavailable", "the GS1 Company Prefix lookup is unavailable", ai, at)
        if not known:
            raise fail("bad_company_prefix", f"{data!r} does not start with an allocated GS1 Company Prefix", ai, at)


def gcppos2(data: str, ai: str | None = None, at: int = 0, **kwargs: Any) -> None:
    """A GS1 Company Prefix from the second character (after an indicator or extension digit)."""
    if len(data) < 2:
        raise fail("bad_company_prefix", "too short to hold a GS1 Company Prefix after its first digit", ai, at)
    gcppos1(data[1:], ai, at + 1, **kwargs)


def hasnondigit(data: str, ai: str | None = None, at: int = 0) -> None:
    if not data or data.isdigit():
        raise fail("needs_non_digit", f"{data!r} has only digits; it needs at least one other character", ai, at)


def hyphen(data: str, ai: str | None = None, at: int = 0) -> None:
    if not data or set(data) != {"-"}:
        raise fail("not_hyphen", f"{data!r} at offset {at} may only be '-' (a minus sign)", ai, at, value=data)


def _one_of(data: str, ai: str | None, at: int, allowed: frozenset[str], code: str, what: str) -> None:
    if data not in allowed:
        raise fail(code, f"{data!r} at offset {at} is not {what}", ai, at, value=data)


def iso3166(data: str, ai: str | None = None, at: int = 0) -> None:
    _one_of(data, ai, at, _codes.ISO3166_NUMERIC, "bad_country", "an ISO 3166 numeric country code")


def iso3166999(data: str, ai: str | None = None, at: int = 0) -> None:
    _one_of(data, ai, at, _codes.ISO3166_NUMERIC | {"999"}, "bad_country",
            "an ISO 3166 numeric country code or 999")


def iso3166alpha2(data: str, ai: str | None = None, at: int = 0) -> None:
    _one_of(data, ai, at, _codes.ISO3166_ALPHA2, "bad_country", "an ISO 3166 alpha-2 country code")


def iso4217(data: str, ai: str | None = None, at: int = 0) -> None:
    _one_of(data, ai, at, _codes.ISO4217_NUMERIC, "bad_currency", "an ISO 4217 numeric currency code")


def iso5218(data: str, ai: str | None = None, at: int = 0) -> None:
    _one_of(data, ai, at, frozenset("0129"), "bad_sex_code",
            "an ISO/IEC 5218 code (0 not known, 1 male, 2 female, 9 not applicable)")


def mediatype(data: str, ai: str | None = None, at: int = 0) -> None:
    _one_of(data, ai, at, MEDIA_TYPES, "bad_media_type", "an assigned AIDC media type (01-10, 80-99)")


def packagetype(data: str, ai: str | None = None, at: int = 0) -> None:
    _one_of(data, ai, at, _codes.PACKAGE_TYPES, "bad_package_type", "a PackageTypeCode (UN/ECE Rec. 21 or GS1)")


def winding(data: str, ai: str | None = None, at: int = 0) -> None:
    _one_of(data, ai, at, frozenset("019"), "bad_winding", "a winding direction (0 face out, 1 face in, 9 undefined)")


def yesno(data: str, ai: str | None = None, at: int = 0) -> None:
    _one_of(data, ai, at, frozenset("01"), "not_yes_no", "0 (no) or 1 (yes)")


def importeridx(data: str, ai: str | None = None, at: int = 0) -> None:
    if len(data) != 1 or data not in _IMPORTER_INDEX:
        raise fail("bad_importer_index", f"{data!r} at offset {at} is not an importer index (one of 0-9 A-Z a-z - _)",
                   ai, at, value=data)


def _coordinate(data: str, ai: str | None, at: int, top: int, name: str) -> None:
    if len(data) != 10:
        raise fail("bad_coordinate", f"{name} at offset {at} must have 10 digits", ai, at, value=data)
    csetnumeric(data, ai, at)
    if int(data) > top:
        raise fail("bad_coordinate", f"{name} {data} at offset {at} is above {top:010d}", ai, at, value=data)


def latitude(data: str, ai: str | None = None, at: int = 0) -> None:
    """WGS84 latitude + 90 degrees, in units of 10^-7 degree: 0000000000-1800000000."""
    _coordinate(data, ai, at, 1_800_000_000, "latitude")


def longitude(data: str, ai: str | None = None, at: int = 0) -> None:
    """WGS84 longitude + 180 degrees, in units of 10^-7 degree: 0000000000-3600000000."""
    _coordinate(data, ai, at, 3_600_000_000, "longitude")


def nonzero(data: str, ai: str | None = None, at: int = 0) -> None:
    csetnumeric(data, ai, at)
    if not data.strip("0"):
        raise fail("zero_value", f"{data!r} at offset {at} must not be zero", ai, at, value=data)


def zero(data: str, ai: str | None = None, at: int = 0) -> None:
    if not data or data.strip("0"):
        raise fail("not_zero", f"{data!r} at offset {at} must be 0", ai, at, value=data)


def nozeroprefix(data: str, ai: str | None = None, at: int = 0) -> None:
    if data.startswith("0"):
        raise fail("zero_prefix", f"{data!r} at offset {at} must not start with 0", ai, at, value=data)
    csetnumeric(data, ai, at)


def pcenc(data: str, ai: str | None = None, at: int = 0) -> None:
    """Percent-encoding (RFC 3986 2.1): every '%' starts '%hh'."""
    i = data.find("%")
    while i >= 0:
        if len(data) < i + 3 or not set(data[i + 1 : i + 3]) <= _HEX:
            raise fail("bad_percent_encoding", f"'%' at offset {at + i} is not followed by two hex digits", ai, at, i)
        i = data.find("%", i + 3)


def pieceoftotal(data: str, ai: str | None = None, at: int = 0) -> None:
    """Piece number then total, each half the length: neither zero, the piece not above the total."""
    csetnumeric(data, ai, at)
    half = len(data) // 2
    if not data or len(data) % 2:
        raise fail("bad_piece_of_total", f"{data!r} at offset {at} must be a piece number and a total of equal length",
                   ai, at, value=data)
    piece, total = int(data[:half]), int(data[half:])
    if piece == 0:
        raise fail("zero_piece", f"piece number {data[:half]} at offset {at} must not be zero", ai, at, value=data)
    if total == 0:
        raise fail("zero_total", f"total {data[half:]} at offset {at + half} must not be zero", ai, at, half,
                   value=data)
    if piece > total:
        raise fail("piece_over_total", f"piece {piece} is above the total {total}", ai, at, piece=piece, total=total)


def posinseqslash(data: str, ai: str | None = None, at: int = 0) -> None:
    """'<position>/<end>': two numbers without leading zeros, the position not above the end."""
    position, slash, end = data.partition("/")
    if not (slash and position.isdigit() and end.isdigit() and position.isascii() and end.isascii()):
        raise fail("bad_sequence", f"{data!r} at offset {at} is not <position>/<end>", ai, at, value=data)
    for number, start in ((position, 0), (end, len(position) + 1)):
        if number.startswith("0"):
            raise fail("zero_prefix", f"{number!r} at offset {at + start} must not start with 0", ai, at, start,
                       value=number)
    if int(position) > int(end):
        raise fail("position_over_end", f"position {position} is above the end {end}", ai, at, number=position,
                   end=end)


def iban(data: str, ai: str | None = None, at: int = 0) -> None:
    """ISO 13616 IBAN: a country code, two check digits (mod 97 = 1), the national account number."""
    if len(data) < 4:
        raise fail("too_short", f"an IBAN needs at least 4 characters, got {len(data)}", ai, at)
    if data[:2] not in _codes.ISO3166_ALPHA2:
        raise fail("bad_country", f"{data[:2]!r} at offset {at} is not an ISO 3166 alpha-2 country code", ai, at,
                   value=data[:2])
    if len(data) > IBAN_MAX_LENGTH:
        raise fail("too_long", f"an IBAN has at most {IBAN_MAX_LENGTH} characters, got {len(data)}", ai, at)
    if len(data) < IBAN_MIN_LENGTH:
        raise fail("too_short", f"an IBAN has at least {IBAN_MIN_LENGTH} characters, got {len(data)}", ai, at)
    i = _first_outside(data, DIGITS | frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    if i >= 0:
        raise fail("bad_charset", f"character {data[i]!r} at offset {at + i} is not allowed in an IBAN (0-9, A-Z)",
                   ai, at, i, char=data[i], charset="IBAN")
    rearranged = data[4:] + data[:4]
    if int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 != 1:
        raise fail("bad_iban_checksum", f"check digits {data[2:4]} of IBAN {data} are wrong", ai, at, 2,
                   found=data[2:4])


LINTERS: dict[str, Linter] = {
    "couponcode": coupon.couponcode, "couponposoffer": coupon.couponposoffer, "csetnumeric": csetnumeric,
    "cset82": cset82, "cset39": cset39, "cset64": cset64, "csum": csum, "csumalpha": csumalpha, "gcppos1": gcppos1,
    "gcppos2": gcppos2, "hasnondigit": hasnondigit, "hh": dates.hh, "hhmi": dates.hhmi, "hyphen": hyphen,
    "iban": iban, "importeridx": importeridx, "iso3166": iso3166, "iso3166999": iso3166999,
    "iso3166alpha2": iso3166alpha2, "iso4217": iso4217, "iso5218": iso5218, "latitude": latitude,
    "longitude": longitude, "mediatype": mediatype, "mi": dates.mi, "nonzero": nonzero, "nozeroprefix": nozeroprefix,
    "packagetype": packagetype, "pcenc": pcenc, "pieceoftotal": pieceoftotal, "posinseqslash": posinseqslash,
    "ss": dates.ss, "winding": winding, "yesno": yesno, "yymmd0": dates.yymmd0, "yymmdd": dates.yymmdd,
    "yyyymmd0": dates.yyyymmd0, "yyyymmdd": dates.yyyymmdd, "zero": zero,
}  # fmt: skip
#: The linter that checks each component type's character set.
CSET_LINTERS: dict[str, Linter] = {"N": csetnumeric, "X": cset82, "Y": cset39, "Z": cset64}

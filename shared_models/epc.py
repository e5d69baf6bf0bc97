"""RFID EPCs per the GS1 EPC Tag Data Standard (TDS 2.x): SGTIN-96, SSCC-96, SGLN-96 and GRAI-96 as 96-bit binary
(hex), pure-identity URIs (urn:epc:id:…) and tag URIs (urn:epc:tag:…-96:…). Pure: no I/O.

The mapping to GS1 keys (GTIN + serial, SSCC, GLN + extension, GRAI) is in ``shared_models.epc_gs1``.

Layout of every scheme here: header (8 bits), filter (3), partition (3), GS1 Company Prefix, a reference
(item reference with its indicator digit / serial reference with its extension digit / location reference / asset
type), then the scheme's tail: serial (38 bits, SGTIN and GRAI), extension (41 bits, SGLN) or 24 unallocated bits
(SSCC). The partition value says how many bits and digits the company prefix and the reference take (TDS §14,
the partition tables below, one row per partition value 0-6).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from shared_models.gs1.check_digit import is_digits

# (company prefix bits, company prefix digits, reference bits, reference digits) for partition values 0..6.
Partitions = tuple[tuple[int, int, int, int], ...]
SGTIN_PARTITIONS: Partitions = ((40, 12, 4, 1), (37, 11, 7, 2), (34, 10, 10, 3), (30, 9, 14, 4), (27, 8, 17, 5),
                                (24, 7, 20, 6), (20, 6, 24, 7))
SSCC_PARTITIONS: Partitions = ((40, 12, 18, 5), (37, 11, 21, 6), (34, 10, 24, 7), (30, 9, 28, 8), (27, 8, 31, 9),
                               (24, 7, 34, 10), (20, 6, 38, 11))
SGLN_PARTITIONS: Partitions = ((40, 12, 1, 0), (37, 11, 4, 1), (34, 10, 7, 2), (30, 9, 11, 3), (27, 8, 14, 4),
                               (24, 7, 17, 5), (20, 6, 21, 6))
GRAI_PARTITIONS: Partitions = ((40, 12, 4, 0), (37, 11, 7, 1), (34, 10, 10, 2), (30, 9, 14, 3), (27, 8, 17, 4),
                               (24, 7, 20, 5), (20, 6, 24, 6))


class EpcKind(StrEnum):
    """The EPC scheme of a pure identity (the part after urn:epc:id:)."""

    SGTIN = "sgtin"
    SSCC = "sscc"
    SGLN = "sgln"
    GRAI = "grai"


@dataclass(frozen=True, slots=True)
class Scheme96:
    kind: EpcKind
    header: int
    partitions: Partitions
    tail_bits: int          # serial (SGTIN, GRAI), extension (SGLN), unallocated zeros (SSCC)
    tail_is_number: bool    # False: the tail bits are unallocated and the identity has no third field

    @property
    def name(self) -> str:
        return f"{self.kind.value}-96"


SCHEMES: dict[EpcKind, Scheme96] = {
    EpcKind.SGTIN: Scheme96(EpcKind.SGTIN, 0x30, SGTIN_PARTITIONS, 38, True),
    EpcKind.SSCC: Scheme96(EpcKind.SSCC, 0x31, SSCC_PARTITIONS, 24, False),
    EpcKind.SGLN: Scheme96(EpcKind.SGLN, 0x32, SGLN_PARTITIONS, 41, True),
    EpcKind.GRAI: Scheme96(EpcKind.GRAI, 0x33, GRAI_PARTITIONS, 38, True),
}
BY_HEADER = {s.header: s for s in SCHEMES.values()}
BY_NAME = {s.name: s for s in SCHEMES.values()}
ID_PREFIX = "urn:epc:id:"
TAG_PREFIX = "urn:epc:tag:"
# Characters a pure-identity URI component must percent-encode (TDS §6.3, "Escaped" characters of CSET 82).
_ESCAPED = {'"': "%22", "%": "%25", "&": "%26", "/": "%2F", "<": "%3C", ">": "%3E", "?": "%3F"}
_CSET82 = frozenset("!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")


class EpcError(ValueError):
    """Data that is not a valid EPC of the schemes here; ``code`` is stable for machines."""

    def __init__(self, message: str, code: str = "bad_epc") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class EpcIdentity:
    """A pure identity: what urn:epc:id:<kind>:<company_prefix>.<reference>[.<serial>] names. ``reference`` holds
    the SGTIN's indicator digit first, the SSCC's extension digit first; ``serial`` is the SGTIN/GRAI serial or the
    SGLN extension ("0": no extension), and "" for an SSCC."""

    kind: EpcKind
    company_prefix: str
    reference: str
    serial: str = ""

    def __post_init__(self) -> None:
        if not is_digits(self.company_prefix) or not 6 <= len(self.company_prefix) <= 12:
            raise EpcError(f"company prefix {self.company_prefix!r} must be 6 to 12 digits", "bad_company_prefix")
        total = {EpcKind.SGTIN: 13, EpcKind.SSCC: 17, EpcKind.SGLN: 12, EpcKind.GRAI: 12}[self.kind]
        if (self.reference and not is_digits(self.reference)) or len(self.company_prefix) + len(self.reference) \
                != total:
            raise EpcError(f"{self.kind.value}: company prefix and reference must be {total} digits together, got "
                           f"{self.company_prefix}.{self.reference}", "bad_reference")
        if self.kind is EpcKind.SSCC:
            if self.serial:
                raise EpcError("an SSCC identity has no serial field", "bad_serial")
        elif not self.serial or any(c not in _CSET82 for c in self.serial) or len(self.serial) > 20:
            raise EpcError(f"{self.kind.value}: serial {self.serial!r} must be 1-20 GS1 CSET 82 characters",
                           "bad_serial")

    @property
    def uri(self) -> str:
        """The pure-identity URI, e.g. urn:epc:id:sgtin:0614141.812345.6789."""
        fields = [self.company_prefix, self.reference] + ([escape(self.serial)] if self.kind is not EpcKind.SSCC
                                                          else [])
        return f"{ID_PREFIX}{self.kind.value}:{'.'.join(fields)}"

    def __str__(self) -> str:
        return self.uri


@dataclass(frozen=True, slots=True)
class Epc96:
    """A 96-bit tag encoding: an identity plus the filter value (0-7) the tag carries."""

    identity: EpcIdentity
    filter: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.filter <= 7:
            raise EpcError(f"filter value {self.filter} must be 0-7", "bad_filter")
        _tail_value(self.identity)  # the serial / extension fits 96 bits, or this raises

    @property
    def scheme(self) -> Scheme96:
        return SCHEMES[self.identity.kind]

    @property
    def tag_uri(self) -> str:
        """e.g. urn:epc:tag:sgtin-96:3.0614141.812345.6789"""
        ident = self.identity
        fields = [str(self.filter), ident.company_prefix, ident.reference] + (
            [ident.serial] if self.scheme.tail_is_number else [])
        return f"{TAG_PREFIX}{self.scheme.name}:{'.'.join(fields)}"

    def to_int(self) -> int:
        scheme, ident = self.scheme, self.identity
        partition = _partition_of(scheme, len(ident.company_prefix))
        cp_bits, _cp_digits, ref_bits, _ref_digits = scheme.partitions[partition]
        value = scheme.header
        for number, bits in ((self.filter, 3), (partition, 3), (int(ident.company_prefix), cp_bits),
                             (int(ident.reference or "0"), ref_bits), (_tail_value(ident), scheme.tail_bits)):
            value = (value << bits) | number
        return value

    def to_hex(self) -> str:
        """24 upper-case hex digits, as RFID readers and printers (^RFW,H) write them."""
        return f"{self.to_int():024X}"


def escape(component: str) -> str:
    return "".join(_ESCAPED.get(c, c) for c in component)


def unescape(component: str) -> str:
    out, i = [], 0
    reverse = {v: k for k, v in _ESCAPED.items()}
    while i < len(component):
        if component[i] == "%":
            code = component[i:i + 3].upper()
            if code not in reverse:
                raise EpcError(f"bad escape {component[i:i + 3]!r} in {component!r}", "bad_uri")
            out.append(reverse[code])
            i += 3
        else:
            out.append(component[i])
            i += 1
    return "".join(out)


def _partition_of(scheme: Scheme96, cp_digits: int) -> int:
    for value, (_bits, digits, _rb, _rd) in enumerate(scheme.partitions):
        if digits == cp_digits:
            return value
    raise EpcError(f"{scheme.name} has no partition for a {cp_digits}-digit company prefix", "bad_company_prefix")


def _tail_value(ident: EpcIdentity) -> int:
    """The number the tail bits hold; raises when the identity's serial cannot travel in 96 bits."""
    scheme = SCHEMES[ident.kind]
    if not scheme.tail_is_number:
        return 0
    what = "extension" if ident.kind is EpcKind.SGLN else "serial"
    if not is_digits(ident.serial) or (len(ident.serial) > 1 and ident.serial[0] == "0"):
        raise EpcError(f"{scheme.name} encodes only a numeric {what} without leading zeros, not {ident.serial!r} "
                       f"(that needs the {'SGLN-195' if ident.kind is EpcKind.SGLN else ident.kind.value + '-198'} "
                       "scheme)", "not_encodable")
    value = int(ident.serial)
    if value >= 1 << scheme.tail_bits:
        raise EpcError(f"{scheme.name}: {what} {value} needs more than {scheme.tail_bits} bits", "not_encodable")
    return value


# -- reading ---------------------------------------------------------------------------------------------------------
def decode_hex(text: str) -> Epc96:
    """A 96-bit EPC in hex (a reader's line; case and surrounding blanks do not matter) → Epc96. Raises EpcError
    for another length, an unknown header, partition 7, or a field whose number has more digits than its
    partition allows."""
    hexa = text.strip().replace(" ", "")
    if len(hexa) != 24 or any(c not in "0123456789abcdefABCDEF" for c in hexa):
        raise EpcError(f"{text!r} is not 24 hex digits (a 96-bit EPC)", "bad_hex")
    return decode_int(int(hexa, 16))


def decode_int(value: int) -> Epc96:
    header = value >> 88
    scheme = BY_HEADER.get(header)
    if scheme is None:
        raise EpcError(f"header 0x{header:02X} is not SGTIN-96, SSCC-96, SGLN-96 or GRAI-96", "unknown_header")
    filt = (value >> 85) & 0b111
    partition = (value >> 82) & 0b111
    if partition > 6:
        raise EpcError(f"{scheme.name}: partition value {partition} is not defined", "bad_partition")
    cp_bits, cp_digits, ref_bits, ref_digits = scheme.partitions[partition]
    rest = 82 - cp_bits
    cp = (value >> rest) & ((1 << cp_bits) - 1)
    rest -= ref_bits
    ref = (value >> rest) & ((1 << ref_bits) - 1)
    tail = value & ((1 << scheme.tail_bits) - 1)
    if cp >= 10**cp_digits or ref >= 10**ref_digits:
        raise EpcError(f"{scheme.name}: company prefix {cp} or reference {ref} has more digits than partition "
                       f"{partition} allows", "bad_partition")
    serial = str(tail) if scheme.tail_is_number else ""
    reference = f"{ref:0{ref_digits}d}" if ref_digits else ""
    return Epc96(EpcIdentity(scheme.kind, f"{cp:0{cp_digits}d}", reference, serial), filt)


def parse_tag_uri(uri: str) -> Epc96:
    """urn:epc:tag:sgtin-96:3.0614141.812345.6789 → Epc96."""
    text = uri.strip()
    if not text.lower().startswith(TAG_PREFIX):
        raise EpcError(f"{uri!r} is not an EPC tag URI (urn:epc:tag:…)", "bad_uri")
    name, _, body = text[len(TAG_PREFIX):].partition(":")
    scheme = BY_NAME.get(name.lower())
    if scheme is None:
        raise EpcError(f"tag URI scheme {name!r} is not one of {', '.join(BY_NAME)}", "unknown_scheme")
    fields = body.split(".")
    if len(fields) != (4 if scheme.tail_is_number else 3) or not is_digits(fields[0]) or len(fields[0]) != 1:
        raise EpcError(f"{uri!r}: a {scheme.name} tag URI is filter.company_prefix.reference"
                       f"{'.serial' if scheme.tail_is_number else ''}", "bad_uri")
    serial = fields[3] if scheme.tail_is_number else ""
    return Epc96(EpcIdentity(scheme.kind, fields[1], fields[2], serial), int(fields[0]))


def parse_identity_uri(uri: str) -> EpcIdentity:
    """urn:epc:id:sgtin:0614141.812345.6789 → EpcIdentity (serials percent-decoded)."""
    text = uri.strip()
    if not text.lower().startswith(ID_PREFIX):
        raise EpcError(f"{uri!r} is not an EPC pure-identity URI (urn:epc:id:…)", "bad_uri")
    name, _, body = text[len(ID_PREFIX):].partition(":")
    try:
        kind = EpcKind(name.lower())
    except ValueError as exc:
        raise EpcError(f"pure identity scheme {name!r} is not one of sgtin, sscc, sgln, grai",
                       "unknown_scheme") from exc
    fields = body.split(".", 2)
    if len(fields) != (2 if kind is EpcKind.SSCC else 3):
        raise EpcError(f"{uri!r}: a {kind.value} identity is company_prefix.reference"
                       f"{'' if kind is EpcKind.SSCC else '.serial'}", "bad_uri")
    return EpcIdentity(kind, fields[0], fields[1], unescape(fields[2]) if len(fields) == 3 else "")


def parse_epc(text: str) -> Epc96 | EpcIdentity:
    """Whatever a reader or a document hands over: 24 hex digits, a tag URI or a pure-identity URI."""
    lowered = text.strip().lower()
    if lowered.startswith(TAG_PREFIX):
        return parse_tag_uri(text)
    if lowered.startswith(ID_PREFIX):
        return parse_identity_uri(text)
    return decode_hex(text)


__all__ = [
    "BY_HEADER", "SCHEMES", "Epc96", "EpcError", "EpcIdentity", "EpcKind", "Scheme96", "decode_hex", "decode_int",
    "escape", "parse_epc", "parse_identity_uri", "parse_tag_uri", "unescape",
]

"""GS1 identifiers for Lotline: AI table, check digits, element strings and Digital Link URIs."""

from .ai import (
    CSET39,
    CSET64,
    CSET82,
    PREDEFINED_LENGTHS,
    AIDef,
    Component,
    all_ais,
    is_known_ai,
    is_predefined_length,
    lookup,
)
from .associations import check_associations
from .check_digit import (
    compute_check_digit,
    compute_gmn_check_pair,
    gtin14,
    is_valid_check_digit,
    is_valid_gmn,
    validate_gln,
    validate_grai,
    validate_gsin,
    validate_gtin,
    validate_sscc,
)
from .detect import looks_like_gs1, parse_any
from .digital_link import ALIASES, KEY_QUALIFIERS, PRIMARY_KEYS, DigitalLink, build_digital_link, parse_digital_link
from .element import Element
from .element_string import GS, GS1_SYMBOLOGY_IDS, encode_hri, encode_raw, parse
from .errors import ERROR_CODES, CheckDigitError, DigitalLinkError, GS1Error, NotGS1Error
from .linters import LINTERS
from .message import GS1Message

__all__ = [
    "ALIASES",
    "CSET39",
    "CSET64",
    "CSET82",
    "ERROR_CODES",
    "GS",
    "GS1_SYMBOLOGY_IDS",
    "KEY_QUALIFIERS",
    "LINTERS",
    "PREDEFINED_LENGTHS",
    "PRIMARY_KEYS",
    "AIDef",
    "CheckDigitError",
    "Component",
    "DigitalLink",
    "DigitalLinkError",
    "Element",
    "GS1Error",
    "GS1Message",
    "NotGS1Error",
    "all_ais",
    "build_digital_link",
    "check_associations",
    "compute_check_digit",
    "compute_gmn_check_pair",
    "encode_hri",
    "encode_raw",
    "gtin14",
    "is_known_ai",
    "is_predefined_length",
    "is_valid_check_digit",
    "is_valid_gmn",
    "looks_like_gs1",
    "lookup",
    "parse",
    "parse_any",
    "parse_digital_link",
    "validate_gln",
    "validate_grai",
    "validate_gsin",
    "validate_gtin",
    "validate_sscc",
]

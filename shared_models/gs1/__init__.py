"""GS1 identifiers for Lotline: AI table, check digits, element strings and Digital Link URIs."""

from .ai import CSET39, CSET64, CSET82, PREDEFINED_LENGTHS, AIDef, all_ais, is_known_ai, is_predefined_length, lookup
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
from .message import INVALID_PAIRS, REQUIRED_WITH, GS1Message, check_pair_rules

__all__ = [
    "ALIASES",
    "CSET39",
    "CSET64",
    "CSET82",
    "ERROR_CODES",
    "GS",
    "GS1_SYMBOLOGY_IDS",
    "INVALID_PAIRS",
    "KEY_QUALIFIERS",
    "PREDEFINED_LENGTHS",
    "PRIMARY_KEYS",
    "REQUIRED_WITH",
    "AIDef",
    "CheckDigitError",
    "DigitalLink",
    "DigitalLinkError",
    "Element",
    "GS1Error",
    "GS1Message",
    "NotGS1Error",
    "all_ais",
    "build_digital_link",
    "check_pair_rules",
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

"""Check characters a numbering rule can append: GS1 mod 10 (digits) and ISO/IEC 7064 MOD 37,36 (0-9, A-Z)."""

from __future__ import annotations

import string

from shared_models.gs1 import compute_check_digit
from shared_models.gs1.check_digit import is_digits

ALNUM36 = string.digits + string.ascii_uppercase  # ISO/IEC 7064 value order: '0'..'9' = 0..9, 'A'..'Z' = 10..35


def gs1_mod10(body: str) -> str:
    """The GS1 check digit (weights 3, 1, 3 … from the right). Raises ValueError for anything but digits."""
    if not is_digits(body):
        raise ValueError(f"GS1 mod 10 needs digits only, not {body!r}")
    return str(compute_check_digit(body))


def iso7064_mod37_36(body: str) -> str:
    """ISO/IEC 7064 MOD 37,36, the hybrid system over 0-9A-Z: P starts at 36; for each character S = (P + value)
    mod 36 (0 read as 36) and P = 2S mod 37; the check character makes (P + check) mod 36 = 1. Raises ValueError
    for characters outside 0-9A-Z (lower case included: the check would not survive upper-casing)."""
    if not body or any(c not in ALNUM36 for c in body):
        raise ValueError(f"ISO/IEC 7064 MOD 37,36 needs 0-9 and A-Z only, not {body!r}")
    p = 36
    for c in body:
        s = (p + ALNUM36.index(c)) % 36 or 36
        p = (2 * s) % 37
    return ALNUM36[(37 - p) % 36]


def is_valid_mod37_36(code: str) -> bool:
    return len(code) > 1 and all(c in ALNUM36 for c in code) and iso7064_mod37_36(code[:-1]) == code[-1]

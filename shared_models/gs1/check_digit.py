"""GS1 mod-10 check digits (GTIN, SSCC, GLN, GSIN, GRAI...) and the GMN check character pair."""

from __future__ import annotations

from .errors import CheckDigitError, GS1Error

_GTIN_LENGTHS = (8, 12, 13, 14)
# GS1 CSET 82 in value order (Gen Specs Fig. 7.11-1) and the CSET 32 check-pair alphabet (Fig. 7.9.5-1).
_CSET82_ORDER = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
_CSET32_ORDER = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_GMN_PRIMES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83)


def is_digits(text: str) -> bool:
    """True when ``text`` is non-empty and only ASCII 0-9 (``str.isdigit`` also accepts '²' etc.)."""
    return bool(text) and text.isascii() and text.isdigit()


def compute_check_digit(digits_without_check: str) -> int:
    """Check digit for a GS1 key body: weights 3,1,3,... from the right, then (10 - sum mod 10) mod 10."""
    if not is_digits(digits_without_check):
        raise GS1Error(
            f"check digit input {digits_without_check!r} must be a non-empty string of digits", code="bad_charset"
        )
    # From the right: the first digit weighs 3, the next 1, and so on.
    total = 3 * sum(map(int, digits_without_check[::-2])) + sum(map(int, digits_without_check[-2::-2]))
    return (10 - total % 10) % 10


def is_valid_check_digit(full: str) -> bool:
    """True if the last digit of ``full`` is the correct GS1 mod-10 check digit for the rest."""
    if not isinstance(full, str) or len(full) < 2 or not is_digits(full):
        return False
    return compute_check_digit(full[:-1]) == int(full[-1])


def verify_check_digit(digits: str, *, ai: str | None, name: str) -> None:
    """Raise ``CheckDigitError`` naming the AI when the last digit of ``digits`` is wrong."""
    expected = compute_check_digit(digits[:-1])
    if int(digits[-1]) != expected:
        prefix = f"AI ({ai}) {name}" if ai else name
        raise CheckDigitError(
            f"{prefix}: check digit is {digits[-1]}, expected {expected}",
            ai=ai,
            found=digits[-1],
            expected=str(expected),
        )


def _validate_key(value: str, *, ai: str, name: str, lengths: tuple[int, ...]) -> str:
    if not isinstance(value, str) or not is_digits(value):
        raise GS1Error(f"AI ({ai}) {name}: {value!r} must contain digits only", code="bad_charset", ai=ai)
    if len(value) not in lengths:
        allowed = ", ".join(str(n) for n in lengths)
        code = "too_short" if len(value) < min(lengths) else "too_long" if len(value) > max(lengths) else "bad_format"
        raise GS1Error(f"AI ({ai}) {name}: has {len(value)} digits, must have {allowed}", code=code, ai=ai)
    verify_check_digit(value, ai=ai, name=name)
    _dictionary_check(ai, value.zfill(14) if ai == "01" else value)
    return value


def _dictionary_check(ai: str, value: str) -> None:
    """The key also passes every linter the dictionary names for its AI (csum, gcppos1/gcppos2), so a key typed
    into master data or uploaded by a handheld meets the rules a scanned one does."""
    from .ai import lookup  # check_digit is imported by the linters; the element checks come in at call time
    from .element import validate_value

    validate_value(lookup(ai), value)


def validate_gtin(s: str) -> str:
    """Validate a GTIN-8/12/13/14 and return it as a GTIN-14 (left-padded with zeros)."""
    return _validate_key(s, ai="01", name="GTIN", lengths=_GTIN_LENGTHS).zfill(14)


def gtin14(s: str | int) -> str:
    """Normalise any valid GTIN (string, or int that lost its leading zeros) to 14 digits."""
    if isinstance(s, int) and not isinstance(s, bool):
        s = str(s)
        if len(s) < 14:
            s = s.zfill(14)
    return validate_gtin(s)


def validate_sscc(s: str) -> str:
    """Validate an 18-digit SSCC (AI 00) and return it."""
    return _validate_key(s, ai="00", name="SSCC", lengths=(18,))


def validate_gln(s: str) -> str:
    """Validate a 13-digit GLN (AI 414 and friends) and return it."""
    return _validate_key(s, ai="414", name="GLN", lengths=(13,))


def validate_gsin(s: str) -> str:
    """Validate a 17-digit GSIN (AI 402) and return it."""
    return _validate_key(s, ai="402", name="GSIN", lengths=(17,))


def validate_grai(s: str) -> str:
    """Validate a GRAI (AI 8003 value: '0' + 13-digit asset type with check digit + optional serial)."""
    if not isinstance(s, str) or len(s) < 14:
        raise GS1Error(f"AI (8003) GRAI: {s!r} is shorter than 14 characters", code="too_short", ai="8003")
    if len(s) > 30:
        raise GS1Error(f"AI (8003) GRAI: has {len(s)} characters, at most 30 allowed", code="too_long", ai="8003")
    _validate_key(s[:14], ai="8003", name="GRAI", lengths=(14,))
    _dictionary_check("8003", s)
    return s


def compute_gmn_check_pair(body: str) -> str:
    """GMN (AI 8013) check character pair: prime-weighted CSET 82 values mod 1021, as two CSET 32 chars."""
    if not 1 <= len(body) <= len(_GMN_PRIMES):
        raise GS1Error(
            f"AI (8013) GMN: body must have 1 to 23 characters, got {len(body)}", code="bad_format", ai="8013"
        )
    total = 0
    # The rightmost body character gets weight 2, the one before 3, then 5, 7, 11, ...
    for weight, ch in zip(_GMN_PRIMES, reversed(body), strict=False):
        value = _CSET82_ORDER.find(ch)
        if value < 0:
            raise GS1Error(f"AI (8013) GMN: character {ch!r} is not in GS1 CSET 82", code="bad_charset", ai="8013")
        total += value * weight
    total %= 1021
    return _CSET32_ORDER[total // 32] + _CSET32_ORDER[total % 32]


def is_valid_gmn(gmn: str) -> bool:
    """True if the last two characters of ``gmn`` are its correct check character pair."""
    if not isinstance(gmn, str) or not 3 <= len(gmn) <= 25:
        return False
    try:
        return compute_gmn_check_pair(gmn[:-2]) == gmn[-2:]
    except GS1Error:
        return False

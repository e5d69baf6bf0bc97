"""Exceptions raised by the GS1 toolkit; each carries a stable machine-readable ``code``."""

from __future__ import annotations

from typing import Any

#: Every ``GS1Error.code`` this package can raise.
ERROR_CODES: frozenset[str] = frozenset(
    {
        "not_gs1",  # the text is not GS1 data at all (plain text, non-GS1 symbology)
        "unknown_ai",  # digits that are not a known Application Identifier
        "too_short",  # value (or one of its components) shorter than the AI allows (also: truncated data)
        "too_long",  # value longer than the AI allows (in raw data: often a missing GS)
        "bad_charset",  # a character outside the AI component's character set (also bad CSET 64 padding)
        "bad_format",  # structurally malformed input (brackets, empty fields, wrong key length...)
        "bad_check_digit",  # mod-10 check digit / GMN check pair mismatch
        "bad_date",  # impossible date or time in a date AI
        "missing_gs",  # fixed-length AI that needs a GS separator is directly followed by data
        "conflicting_ai",  # the same AI twice with different values
        "duplicate_ai",  # the same AI twice in a Digital Link URI
        "invalid_pair",  # two AIs that must not appear together (dictionary ex=, Gen Specs 4.14.1)
        "missing_ai",  # an AI used without the AI it requires (dictionary req=, Gen Specs 4.14.2)
        "key_not_serialised",  # (8030) digital signature with a key that lacks its serial component
        "bad_uri",  # malformed or non-conformant GS1 Digital Link URI
        # Linters named by the GS1 Barcode Syntax Dictionary:
        "bad_company_prefix",  # gcppos1/gcppos2: no GS1 Company Prefix where one must start
        "company_prefix_unavailable",  # gcppos1: the caller's GCP lookup is offline
        "needs_non_digit",  # hasnondigit: an all-digit value where a non-digit is required (8014)
        "not_hyphen",  # hyphen: only '-' allowed (4330-4333 negative sign)
        "bad_iban_checksum",  # iban: the IBAN check characters are wrong
        "bad_country",  # iso3166 / iso3166999 / iso3166alpha2 (also the IBAN country)
        "bad_currency",  # iso4217
        "bad_importer_index",  # importeridx (7040)
        "bad_sex_code",  # iso5218 (7252)
        "bad_coordinate",  # latitude / longitude (4309)
        "bad_media_type",  # mediatype (7241)
        "bad_package_type",  # packagetype (7041)
        "zero_value",  # nonzero: an all-zero value where it must not be (8001)
        "not_zero",  # zero: a value that must be all zeros (8003)
        "zero_prefix",  # nozeroprefix / posinseqslash: a number starting with 0
        "bad_percent_encoding",  # pcenc: '%' not followed by two hex digits
        "bad_piece_of_total",  # pieceoftotal: piece and total of unequal length
        "zero_piece",  # pieceoftotal: piece number 0
        "zero_total",  # pieceoftotal: total 0
        "piece_over_total",  # pieceoftotal: piece number above the total
        "bad_sequence",  # posinseqslash: not "<position>/<end>"
        "position_over_end",  # posinseqslash: position above the end
        "bad_winding",  # winding (8001): not 0, 1 or 9
        "not_yes_no",  # yesno: not 0 or 1
        "coupon_missing",  # couponcode / couponposoffer: a field is missing
        "coupon_bad_value",  # ... a field has a value it may not have
        "coupon_truncated",  # ... a field is shorter than its length indicator says
        "coupon_excess",  # ... data left over after the last recognised field
        "coupon_dates_reversed",  # ... the expiration date precedes the start date
    }
)


class GS1Error(ValueError):
    """Invalid GS1 data.

    ``code`` is stable, ``ai`` names the AI involved, ``position`` is the offset in the scanned text (for an
    element: where its AI starts), ``offset`` the offset of the fault inside the AI's value, and ``params`` the
    values a translated message needs (every message key is ``gs1.<code>``).
    """

    def __init__(
        self,
        message: str,
        *,
        code: str,
        ai: str | None = None,
        position: int | None = None,
        offset: int | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.ai = ai
        self.position = position
        self.offset = offset
        self.params = params or {}

    def __str__(self) -> str:
        if self.position is None:
            return self.message
        return f"{self.message} (at position {self.position})"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, ai={self.ai!r}, position={self.position!r}, {self.message!r})"
        )


class CheckDigitError(GS1Error):
    """A check digit (or GMN check character pair) does not match; ``found``/``expected`` hold both."""

    def __init__(
        self,
        message: str,
        *,
        ai: str | None,
        found: str,
        expected: str,
        position: int | None = None,
        offset: int | None = None,
    ) -> None:
        super().__init__(message, code="bad_check_digit", ai=ai, position=position, offset=offset,
                         params={"found": found, "expected": expected})
        self.found = found
        self.expected = expected


class DigitalLinkError(GS1Error):
    """A GS1 Digital Link URI is malformed or breaks the Digital Link structure rules."""

    def __init__(self, message: str, *, code: str = "bad_uri", ai: str | None = None,
                 position: int | None = None) -> None:
        super().__init__(message, code=code, ai=ai, position=position, params={"detail": message})


class NotGS1Error(GS1Error):
    """The input is not GS1 data at all; callers may fall back to plain-code lookups."""

    def __init__(self, message: str, *, position: int | None = None) -> None:
        super().__init__(message, code="not_gs1", position=position)

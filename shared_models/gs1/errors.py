"""Exceptions raised by the GS1 toolkit; each carries a stable machine-readable ``code``."""

from __future__ import annotations

#: Every ``GS1Error.code`` this package can raise.
ERROR_CODES: frozenset[str] = frozenset(
    {
        "not_gs1",  # the text is not GS1 data at all (plain text, non-GS1 symbology)
        "unknown_ai",  # digits that are not a known Application Identifier
        "too_short",  # value shorter than the AI allows (also: truncated data)
        "too_long",  # value longer than the AI allows (in raw data: often a missing GS)
        "bad_charset",  # a character outside the AI's character set
        "bad_format",  # structurally malformed input (brackets, empty fields, wrong key length...)
        "bad_check_digit",  # mod-10 check digit / GMN check pair mismatch
        "bad_date",  # impossible date or time in a date AI
        "missing_gs",  # fixed-length AI that needs a GS separator is directly followed by data
        "conflicting_ai",  # the same AI twice with different values
        "duplicate_ai",  # the same AI twice in a Digital Link URI
        "invalid_pair",  # two AIs that must not appear together (Gen Specs 4.14.1)
        "missing_ai",  # an AI used without the AI it requires (Gen Specs 4.14.2)
        "bad_uri",  # malformed or non-conformant GS1 Digital Link URI
    }
)


class GS1Error(ValueError):
    """Invalid GS1 data. ``code`` is stable, ``ai`` names the AI involved, ``position`` the offset."""

    def __init__(self, message: str, *, code: str, ai: str | None = None, position: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.ai = ai
        self.position = position

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

    def __init__(self, message: str, *, ai: str | None, found: str, expected: str, position: int | None = None) -> None:
        super().__init__(message, code="bad_check_digit", ai=ai, position=position)
        self.found = found
        self.expected = expected


class DigitalLinkError(GS1Error):
    """A GS1 Digital Link URI is malformed or breaks the Digital Link structure rules."""

    def __init__(self, message: str, *, code: str = "bad_uri", ai: str | None = None) -> None:
        super().__init__(message, code=code, ai=ai)


class NotGS1Error(GS1Error):
    """The input is not GS1 data at all; callers may fall back to plain-code lookups."""

    def __init__(self, message: str, *, position: int | None = None) -> None:
        super().__init__(message, code="not_gs1", position=position)

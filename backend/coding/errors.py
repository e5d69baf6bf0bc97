"""Errors of coding: rules that cannot number, numbers that ran out or were taken, keys that cannot sign."""

from __future__ import annotations

from backend.errors import Conflict, DomainError, InvalidInput


class PatternError(ValueError):
    """A pattern that cannot make unique numbers, or input it cannot render; the message says which part. Raised
    by the pure renderer (backend/coding/pattern.py); the service reports it as InvalidRule."""


class InvalidRule(InvalidInput):
    code = "invalid_numbering_rule"


class NoNumberingRule(InvalidInput):
    code = "no_numbering_rule"

    def __init__(self, kind: str, where: str) -> None:
        super().__init__(f"No active numbering rule makes {kind} numbers for {where}; set one up under coding rules.",
                         kind=kind)


class RuleExists(Conflict):
    code = "numbering_rule_exists"


class StaleRule(Conflict):
    code = "stale_version"

    def __init__(self, code: str, current: int, expected: int) -> None:
        super().__init__(f"Numbering rule {code} is now at version {current}, not {expected}: someone changed it "
                         "meanwhile. Reload it and apply your change again.", current_version=current,
                         expected_version=expected)


class NumbersUsedUp(Conflict):
    code = "numbers_used_up"

    def __init__(self, rule: str, period: str, width: int) -> None:
        when = f" in period {period}" if period else ""
        super().__init__(f"Numbering rule {rule} has used every {width}-digit sequence value{when}; widen the "
                         "sequence or add a date part that resets it.", rule=rule, period=period)


class NumberTaken(Conflict):
    """A gap-free rule rendered a number already handed out (its pattern was edited into an older one's numbers);
    skipping it would leave a gap, so the allocation stops."""

    code = "number_taken"


class NoOfflineBlocks(Conflict):
    code = "gap_free_rule"

    def __init__(self, rule: str) -> None:
        super().__init__(f"Numbering rule {rule} is gap-free: its numbers are taken only by the transaction that uses "
                         "them, so none can be reserved for a handheld to use offline.", rule=rule)


class BlockOverused(InvalidInput):
    code = "block_overused"


class NoSigningKey(Conflict):
    code = "no_signing_key"

    def __init__(self) -> None:
        super().__init__("There is no active code-signing key: create one (rotate) before signing codes.")


class SigningKeyMissing(DomainError):
    """The database names a key whose private half is not in this server's data folder."""

    status_code = 503
    code = "signing_key_missing"


class NotSignable(InvalidInput):
    code = "not_signable"


__all__ = [
    "BlockOverused", "InvalidRule", "NoNumberingRule", "NoOfflineBlocks", "NoSigningKey",
    "NotSignable", "NumberTaken", "NumbersUsedUp", "PatternError", "RuleExists", "SigningKeyMissing", "StaleRule",
]

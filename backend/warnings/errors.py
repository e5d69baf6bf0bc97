"""Errors of warning rules, warnings and their deliveries (base classes in backend/errors.py)."""

from __future__ import annotations

from backend.errors import Conflict, InvalidInput


class RuleMisconfigured(InvalidInput):
    code = "rule_misconfigured"


class WarningNotLive(Conflict):
    code = "warning_not_live"


class DeliveryFailed(Exception):
    """One attempt at a notification failed; `permanent` when trying again cannot help (the configuration is
    missing). Kept on the notification's row, never shown to an API caller."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent

"""Errors of code resolution: a scan that names several units, or one that cannot be read."""

from __future__ import annotations

from backend.errors import Conflict, InvalidInput


class AmbiguousCode(Conflict):
    code = "ambiguous_code"


class UnreadableCode(InvalidInput):
    code = "unreadable_code"

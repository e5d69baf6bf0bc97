"""Why a field check was refused."""

from __future__ import annotations

from backend.errors import InvalidInput


class NotAUnitCode(InvalidInput):
    code = "not_a_unit_code"


class NoRegion(InvalidInput):
    code = "verify_region_required"

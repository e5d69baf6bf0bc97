"""Errors of master-data maintenance."""

from __future__ import annotations

from typing import TypedDict

from backend.errors import Conflict, InvalidInput
from shared_models.enums import BomStatus


class AlreadyExists(Conflict):
    code = "already_exists"

    def __init__(self, what: str, field: str, value: str) -> None:
        super().__init__(f"{field} '{value}' is already used by another {what}.", what=what, field=field,
                         value=value)


class UnknownReference(InvalidInput):
    code = "unknown_reference"

    def __init__(self, what: str, field: str, value: str) -> None:
        super().__init__(f"{field}: no {what} '{value}'.", what=what, field=field, value=value)


class StaleVersion(Conflict):
    code = "stale_version"

    def __init__(self, what: str, key: str, current: int, expected: int) -> None:
        super().__init__(f"{what.capitalize()} {key} is now at version {current}, not {expected}: someone changed it "
                         f"meanwhile. Reload it and apply your change again.",
                         what=what, key=key, current_version=current, expected_version=expected)


class InvalidLocationTree(InvalidInput):
    code = "invalid_location_tree"


class BomReleased(Conflict):
    code = "bom_released"

    def __init__(self, part_no: str, version: int, status: BomStatus) -> None:
        super().__init__(f"BOM {part_no} v{version} is {status.value} and can no longer change; "
                         f"create a new version instead.", item=part_no, version=version, status=status.value)


class BomSuperseded(Conflict):
    code = "bom_superseded"

    def __init__(self, part_no: str, version: int) -> None:
        super().__init__(f"BOM {part_no} v{version} was superseded; create a new version instead of releasing it "
                         f"again.", item=part_no, version=version)


class BomCycle(InvalidInput):
    code = "bom_cycle"


class InvalidBomLines(InvalidInput):
    code = "invalid_bom_lines"


class WriteConflict(Conflict):
    """The database refused a write the checks let through: usually a concurrent edit of the same code."""

    code = "write_conflict"


class RowError(TypedDict):
    line: int            # 1-based line of the file, the header included
    column: str | None
    message: str


class CsvRejected(InvalidInput):
    """Nothing of the file was written; `context["errors"]` lists every problem found, by line."""

    code = "csv_rejected"

    def __init__(self, errors: list[RowError]) -> None:
        first = errors[0]
        super().__init__(f"Nothing was imported: {len(errors)} problem(s) in the file; the first, on line "
                         f"{first['line']}: {first['message']}", errors=errors)

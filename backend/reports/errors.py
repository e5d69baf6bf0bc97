"""Errors of the report engine: a definition or a filter that names what is wrong, a report not found, a stale edit."""

from __future__ import annotations

from backend.errors import Conflict, Forbidden, InvalidInput, NotFound


class InvalidReport(InvalidInput):
    """A definition or run request the engine cannot run; `field` names the part that is wrong."""

    code = "invalid_report"

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(f"{field}: {detail}", field=field)


class UnknownReport(NotFound):
    code = "unknown_report"

    def __init__(self, code: str) -> None:
        super().__init__("report", code)


class ReportExists(Conflict):
    code = "report_exists"

    def __init__(self, code: str) -> None:
        super().__init__(f"A report with code {code} exists already; edit it instead (that makes a new version).",
                         report=code)


class StaleReport(Conflict):
    code = "stale_version"

    def __init__(self, code: str, current: int, expected: int) -> None:
        super().__init__(f"Report {code} is now at version {current}, not {expected}: someone changed it meanwhile. "
                         "Reload it and apply your change again.", current_version=current, expected_version=expected)


class DatasetNotInScope(Forbidden):
    code = "dataset_not_in_scope"

    def __init__(self, dataset: str) -> None:
        super().__init__(f"Dataset {dataset} is plant-wide; a distributor's account sees only the units shipped to it "
                         "(datasets: events, units, stock, shipments).", dataset=dataset)


__all__ = ["DatasetNotInScope", "InvalidReport", "ReportExists", "StaleReport", "UnknownReport"]

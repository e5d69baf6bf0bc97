"""Errors of stock and event capture."""

from __future__ import annotations

from backend.errors import Conflict, InvalidInput
from shared_models.gates import Violation


class InsufficientStock(Conflict):
    code = "insufficient_stock"

    def __init__(self, unit_code: str, location_code: str, on_hand: float, requested: float) -> None:
        super().__init__(
            f"{unit_code} has {on_hand:g} on hand at {location_code}; {requested:g} requested.",
            unit=unit_code, location=location_code, on_hand=on_hand, requested=requested)


class EventIdReused(Conflict):
    code = "event_id_reused"

    def __init__(self, event_id: str) -> None:
        super().__init__(f"Event id {event_id} was already used for a different event; make a new UUID.",
                         event_id=event_id)


class GateViolated(Conflict):
    code = "gate_violated"

    def __init__(self, action: str, violations: list[Violation]) -> None:
        reasons = "; ".join(v.reason for v in violations)
        super().__init__(f"Cannot {action}: {reasons}.", rules=[v.rule for v in violations],
                         reasons=[v.reason for v in violations])


class UnitExists(Conflict):
    code = "unit_exists"

    def __init__(self, unit_code: str) -> None:
        super().__init__(f"{unit_code} already exists; a unit is created only once.", unit=unit_code)


class WrongTracking(InvalidInput):
    code = "wrong_tracking"


class GenealogyCycle(Conflict):
    code = "genealogy_cycle"

    def __init__(self, output_code: str, input_code: str) -> None:
        super().__init__(f"{output_code} is already an ancestor of {input_code}; that would make a cycle.",
                         output=output_code, input=input_code)


class SiteMismatch(InvalidInput):
    code = "site_mismatch"


class IllegalTransition(Conflict):
    code = "illegal_transition"


class QtyBelowPrecision(InvalidInput):
    code = "qty_below_precision"

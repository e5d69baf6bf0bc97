"""Errors of recall cases: a step the case's state forbids, a return that does not belong, units still out."""

from __future__ import annotations

from backend.errors import Conflict, InvalidInput
from backend.recall.models import RecallCase
from backend.recall.states import allowed_actions


class RecallStateConflict(Conflict):
    code = "recall_state"

    def __init__(self, case: RecallCase, action: str) -> None:
        allowed = allowed_actions(case.state)
        super().__init__(f"Recall {case.code} is {case.state.value}; it cannot {action.replace('_', ' ')} "
                         f"(allowed now: {', '.join(allowed) or 'nothing, it is closed'}).",
                         state=case.state.value, allowed=allowed)


class NotInRecall(InvalidInput):
    code = "not_in_recall"


class AlreadyReturned(Conflict):
    code = "already_returned"


class OutstandingUnits(Conflict):
    code = "recall_outstanding"


__all__ = ["AlreadyReturned", "NotInRecall", "OutstandingUnits", "RecallStateConflict"]

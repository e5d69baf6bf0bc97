"""A recall case's state machine: which action may start from which state, and where it leads (never back)."""

from __future__ import annotations

from shared_models.enums import RecallState

S = RecallState
ORDER = [S.OPEN, S.BLOCKING, S.NOTIFYING, S.TRACKING, S.CLOSED]
# action → states it may start from, and the state it leads to (a case never moves back).
ACTIONS: dict[str, tuple[frozenset[RecallState], RecallState]] = {
    "block": (frozenset({S.OPEN, S.BLOCKING}), S.BLOCKING),
    "notify": (frozenset({S.BLOCKING, S.NOTIFYING, S.TRACKING, S.CLOSED}), S.NOTIFYING),
    "record_return": (frozenset({S.NOTIFYING, S.TRACKING}), S.TRACKING),
    "close": (frozenset({S.OPEN, S.BLOCKING, S.NOTIFYING, S.TRACKING}), S.CLOSED),
}


def allowed_actions(state: RecallState) -> list[str]:
    return [a for a, (sources, _) in ACTIONS.items() if state in sources]


def may(state: RecallState, action: str) -> bool:
    return state in ACTIONS[action][0]


def state_after(state: RecallState, action: str) -> RecallState:
    """The state a case is in after `action`: its target, or `state` when the case is past it already
    (notifying again from tracking or closed keeps the later state)."""
    target = ACTIONS[action][1]
    return target if ORDER.index(target) > ORDER.index(state) else state


__all__ = ["ACTIONS", "ORDER", "allowed_actions", "may", "state_after"]

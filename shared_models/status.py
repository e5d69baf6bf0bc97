"""The unit status state machine: which action may move a unit from which status, and who may do it.

Pure data and functions, so the handheld refuses offline exactly what the server would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared_models.enums import Role, StatusAction, UnitStatus

S = UnitStatus
LIVE = (S.QUARANTINE, S.RELEASED, S.ON_HOLD, S.BLOCKED)


@dataclass(frozen=True, slots=True)
class StatusRule:
    action: StatusAction
    sources: tuple[UnitStatus, ...]
    target: UnitStatus
    roles: tuple[Role, ...]
    cbv_disposition: str


RULES: dict[StatusAction, StatusRule] = {r.action: r for r in (
    StatusRule(StatusAction.HOLD, (S.QUARANTINE, S.RELEASED), S.ON_HOLD,
               (Role.QA_MANAGER, Role.INSPECTOR), "non_sellable_other"),
    StatusRule(StatusAction.RELEASE, (S.QUARANTINE, S.ON_HOLD, S.BLOCKED), S.RELEASED,
               (Role.QA_MANAGER,), "available"),
    StatusRule(StatusAction.BLOCK, (S.QUARANTINE, S.RELEASED, S.ON_HOLD), S.BLOCKED,
               (Role.QA_MANAGER,), "non_sellable_other"),
    StatusRule(StatusAction.RECALL, LIVE, S.RECALLED, (Role.QA_MANAGER,), "recalled"),
    StatusRule(StatusAction.SCRAP, (*LIVE, S.RECALLED), S.SCRAPPED, (Role.QA_MANAGER,), "destroyed"),
)}


class IllegalStatusChange(ValueError):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def check_status_change(code: str, current: UnitStatus, action: StatusAction, role: Role) -> StatusRule:
    """The rule that applies, or IllegalStatusChange saying why not (and what is allowed)."""
    rule = RULES[action]
    if role is not Role.ADMIN and role not in rule.roles:
        who = ", ".join(r.value for r in rule.roles)
        raise IllegalStatusChange(f"Role {role.value} may not {action.value} units; {who} may.", "role_not_allowed")
    if current not in rule.sources:
        allowed = [a.value for a, r in RULES.items() if current in r.sources]
        options = ", ".join(allowed) if allowed else "nothing: it is final"
        raise IllegalStatusChange(f"{code} is {current.value}; it cannot {action.value} (allowed: {options}).",
                                  "illegal_transition")
    return rule

"""Gate rules as pure functions: the handheld runs them on its replica, the backend at capture."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shared_models.enums import UnitStatus

NOT_PICKABLE: dict[UnitStatus, str] = {
    UnitStatus.QUARANTINE: "is in quarantine awaiting inspection",
    UnitStatus.ON_HOLD: "is on hold",
    UnitStatus.BLOCKED: "is blocked",
    UnitStatus.RECALLED: "is recalled",
    UnitStatus.CONSUMED: "has been consumed",
    UnitStatus.SHIPPED: "has shipped",
    UnitStatus.SCRAPPED: "has been scrapped",
}

GONE: frozenset[UnitStatus] = frozenset({UnitStatus.CONSUMED, UnitStatus.SHIPPED, UnitStatus.SCRAPPED})


@dataclass(frozen=True, slots=True)
class Violation:
    rule: str
    reason: str


def check_release_for_use(code: str, status: UnitStatus, expires_on: date | None, today: date) -> list[Violation]:
    """Pick, ship and consume need a released, unexpired unit."""
    found: list[Violation] = []
    if status in NOT_PICKABLE:
        found.append(Violation(f"status_{status.value}", f"{code} {NOT_PICKABLE[status]}"))
    if expires_on is not None and expires_on < today:
        found.append(Violation("expired", f"{code} expired on {expires_on.isoformat()}"))
    return found


def check_movable(code: str, status: UnitStatus) -> list[Violation]:
    """Moves inside the warehouse are allowed for held stock (it may go to a quarantine bin), not for gone units."""
    if status in GONE:
        return [Violation(f"status_{status.value}", f"{code} {NOT_PICKABLE[status]}")]
    return []


def as_attributes(violations: list[Violation]) -> dict[str, object]:
    """How violations recorded offline are kept on the event they did not stop."""
    if not violations:
        return {}
    return {"gate_violations": [{"rule": v.rule, "reason": v.reason} for v in violations]}

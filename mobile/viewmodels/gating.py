"""Gates on the handheld: the same pure checks and rules as the backend, fed from the replica."""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path

import yaml

from mobile.i18n import Msg, catalogue
from mobile.viewmodels.replica import Replica, Row, as_date
from shared_models.enums import UnitStatus
from shared_models.gates import GateContext, GateRuleData, Violation, evaluate, rules_from_entries

GATES_FILE = Path(__file__).resolve().parents[2] / "assets" / "gates.yaml"


@cache
def shipped_rules(path: Path = GATES_FILE) -> tuple[GateRuleData, ...]:
    """The gate rules Lotline ships (assets/gates.yaml): what the backend seeds its gate_rule table with."""
    return rules_from_entries(yaml.safe_load(path.read_text(encoding="utf-8"))["rules"], path.name)


def violation_msg(v: Violation, unit_code: str, expires_on: date | None) -> Msg:
    """One refusal in the worker's words; each rule has its own string in both languages."""
    key = f"gate.{v.rule}"
    if key in catalogue("en"):
        return Msg.of(key, unit=unit_code, date=expires_on.isoformat() if expires_on else "")
    return Msg.of("gate.other", unit=unit_code, reason=v.reason)


class Gates:
    def __init__(self, replica: Replica, rules: tuple[GateRuleData, ...] | None = None) -> None:
        self.replica = replica
        self.rules = list(rules if rules is not None else shipped_rules())

    def check(self, action: str, unit: Row, today: date, *, target: Row | None = None) -> list[Msg]:
        """Why `action` may not be done to `unit` (and, for a container, to what it holds); [] when it may."""
        found: list[Msg] = []
        units = [unit]
        if unit.get("kind") == "container":
            units += self.replica.contents(unit["id"])
        for u in units:
            expires_on = as_date(u.get("expires_on"))
            item = self.replica.by_id("item", u.get("item_id")) or {}
            ctx = GateContext(today=today, action=action, unit=u["code"],
                              status=UnitStatus(u["status"]) if u.get("status") else None, expires_on=expires_on,
                              needs_iqc=bool(item.get("needs_iqc")) and bool(u.get("supplier_id")),
                              target_location=target["code"] if target else None,
                              target_location_kind=target.get("kind") if target else None)
            for v in evaluate(self.rules, action, ctx):
                msg = violation_msg(v, u["code"], expires_on)
                if msg not in found:
                    found.append(msg)
        return found

"""Gates as data, one vocabulary for both ends: the action names, named pure checks, and rules that say which
actions run which check with what parameters.

The handheld fills a `GateContext` from its replica and calls `evaluate` with the rules it holds; the backend
fills the same context from the database (backend/gates) and keeps the violations an offline capture recorded on
its event (`as_attributes`). No I/O here.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from fnmatch import fnmatchcase
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared_models.enums import InspectionStage, LocationKind, UnitStatus

ACTIONS = frozenset({"receive_to_stock", "move", "pick", "ship", "consume", "operation_report"})

NOT_PICKABLE: dict[UnitStatus, str] = {
    UnitStatus.QUARANTINE: "is in quarantine awaiting inspection",
    UnitStatus.ON_HOLD: "is on hold",
    UnitStatus.BLOCKED: "is blocked",
    UnitStatus.RECALLED: "is recalled",
    UnitStatus.CONSUMED: "has been consumed",
    UnitStatus.SHIPPED: "has shipped",
    UnitStatus.SCRAPPED: "has been scrapped",
}

NOT_USABLE_ZH: dict[UnitStatus, str] = {
    UnitStatus.QUARANTINE: "处于待检隔离状态",
    UnitStatus.ON_HOLD: "已冻结",
    UnitStatus.BLOCKED: "已封存",
    UnitStatus.RECALLED: "已召回",
    UnitStatus.CONSUMED: "已消耗",
    UnitStatus.SHIPPED: "已发货",
    UnitStatus.SCRAPPED: "已报废",
}

GONE: frozenset[UnitStatus] = frozenset({UnitStatus.CONSUMED, UnitStatus.SHIPPED, UnitStatus.SCRAPPED})


@dataclass(frozen=True, slots=True)
class Violation:
    rule: str
    reason: str


@dataclass(frozen=True, slots=True)
class GateViolation(Violation):
    """A violation with the rule (gate) that found it, its Chinese message and the facts its messages use.
    `rule` stays the specific finding (e.g. status_on_hold), as events recorded offline keep it."""

    gate: str = ""
    reason_zh: str = ""
    facts: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(slots=True)
class GateContext:
    """What a gate may look at, filled by the caller. Unknown facts keep their neutral defaults."""

    today: date
    action: str = ""
    unit: str = ""
    status: UnitStatus | None = None
    expires_on: date | None = None
    needs_iqc: bool = False                  # the item needs IQC and this unit came from a supplier
    has_oqc_plan: bool = False               # an active OQC plan covers the unit's item
    passed_stages: frozenset[str] = frozenset()  # stages whose latest inspection of the unit (or its lot) passed
    target_location: str | None = None
    target_location_kind: str | None = None
    work_order: str | None = None
    operation_seq: int | None = None
    previous_seq: int | None = None          # the route's operation before operation_seq; None for the first
    good_by_seq: Mapping[int, float] = field(default_factory=dict)  # good qty reported so far per operation


@dataclass(frozen=True, slots=True)
class GateRuleData:
    """A gate rule as plain data: from assets/gates.yaml, the gate_rule table or the handheld's replica."""

    code: str
    actions: tuple[str, ...]
    check: str
    params: Mapping[str, Any] = field(default_factory=dict)
    enabled: bool = True
    message_en: str = ""
    message_zh: str = ""


def rules_from_entries(entries: Sequence[Mapping[str, Any]], source: str = "gates.yaml") -> tuple[GateRuleData, ...]:
    """The rules of assets/gates.yaml's `rules` list, as the backend seeds them and the handheld checks them.
    Raises ValueError naming the rule that is wrong (a missing key; the checks themselves are validated where a
    rule is stored)."""
    rules = []
    for entry in entries:
        try:
            rules.append(GateRuleData(
                code=entry["code"], actions=tuple(entry["actions"]), check=entry["check"],
                params=entry.get("params") or {}, enabled=bool(entry.get("enabled", True)),
                message_en=entry.get("message_en", ""), message_zh=entry.get("message_zh", "")))
        except (KeyError, TypeError) as exc:
            raise ValueError(f"{source}, rule {entry.get('code', '?')}: missing or wrong {exc}") from exc
    return tuple(rules)


class UnknownCheck(LookupError):
    def __init__(self, rule: str, check: str) -> None:
        super().__init__(f"Gate rule {rule} names check '{check}', which does not exist; "
                         f"known checks: {', '.join(sorted(CHECKS))}.")


# -- parameters, one model per check: defaults live here, unknown keys are refused ---------------------------------
class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UnitUsableParams(_Params):
    statuses: list[UnitStatus] = Field(default_factory=lambda: list(NOT_PICKABLE))
    check_expiry: bool = True


class IqcParams(_Params):
    accept_qa_release: bool = True          # a QA release out of quarantine counts as the usage decision
    stock_location_kinds: list[LocationKind] = Field(default_factory=list)  # empty: any kind
    stock_locations: list[str] = Field(default_factory=list)  # code patterns (fnmatch); none: moves unchecked


class PreviousOperationParams(_Params):
    min_good_qty: float = Field(default=1.0, ge=0)


class OqcParams(_Params):
    always: bool = False                    # true: every shipment needs an OQC pass, plan or not


# -- the checks ------------------------------------------------------------------------------------------------
def unit_usable(ctx: GateContext, params: dict[str, Any]) -> list[Violation]:
    found: list[Violation] = []
    status = ctx.status
    if status is not None and status in params["statuses"]:
        found.append(GateViolation(f"status_{status.value}", f"{ctx.unit} {NOT_PICKABLE[status]}", facts={
            "unit": ctx.unit, "status": status.value, "problem": NOT_PICKABLE[status],
            "problem_zh": NOT_USABLE_ZH[status]}))
    if params["check_expiry"] and ctx.expires_on is not None and ctx.expires_on < ctx.today:
        when = ctx.expires_on.isoformat()
        found.append(GateViolation("expired", f"{ctx.unit} expired on {when}", facts={
            "unit": ctx.unit, "status": status.value if status else "", "problem": f"expired on {when}",
            "problem_zh": f"已于 {when} 过期"}))
    return found


def iqc_passed_before_stock(ctx: GateContext, params: dict[str, Any]) -> list[Violation]:
    if not ctx.needs_iqc or InspectionStage.IQC.value in ctx.passed_stages:
        return []
    if params["accept_qa_release"] and ctx.status not in (None, UnitStatus.QUARANTINE):
        return []
    if ctx.action in ("move", "receive_to_stock") and not _is_stock(ctx, params):
        return []
    return [GateViolation("iqc_not_passed", f"{ctx.unit} has not passed incoming inspection", facts={
        "unit": ctx.unit, "action": ctx.action, "location": ctx.target_location or ""})]


def _is_stock(ctx: GateContext, params: dict[str, Any]) -> bool:
    patterns: list[str] = params["stock_locations"]
    kinds: list[LocationKind] = params["stock_location_kinds"]
    if ctx.target_location is None or not patterns:
        return False
    if kinds and ctx.target_location_kind not in kinds:
        return False
    return any(fnmatchcase(ctx.target_location, p) for p in patterns)


def previous_operation_reported(ctx: GateContext, params: dict[str, Any]) -> list[Violation]:
    if ctx.operation_seq is None or ctx.previous_seq is None:
        return []
    minimum = params["min_good_qty"]
    good = ctx.good_by_seq.get(ctx.previous_seq)
    if good is not None and good >= minimum:
        return []
    return [GateViolation(
        "previous_operation_not_reported",
        f"operation {ctx.previous_seq} of {ctx.work_order} is not reported before operation {ctx.operation_seq}",
        facts={"work_order": ctx.work_order or "", "seq": ctx.operation_seq, "previous_seq": ctx.previous_seq,
               "min_good_qty": minimum, "good_qty": good or 0.0})]


def oqc_passed_before_ship(ctx: GateContext, params: dict[str, Any]) -> list[Violation]:
    if not ctx.unit or not (ctx.has_oqc_plan or params["always"]):
        return []
    if InspectionStage.OQC.value in ctx.passed_stages:
        return []
    return [GateViolation("oqc_not_passed", f"{ctx.unit} has not passed outgoing inspection",
                          facts={"unit": ctx.unit})]


@dataclass(frozen=True, slots=True)
class GateCheck:
    run: Callable[[GateContext, dict[str, Any]], list[Violation]]
    params: type[_Params]
    example: Mapping[str, Any]  # what a rule's messages may name, e.g. {unit}, with sample values

    def validated(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """The parameters with defaults filled in; raises ValueError naming what is wrong."""
        try:
            return self.params.model_validate(dict(params)).model_dump()
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'params'}: {e['msg']}"
                                 for e in exc.errors())
            raise ValueError(problems) from exc

    def check_message(self, template: str) -> None:
        """Raises ValueError when a message names a fact this check does not give, or cannot be filled in."""
        try:
            names = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
            unknown = [n for n in names if n not in self.example]
            if unknown:
                raise ValueError(f"unknown placeholder(s) {', '.join('{' + n + '}' for n in unknown)}; "
                                 f"this check gives {', '.join('{' + n + '}' for n in sorted(self.example))}")
            template.format_map(self.example)
        except (KeyError, IndexError) as exc:
            raise ValueError(f"cannot fill in the message: {exc}") from exc


CHECKS: dict[str, GateCheck] = {
    "unit_usable": GateCheck(unit_usable, UnitUsableParams, {
        "unit": "PCB-01/P1", "status": "on_hold", "problem": "is on hold", "problem_zh": "已冻结"}),
    "iqc_passed_before_stock": GateCheck(iqc_passed_before_stock, IqcParams, {
        "unit": "RESIN-01/R1", "action": "pick", "location": "S1-RM-01"}),
    "previous_operation_reported": GateCheck(previous_operation_reported, PreviousOperationParams, {
        "work_order": "WO-1", "seq": 20, "previous_seq": 10, "min_good_qty": 1.0, "good_qty": 0.0}),
    "oqc_passed_before_ship": GateCheck(oqc_passed_before_ship, OqcParams, {"unit": "MTR-01/M1"}),
}


def guards(rules: list[GateRuleData], action: str) -> bool:
    """Whether any enabled rule guards `action` (when none does, the facts need not be gathered)."""
    return any(r.enabled and action in r.actions for r in rules)


def evaluate(rules: list[GateRuleData], action: str, ctx: GateContext) -> list[Violation]:
    """Runs every enabled rule guarding `action`; each violation carries the rule's messages (en, zh).
    Raises UnknownCheck for a rule naming a check that does not exist: a gate is never skipped silently."""
    if ctx.action != action:
        ctx = replace(ctx, action=action)
    found: list[Violation] = []
    # Checks run in CHECKS order, so the most basic finding (the unit's own status) is named first.
    order = {name: n for n, name in enumerate(CHECKS)}
    for rule in sorted(rules, key=lambda r: (order.get(r.check, len(order)), r.code)):
        if not rule.enabled or action not in rule.actions:
            continue
        check = CHECKS.get(rule.check)
        if check is None:
            raise UnknownCheck(rule.code, rule.check)
        for v in check.run(ctx, check.validated(rule.params)):
            found.append(_worded(rule, v))
    return found


def _worded(rule: GateRuleData, v: Violation) -> GateViolation:
    facts = v.facts if isinstance(v, GateViolation) else {}
    return GateViolation(v.rule, rule.message_en.format_map(facts) if rule.message_en else v.reason,
                         gate=rule.code, reason_zh=rule.message_zh.format_map(facts) if rule.message_zh else "",
                         facts=facts)


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

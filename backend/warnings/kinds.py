"""预警规则 kinds: each kind's parameters, its evaluator and the events that can make it true; `evaluate` runs a
rule, `params_of` checks one."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from backend.warnings.errors import RuleMisconfigured
from backend.warnings.event_rules import clone, diversion, gate_violation_at_sync, stocktake_discrepancy, unknown_code
from backend.warnings.findings import Finding
from backend.warnings.inspection_rules import consecutive_failures, pass_rate_below
from backend.warnings.models import WarningRule
from backend.warnings.process_rules import param_out_of_spec
from backend.warnings.schemas import (
    Clone,
    ConsecutiveFailures,
    ExpiryWithin,
    FromEvents,
    ParamOutOfSpec,
    PassRateBelow,
    RuleParams,
    StocktakeDiscrepancy,
)
from backend.warnings.stock_rules import expiry_within
from shared_models.enums import EventType
from shared_models.types import utcnow

Evaluator = Callable[[Session, WarningRule, Any, Sequence[str] | None, datetime], list[Finding]]


@dataclass(frozen=True, slots=True)
class Kind:
    name: str
    params: type[RuleParams]
    run: Evaluator
    # Which committed events can make it true (the fast path), from their type and attributes; None: none can.
    triggered_by: Callable[[EventType, dict[str, Any]], bool] | None = None


def _of_type(*types: EventType) -> Callable[[EventType, dict[str, Any]], bool]:
    return lambda event_type, _attributes: event_type in types


KINDS: dict[str, Kind] = {k.name: k for k in (
    # An inspection that changes its unit's status records a DISPOSITION event in the same commit.
    Kind("consecutive_failures", ConsecutiveFailures, consecutive_failures, _of_type(EventType.DISPOSITION)),
    Kind("pass_rate_below", PassRateBelow, pass_rate_below, _of_type(EventType.DISPOSITION)),
    Kind("expiry_within", ExpiryWithin, expiry_within,
         _of_type(EventType.RECEIVE, EventType.PRODUCE, EventType.RETURN, EventType.COUNT)),
    Kind("param_out_of_spec", ParamOutOfSpec, param_out_of_spec),
    Kind("diversion", FromEvents, diversion, lambda t, a: t is EventType.VERIFY and "diversion" in a.get("flags", [])),
    Kind("clone", Clone, clone, lambda t, a: t is EventType.VERIFY and "suspected_clone" in a.get("flags", [])),
    Kind("unknown_code", FromEvents, unknown_code, lambda t, a: t is EventType.VERIFY and a.get("result") == "unknown"),
    Kind("stocktake_discrepancy", StocktakeDiscrepancy, stocktake_discrepancy, _of_type(EventType.COUNT)),
    Kind("gate_violation_at_sync", FromEvents, gate_violation_at_sync, lambda t, a: bool(a.get("gate_violations"))),
)}


def params_of(rule: WarningRule) -> RuleParams:
    """The rule's parameters with defaults filled in; raises RuleMisconfigured naming what is wrong."""
    kind = KINDS.get(rule.kind)
    if kind is None:
        raise RuleMisconfigured(f"Rule {rule.code}: kind '{rule.kind}' does not exist; known kinds: "
                                f"{', '.join(sorted(KINDS))}.")
    try:
        return kind.params.model_validate(rule.params or {})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'params'}: {e['msg']}" for e in exc.errors())
        raise RuleMisconfigured(f"Rule {rule.code} ({rule.kind}): {problems}.") from exc


def evaluate(session: Session, rule: WarningRule, event_ids: Sequence[str] | None = None, *,
             now: datetime | None = None) -> list[Finding]:
    """What the rule finds: over these events only (the fast path), or over recent data when event_ids is None.
    Raises RuleMisconfigured for a rule whose kind or parameters are wrong."""
    params = params_of(rule)
    kind = KINDS[rule.kind]
    if event_ids is not None and kind.triggered_by is None:
        return []
    return kind.run(session, rule, params, event_ids, now or utcnow())

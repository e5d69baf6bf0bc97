"""What an inspection found, as it is stored and told: its sampling, defects per code, per-sample results, the
summary sentence. Pure functions of the plan and the evaluated answers."""

from __future__ import annotations

from collections import Counter
from typing import Any

from backend.quality.errors import InvalidPlan
from backend.quality.models import InspectionPlan
from shared_models.quality import InspectionOutcome, SamplingError, SamplingPlan, sampling_plan
from shared_models.quality.commands import RecordInspection


def sampling_for(plan: InspectionPlan, lot_size: int) -> SamplingPlan:
    """The plan's ISO 2859-1 sampling for a lot of `lot_size`; InvalidPlan if the plan's AQL or level has none."""
    try:
        return sampling_plan(lot_size, plan.aql, plan.level)
    except SamplingError as exc:
        raise InvalidPlan(f"Plan {plan.code}: {exc}", plan=plan.code) from exc


def sample_count_message(plan: InspectionPlan, sampling: SamplingPlan, given: int) -> str:
    if sampling.hundred_percent:
        asked = f"every unit of the lot of {sampling.lot_size} (100% inspection)"
    else:
        asked = (f"{sampling.sample_size} sampled units from a lot of {sampling.lot_size} (AQL {sampling.aql}, "
                 f"level {sampling.level}, code letter {sampling.code_letter})")
    return f"Plan {plan.code} asks for {asked}; {given} answer sets were given."


def summary(c: RecordInspection, plan: InspectionPlan, sampling: SamplingPlan, defective: int, verdict: str) -> str:
    """The sentence the status change and the nonconformance give as their reason."""
    return (f"{c.stage.value.upper()} inspection {c.id} {'passed' if verdict == 'pass' else 'failed'} on plan "
            f"{plan.code}: {defective} of {sampling.sample_size} sampled units defective (accept {sampling.accept}, "
            f"reject {sampling.reject})")


def defects_found(plan: InspectionPlan, outcomes: list[InspectionOutcome]) -> list[dict[str, Any]]:
    """Per defect code and characteristic: how many sampled units showed it, named from the plan."""
    counted: Counter[tuple[str, str]] = Counter()
    severity: dict[tuple[str, str], str] = {}
    for outcome in outcomes:
        for r in outcome.per_characteristic:
            if r.defect_code is not None:
                counted[(r.defect_code, r.code)] += 1
                severity[(r.defect_code, r.code)] = r.severity
    names = {d["code"]: d for d in plan.defect_codes}
    return [{"code": code, "characteristic": ch, "count": n, "name_en": names.get(code, {}).get("name_en", ""),
             "name_zh": names.get(code, {}).get("name_zh", ""),
             "severity": names.get(code, {}).get("severity", severity[(code, ch)])}
            for (code, ch), n in sorted(counted.items())]


def sample_result(outcome: InspectionOutcome) -> dict[str, Any]:
    """One sampled unit's verdict as the inspection stores it: what failed and what was missing."""
    return {"verdict": outcome.verdict,
            "failed": [{"characteristic": r.code, "defect_code": r.defect_code, "reason": r.reason}
                       for r in outcome.per_characteristic if r.verdict == "fail"],
            "missing": outcome.missing}

"""The rule kinds over inspections: failures in a row, and a pass rate below its threshold."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from backend.quality.models import Inspection
from backend.trace.models import EventLine
from backend.warnings.findings import Finding, closed_baselines, fresh, labels, last_run, one_site
from backend.warnings.models import WarningRule
from backend.warnings.schemas import ConsecutiveFailures, PassRateBelow
from shared_models.enums import InspectionStage
from shared_models.trace import Unit

LAST_N_LOOKBACK = timedelta(days=365)   # how far back "the last N inspections" may reach


def _group_of(per: str, unit: Unit) -> str | None:
    if per == "lot":
        return unit.lot_unit_id or unit.id
    if per == "supplier":
        return unit.supplier_id
    return unit.item_id


def _group_column(per: str, unit: Any) -> Any:
    if per == "lot":
        return func.coalesce(unit.lot_unit_id, unit.id)
    return unit.supplier_id if per == "supplier" else unit.item_id


def _inspections_by_group(session: Session, rule: WarningRule, per: str, stage: InspectionStage | None,
                          since: datetime, event_ids: Sequence[str] | None) -> dict[str, list[Inspection]]:
    """Inspections since `since`, oldest first, grouped by dedupe key; those already dealt with left out.
    With event_ids, only the groups of the units those events touched (an inspection's status change)."""
    query = (select(Inspection, Unit).join(Unit, Unit.id == Inspection.unit_id)
             .where(Inspection.occurred_at >= since)
             .order_by(Inspection.occurred_at, Inspection.recorded_at, Inspection.id))
    if stage is not None:
        query = query.where(Inspection.stage == stage)
    if event_ids is not None:
        touched = aliased(Unit)
        query = query.where(_group_column(per, Unit).in_(
            select(_group_column(per, touched)).join(EventLine, EventLine.unit_id == touched.id)
            .where(EventLine.event_id.in_(list(event_ids)))))
    baselines = closed_baselines(session, rule)
    groups: dict[str, list[Inspection]] = defaultdict(list)
    for inspection, unit in session.exec(query):
        group = _group_of(per, unit)
        if group is None:
            continue
        key = f"{per}:{group}"
        if fresh(baselines, key, inspection.recorded_at):
            groups[key].append(inspection)
    return groups


def consecutive_failures(session: Session, rule: WarningRule, p: ConsecutiveFailures,
                         event_ids: Sequence[str] | None, now: datetime) -> list[Finding]:
    groups = _inspections_by_group(session, rule, p.per, p.stage, now - timedelta(days=p.lookback_days), event_ids)
    named = labels(session, p.per, (key.split(":", 1)[1] for key in groups))
    findings = []
    for key, inspections in groups.items():
        run = last_run([i.verdict == "fail" for i in inspections], p.n)
        if run is None:
            continue
        failed = inspections[run[0]:run[1]]
        group = key.split(":", 1)[1]
        label = named.get(group, group)
        findings.append(Finding(key, f"{len(failed)} failed inspections in a row for {p.per} {label} "
                                     f"(last on {failed[-1].occurred_at:%Y-%m-%d %H:%M} UTC).",
                                {"per": p.per, "group_id": group, "label": label, "failed": len(failed),
                                 "inspection_ids": [i.id for i in failed][-20:],
                                 **one_site(i.site_id for i in failed)}))
    return findings


def pass_rate_below(session: Session, rule: WarningRule, p: PassRateBelow, event_ids: Sequence[str] | None,
                    now: datetime) -> list[Finding]:
    since = now - (timedelta(days=p.window_days) if p.window_days is not None else LAST_N_LOOKBACK)
    groups = _inspections_by_group(session, rule, p.per, p.stage, since, event_ids)
    named = labels(session, p.per, (key.split(":", 1)[1] for key in groups))
    threshold = Fraction(str(p.min_pass_rate))
    window = f"{p.window_days} days" if p.window_days is not None else f"last {p.last_n} inspections"
    findings = []
    for key, inspections in groups.items():
        sample = inspections[-p.last_n:] if p.last_n is not None else inspections
        passed = sum(1 for i in sample if i.verdict == "pass")
        if len(sample) < p.min_inspections or Fraction(passed, len(sample)) >= threshold:
            continue
        group = key.split(":", 1)[1]
        label = named.get(group, group)
        rate = passed / len(sample)
        findings.append(Finding(key, f"Pass rate for {p.per} {label} is {rate:.1%} ({passed}/{len(sample)}, "
                                     f"{window}), below {float(threshold):.1%}.",
                                {"per": p.per, "group_id": group, "label": label, "passed": passed,
                                 "inspected": len(sample), "pass_rate": round(rate, 6),
                                 "min_pass_rate": p.min_pass_rate, "window": window,
                                 **one_site(i.site_id for i in sample)}))
    return findings

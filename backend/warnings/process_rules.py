"""The rule kind over process readings: a parameter out of spec N times in a row on one piece of equipment."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import Session, select

from backend.production.models import ProcessReading
from backend.warnings.findings import Finding, closed_baselines, fresh, last_run
from backend.warnings.models import WarningRule
from backend.warnings.schemas import ParamOutOfSpec
from shared_models.masterdata import Equipment


def param_out_of_spec(session: Session, rule: WarningRule, p: ParamOutOfSpec, event_ids: Sequence[str] | None,
                      now: datetime) -> list[Finding]:
    readings = session.exec(select(ProcessReading)
                            .where(ProcessReading.measured_at >= now - timedelta(hours=p.lookback_hours),
                                   ProcessReading.in_spec.is_not(None))
                            .order_by(ProcessReading.equipment_id, ProcessReading.name,
                                      ProcessReading.measured_at, ProcessReading.id)).all()
    baselines = closed_baselines(session, rule)
    series: dict[str, list[ProcessReading]] = defaultdict(list)
    for r in readings:
        key = f"{r.equipment_id}:{r.name}"
        if fresh(baselines, key, r.received_at):
            series[key].append(r)
    findings = []
    for key, values in series.items():
        run = last_run([r.in_spec is False for r in values], p.consecutive)
        if run is None:
            continue
        out = values[run[0]:run[1]]
        last = out[-1]
        equipment = session.get(Equipment, last.equipment_id)
        where = equipment.code if equipment else last.equipment_id
        limits = f"{'' if last.lower is None else f'{last.lower:g}'}..{'' if last.upper is None else f'{last.upper:g}'}"
        findings.append(Finding(key, f"{last.name} on {where} out of spec {len(out)} times in a row "
                                     f"(last {last.value:g}{last.unit}, limits {limits}).",
                                {"equipment_id": last.equipment_id, "equipment": where, "param": last.name,
                                 "values": [r.value for r in out][-20:], "lower": last.lower, "upper": last.upper,
                                 "reading_ids": [r.id for r in out][-20:],
                                 "operation_report_id": last.operation_report_id,
                                 **({"site_id": equipment.site_id} if equipment else {})}))
    return findings

"""预警规则 evaluators: one per kind, each reading the tables and naming the situations that hold now.

An evaluator returns one Finding per situation, keyed so that the same situation always gets the same
`dedupe_key`. Evidence recorded at or before the last close of a key is not counted again: closing a
warning resets its count, so it fires again only when the situation recurs on new evidence.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import String, cast, func
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from backend.errors import InvalidInput
from backend.production.models import ProcessReading
from backend.quality.models import Inspection
from backend.warnings.models import QualityWarning, WarningRule
from shared_models.bounds import INT64_MAX
from shared_models.enums import EventType, InspectionStage, WarningState
from shared_models.masterdata import Equipment, Item, Location, Supplier
from shared_models.trace import Event, EventLine, StockOnHand, Unit
from shared_models.types import utcnow

EPSILON = 1e-9
LAST_N_LOOKBACK = timedelta(days=365)   # how far back "the last N inspections" may reach


@dataclass(frozen=True, slots=True)
class Finding:
    dedupe_key: str
    message: str
    context: dict[str, Any]


class RuleMisconfigured(InvalidInput):
    code = "rule_misconfigured"


# -- parameters, one model per kind ----------------------------------------------------------------------------
class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConsecutiveFailures(_Params):
    n: int = Field(default=3, ge=2, le=1000)
    per: Literal["lot", "supplier", "item"] = "supplier"
    stage: InspectionStage | None = None
    lookback_days: int = Field(default=90, ge=1, le=3650)


class PassRateBelow(_Params):
    min_pass_rate: float = Field(default=0.95, gt=0, le=1)
    per: Literal["supplier", "item"] = "supplier"
    window_days: int | None = Field(default=30, ge=1, le=3650)
    last_n: int | None = Field(default=None, ge=1, le=100000)
    min_inspections: int = Field(default=5, ge=1, le=INT64_MAX)
    stage: InspectionStage | None = None

    @model_validator(mode="after")
    def _one_window(self) -> PassRateBelow:
        if (self.window_days is None) == (self.last_n is None):
            raise ValueError("give either window_days or last_n (set the other to null)")
        return self


class ExpiryWithin(_Params):
    days: int = Field(default=30, ge=0, le=3650)
    include_expired: bool = True


class ParamOutOfSpec(_Params):
    consecutive: int = Field(default=3, ge=1, le=10000)
    lookback_hours: int = Field(default=24, ge=1, le=24 * 365)


class FromEvents(_Params):
    lookback_days: int = Field(default=2, ge=1, le=365)   # how far back the sweep looks; the fast path sees all


class Clone(FromEvents):
    max_scans: int = Field(default=5, ge=1, le=INT64_MAX)               # more verifications than this in the window
    regions: int = Field(default=2, ge=2, le=INT64_MAX)                 # or this many different regions in the window
    window_hours: int = Field(default=72, ge=1, le=24 * 365)


class StocktakeDiscrepancy(FromEvents):
    pct: float = Field(default=5.0, ge=0, le=100000)      # |adjustment| / book at count, in percent


# -- evaluation --------------------------------------------------------------------------------------------------
Evaluator = Callable[[Session, WarningRule, Any, Sequence[str] | None, datetime], list[Finding]]


@dataclass(frozen=True, slots=True)
class Kind:
    name: str
    params: type[_Params]
    run: Evaluator
    # Which committed events can make it true (the fast path), from their type and attributes; None: none can.
    triggered_by: Callable[[EventType, dict[str, Any]], bool] | None = None


def _of_type(*types: EventType) -> Callable[[EventType, dict[str, Any]], bool]:
    return lambda event_type, _attributes: event_type in types


def params_of(rule: WarningRule) -> _Params:
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


def closed_baselines(session: Session, rule: WarningRule) -> dict[str, datetime]:
    """dedupe_key → when its last warning was closed: evidence up to then has been dealt with."""
    rows = session.exec(select(QualityWarning.dedupe_key, func.max(QualityWarning.closed_at))
                        .where(QualityWarning.rule_id == rule.id, QualityWarning.state == WarningState.CLOSED)
                        .group_by(QualityWarning.dedupe_key)).all()
    return {key: at for key, at in rows if at is not None}


def _fresh(baselines: dict[str, datetime], key: str, recorded_at: datetime) -> bool:
    closed = baselines.get(key)
    return closed is None or recorded_at > closed


def _last_run(flags: Sequence[bool], n: int) -> tuple[int, int] | None:
    """(start, end) of the last run of at least n True values, end exclusive."""
    found, start = None, None
    for i, bad in enumerate(flags):
        if not bad:
            start = None
            continue
        start = i if start is None else start
        if i - start + 1 >= n:
            found = (start, i + 1)
    return found


def _one_site(site_ids: Iterable[str | None]) -> dict[str, str]:
    sites = set(site_ids)
    return {"site_id": sites.pop()} if len(sites) == 1 and None not in sites else {}


# -- inspections -------------------------------------------------------------------------------------------------
def _group_of(per: str, unit: Unit) -> str | None:
    if per == "lot":
        return unit.lot_unit_id or unit.id
    if per == "supplier":
        return unit.supplier_id
    return unit.item_id


def _labels(session: Session, per: str, ids: Iterable[str]) -> dict[str, str]:
    ids = list(ids)
    if not ids:
        return {}
    if per == "supplier":
        return {s.id: s.code for s in session.exec(select(Supplier).where(Supplier.id.in_(ids)))}
    if per == "item":
        return {i.id: i.part_no for i in session.exec(select(Item).where(Item.id.in_(ids)))}
    return {u.id: u.code for u in session.exec(select(Unit).where(Unit.id.in_(ids)))}


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
        if _fresh(baselines, key, inspection.recorded_at):
            groups[key].append(inspection)
    return groups


def consecutive_failures(session: Session, rule: WarningRule, p: ConsecutiveFailures,
                         event_ids: Sequence[str] | None, now: datetime) -> list[Finding]:
    groups = _inspections_by_group(session, rule, p.per, p.stage, now - timedelta(days=p.lookback_days), event_ids)
    labels = _labels(session, p.per, (key.split(":", 1)[1] for key in groups))
    findings = []
    for key, inspections in groups.items():
        run = _last_run([i.verdict == "fail" for i in inspections], p.n)
        if run is None:
            continue
        failed = inspections[run[0]:run[1]]
        group = key.split(":", 1)[1]
        label = labels.get(group, group)
        findings.append(Finding(key, f"{len(failed)} failed inspections in a row for {p.per} {label} "
                                     f"(last on {failed[-1].occurred_at:%Y-%m-%d %H:%M} UTC).",
                                {"per": p.per, "group_id": group, "label": label, "failed": len(failed),
                                 "inspection_ids": [i.id for i in failed][-20:],
                                 **_one_site(i.site_id for i in failed)}))
    return findings


def pass_rate_below(session: Session, rule: WarningRule, p: PassRateBelow, event_ids: Sequence[str] | None,
                    now: datetime) -> list[Finding]:
    since = now - (timedelta(days=p.window_days) if p.window_days is not None else LAST_N_LOOKBACK)
    groups = _inspections_by_group(session, rule, p.per, p.stage, since, event_ids)
    labels = _labels(session, p.per, (key.split(":", 1)[1] for key in groups))
    threshold = Fraction(str(p.min_pass_rate))
    window = f"{p.window_days} days" if p.window_days is not None else f"last {p.last_n} inspections"
    findings = []
    for key, inspections in groups.items():
        sample = inspections[-p.last_n:] if p.last_n is not None else inspections
        passed = sum(1 for i in sample if i.verdict == "pass")
        if len(sample) < p.min_inspections or Fraction(passed, len(sample)) >= threshold:
            continue
        group = key.split(":", 1)[1]
        label = labels.get(group, group)
        rate = passed / len(sample)
        findings.append(Finding(key, f"Pass rate for {p.per} {label} is {rate:.1%} ({passed}/{len(sample)}, "
                                     f"{window}), below {float(threshold):.1%}.",
                                {"per": p.per, "group_id": group, "label": label, "passed": passed,
                                 "inspected": len(sample), "pass_rate": round(rate, 6),
                                 "min_pass_rate": p.min_pass_rate, "window": window,
                                 **_one_site(i.site_id for i in sample)}))
    return findings


# -- stock -------------------------------------------------------------------------------------------------------
def expiry_within(session: Session, rule: WarningRule, p: ExpiryWithin, event_ids: Sequence[str] | None,
                  now: datetime) -> list[Finding]:
    today = now.date()
    query = (select(StockOnHand.unit_id, func.sum(StockOnHand.qty)).join(Unit, Unit.id == StockOnHand.unit_id)
             .where(StockOnHand.qty > EPSILON, Unit.expires_on.is_not(None),
                    Unit.expires_on <= today + timedelta(days=p.days))
             .group_by(StockOnHand.unit_id))
    if not p.include_expired:
        query = query.where(Unit.expires_on >= today)
    if event_ids is not None:
        query = query.where(StockOnHand.unit_id.in_(
            select(EventLine.unit_id).where(EventLine.event_id.in_(list(event_ids)))))
    on_hand = {unit_id: float(qty) for unit_id, qty in session.exec(query) if qty and qty > EPSILON}
    if not on_hand:
        return []
    units = list(session.exec(select(Unit).where(Unit.id.in_(list(on_hand)))))
    # Serials of one lot share its expiry: one warning for the lot, not one per serial.
    lots: dict[tuple[str, date], list[Unit]] = defaultdict(list)
    for unit in units:
        assert unit.expires_on is not None
        lots[(unit.lot_unit_id or unit.id, unit.expires_on)].append(unit)
    labels = _labels(session, "lot", {lot_id for lot_id, _ in lots})
    baselines = closed_baselines(session, rule)
    findings = []
    for (lot_id, expires_on), members in sorted(lots.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        key = f"lot:{lot_id}:{expires_on.isoformat()}"
        if key in baselines:   # nothing new can happen to a date: once dealt with, it stays dealt with
            continue
        qty = sum(on_hand[u.id] for u in members)
        days = (expires_on - today).days
        when = f"in {days} days" if days > 0 else "today" if days == 0 else f"{-days} days ago"
        label = labels.get(lot_id, members[0].code)
        verb = "expired" if days < 0 else "expires"
        findings.append(Finding(key, f"{label}: {qty:g} {members[0].uom} in stock {verb} on "
                                     f"{expires_on.isoformat()} ({when}).",
                                {"lot_id": lot_id, "label": label, "expires_on": expires_on.isoformat(),
                                 "days_left": days, "qty": qty, "units": sorted(u.code for u in members)[:50],
                                 **_one_site(u.site_id for u in members)}))
    return findings


# -- process -----------------------------------------------------------------------------------------------------
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
        if _fresh(baselines, key, r.received_at):
            series[key].append(r)
    findings = []
    for key, values in series.items():
        run = _last_run([r.in_spec is False for r in values], p.consecutive)
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


# -- events ------------------------------------------------------------------------------------------------------
def _events(session: Session, types: Iterable[EventType], event_ids: Sequence[str] | None, since: datetime,
            *, contains: str | None = None) -> list[Event]:
    query = select(Event).order_by(Event.recorded_at, Event.id)
    types = list(types)
    if types:
        query = query.where(Event.type.in_(types))
    if event_ids is not None:
        query = query.where(Event.id.in_(list(event_ids)))
    else:
        query = query.where(Event.recorded_at >= since)
        if types:
            query = query.where(Event.occurred_at >= since - timedelta(days=1))   # lets the type/time index help
    if contains is not None:
        # A cheap textual pre-filter on the JSON; the caller checks the parsed attributes.
        query = query.where(cast(Event.attributes, String).like(f'%"{contains}"%'))
    return list(session.exec(query))


def _latest_per_key(session: Session, rule: WarningRule, events: Iterable[Event],
                    key_of: Callable[[Event], str | None]) -> dict[str, list[Event]]:
    baselines = closed_baselines(session, rule)
    found: dict[str, list[Event]] = defaultdict(list)
    for e in events:
        key = key_of(e)
        if key is not None and _fresh(baselines, key, e.recorded_at):
            found[key].append(e)
    return found


def _verify_events(session: Session, rule: WarningRule, p: FromEvents, event_ids: Sequence[str] | None,
                   now: datetime, matches: Callable[[dict[str, Any]], bool]) -> dict[str, list[Event]]:
    events = _events(session, [EventType.VERIFY], event_ids, now - timedelta(days=p.lookback_days))
    return _latest_per_key(session, rule, (e for e in events if matches(e.attributes)),
                           lambda e: f"unit:{e.attributes['unit']}" if e.attributes.get("unit") else None)


def diversion(session: Session, rule: WarningRule, p: FromEvents, event_ids: Sequence[str] | None,
              now: datetime) -> list[Finding]:
    found = _verify_events(session, rule, p, event_ids, now, lambda a: "diversion" in (a.get("flags") or []))
    findings = []
    for key, events in found.items():
        last = events[-1].attributes
        regions = sorted({str(e.attributes.get("region")) for e in events})
        findings.append(Finding(key, f"{last['unit']} shipped to {last.get('shipped_to')} was verified in "
                                     f"{', '.join(regions)}, outside its authorized regions/channels "
                                     f"({', '.join(last.get('authorized_regions') or []) or 'none'}).",
                                {"unit": last["unit"], "regions": regions, "channel": last.get("channel"),
                                 "shipped_to": last.get("shipped_to"),
                                 "authorized_regions": last.get("authorized_regions") or [],
                                 "authorized_channels": last.get("authorized_channels") or [],
                                 "event_ids": [e.id for e in events][-20:], "site_id": events[-1].site_id}))
    return findings


def clone(session: Session, rule: WarningRule, p: Clone, event_ids: Sequence[str] | None,
          now: datetime) -> list[Finding]:
    found = _verify_events(session, rule, p, event_ids, now,
                           lambda a: "suspected_clone" in (a.get("flags") or []))
    findings = []
    for key, events in found.items():
        last = events[-1].attributes
        regions = last.get("regions_in_window") or []
        findings.append(Finding(key, f"{last['unit']} was verified {last.get('scans_in_window')} times in "
                                     f"{len(regions)} region(s) ({', '.join(regions)}) within {p.window_hours} "
                                     f"hours: its code may have been copied.",
                                {"unit": last["unit"], "scans_in_window": last.get("scans_in_window"),
                                 "regions": regions, "event_ids": [e.id for e in events][-20:],
                                 "site_id": events[-1].site_id}))
    return findings


def unknown_code(session: Session, rule: WarningRule, p: FromEvents, event_ids: Sequence[str] | None,
                 now: datetime) -> list[Finding]:
    events = [e for e in _events(session, [EventType.VERIFY], event_ids, now - timedelta(days=p.lookback_days))
              if e.attributes.get("result") == "unknown"]
    found = _latest_per_key(session, rule, events, lambda e: f"code:{e.attributes.get('code', '')}"[:200])
    return [Finding(key, f"Unknown code '{evs[-1].attributes.get('code')}' was verified in "
                         f"{', '.join(sorted({str(e.attributes.get('region')) for e in evs}))}: possible counterfeit.",
                    {"code": evs[-1].attributes.get("code"), "reason": evs[-1].attributes.get("reason"),
                     "regions": sorted({str(e.attributes.get("region")) for e in evs}),
                     "event_ids": [e.id for e in evs][-20:], "site_id": evs[-1].site_id})
            for key, evs in found.items()]


def _off_by(line: dict[str, Any]) -> Fraction | None:
    """|adjustment| / book at count; None when book and adjustment are both zero, ∞ as book 0."""
    adjustment = Fraction(abs(float(line.get("adjustment") or 0.0)))
    book = Fraction(float(line.get("book_at_count") or 0.0))
    if book <= 0:
        return None if adjustment == 0 else Fraction(10 ** 12)
    return adjustment / book


def stocktake_discrepancy(session: Session, rule: WarningRule, p: StocktakeDiscrepancy,
                          event_ids: Sequence[str] | None, now: datetime) -> list[Finding]:
    limit = Fraction(str(p.pct)) / 100
    baselines = closed_baselines(session, rule)
    latest: dict[str, tuple[Event, dict[str, Any], Fraction]] = {}
    for e in _events(session, [EventType.COUNT], event_ids, now - timedelta(days=p.lookback_days)):
        for line in e.attributes.get("lines") or []:
            off = _off_by(line)
            key = f"count:{e.location_id}:{line.get('unit')}"
            if off is not None and off > limit and _fresh(baselines, key, e.recorded_at):
                latest[key] = (e, line, off)
    locations = {loc.id: loc.code for loc in session.exec(
        select(Location).where(Location.id.in_([e.location_id for e, _, _ in latest.values() if e.location_id])))}
    findings = []
    for key, (e, line, off) in latest.items():
        where = locations.get(e.location_id or "", "?")
        off_text = "no book stock" if off >= 10 ** 12 else f"{float(off):.1%} off"
        findings.append(Finding(key, f"Stocktake at {where}: {line.get('unit')} counted {line.get('counted'):g} "
                                     f"against book {line.get('book_at_count'):g} ({off_text}; limit {p.pct:g}%).",
                                {"unit": line.get("unit"), "location": where, "counted": line.get("counted"),
                                 "book_at_count": line.get("book_at_count"), "adjustment": line.get("adjustment"),
                                 "event_id": e.id, "reference": e.reference, "site_id": e.site_id}))
    return findings


def gate_violation_at_sync(session: Session, rule: WarningRule, p: FromEvents, event_ids: Sequence[str] | None,
                           now: datetime) -> list[Finding]:
    events = [e for e in _events(session, [], event_ids, now - timedelta(days=p.lookback_days),
                                 contains="gate_violations")
              if e.attributes.get("gate_violations")]
    findings = []
    for key, (e,) in _latest_per_key(session, rule, events, lambda e: f"event:{e.id}").items():
        reasons = "; ".join(str(v.get("reason")) for v in e.attributes["gate_violations"])
        findings.append(Finding(key, f"{e.type.value} {e.reference or e.id} was recorded offline "
                                     f"(device {e.device_id or '?'}) despite: {reasons}.",
                                {"event_id": e.id, "type": e.type.value, "device_id": e.device_id,
                                 "user_id": e.user_id, "occurred_at": e.occurred_at.isoformat(),
                                 "violations": e.attributes["gate_violations"], "site_id": e.site_id}))
    return findings


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

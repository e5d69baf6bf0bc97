"""The rule kinds over recorded events: verification checks (diversion, clone, unknown code), stocktake counts
far off the book, and events recorded offline despite a gate."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from sqlalchemy import String, cast
from sqlmodel import Session, select

from backend.warnings.findings import Finding, closed_baselines, fresh
from backend.warnings.models import WarningRule
from backend.warnings.schemas import Clone, FromEvents, StocktakeDiscrepancy
from shared_models.enums import EventType
from shared_models.masterdata import Location
from shared_models.trace import Event

NO_BOOK = Fraction(10 ** 12)  # how far off a count is that found stock where the book had none


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
        if key is not None and fresh(baselines, key, e.recorded_at):
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
    """|adjustment| / book at count; None when book and adjustment are both zero, NO_BOOK as book 0."""
    adjustment = Fraction(abs(float(line.get("adjustment") or 0.0)))
    book = Fraction(float(line.get("book_at_count") or 0.0))
    if book <= 0:
        return None if adjustment == 0 else NO_BOOK
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
            if off is not None and off > limit and fresh(baselines, key, e.recorded_at):
                latest[key] = (e, line, off)
    locations = {loc.id: loc.code for loc in session.exec(
        select(Location).where(Location.id.in_([e.location_id for e, _, _ in latest.values() if e.location_id])))}
    findings = []
    for key, (e, line, off) in latest.items():
        where = locations.get(e.location_id or "", "?")
        off_text = "no book stock" if off >= NO_BOOK else f"{float(off):.1%} off"
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

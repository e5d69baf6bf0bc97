"""The rule kind over stock on hand: stock whose lot expires within N days (or has expired)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from backend.trace.models import EventLine
from backend.warnings.findings import Finding, closed_baselines, labels, one_site
from backend.warnings.models import WarningRule
from backend.warnings.schemas import ExpiryWithin
from shared_models.bounds import QTY_EPSILON
from shared_models.trace import StockOnHand, Unit


def expiry_within(session: Session, rule: WarningRule, p: ExpiryWithin, event_ids: Sequence[str] | None,
                  now: datetime) -> list[Finding]:
    today = now.date()
    query = (select(StockOnHand.unit_id, func.sum(StockOnHand.qty)).join(Unit, Unit.id == StockOnHand.unit_id)
             .where(StockOnHand.qty > QTY_EPSILON, Unit.expires_on.is_not(None),
                    Unit.expires_on <= today + timedelta(days=p.days))
             .group_by(StockOnHand.unit_id))
    if not p.include_expired:
        query = query.where(Unit.expires_on >= today)
    if event_ids is not None:
        query = query.where(StockOnHand.unit_id.in_(
            select(EventLine.unit_id).where(EventLine.event_id.in_(list(event_ids)))))
    on_hand = {unit_id: float(qty) for unit_id, qty in session.exec(query) if qty and qty > QTY_EPSILON}
    if not on_hand:
        return []
    units = list(session.exec(select(Unit).where(Unit.id.in_(list(on_hand)))))
    # Serials of one lot share its expiry: one warning for the lot, not one per serial.
    lots: dict[tuple[str, date], list[Unit]] = defaultdict(list)
    for unit in units:
        assert unit.expires_on is not None
        lots[(unit.lot_unit_id or unit.id, unit.expires_on)].append(unit)
    named = labels(session, "lot", {lot_id for lot_id, _ in lots})
    baselines = closed_baselines(session, rule)
    findings = []
    for (lot_id, expires_on), members in sorted(lots.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        key = f"lot:{lot_id}:{expires_on.isoformat()}"
        if key in baselines:   # nothing new can happen to a date: once dealt with, it stays dealt with
            continue
        qty = sum(on_hand[u.id] for u in members)
        days = (expires_on - today).days
        when = f"in {days} days" if days > 0 else "today" if days == 0 else f"{-days} days ago"
        label = named.get(lot_id, members[0].code)
        verb = "expired" if days < 0 else "expires"
        findings.append(Finding(key, f"{label}: {qty:g} {members[0].uom} in stock {verb} on "
                                     f"{expires_on.isoformat()} ({when}).",
                                {"lot_id": lot_id, "label": label, "expires_on": expires_on.isoformat(),
                                 "days_left": days, "qty": qty, "units": sorted(u.code for u in members)[:50],
                                 **one_site(u.site_id for u in members)}))
    return findings

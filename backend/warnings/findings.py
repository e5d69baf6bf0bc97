"""What a rule finds, and what every rule kind's evaluator shares: the evidence already dealt with, runs of bad
values, labels for the groups a finding names.

An evaluator returns one Finding per situation, keyed so that the same situation always gets the same
`dedupe_key`. Evidence recorded at or before the last close of a key is not counted again: closing a
warning resets its count, so it fires again only when the situation recurs on new evidence.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from backend.warnings.models import QualityWarning, WarningRule
from shared_models.enums import WarningState
from shared_models.masterdata import Item, Supplier
from shared_models.trace import Unit


@dataclass(frozen=True, slots=True)
class Finding:
    dedupe_key: str
    message: str
    context: dict[str, Any]


def closed_baselines(session: Session, rule: WarningRule) -> dict[str, datetime]:
    """dedupe_key → when its last warning was closed: evidence up to then has been dealt with."""
    rows = session.exec(select(QualityWarning.dedupe_key, func.max(QualityWarning.closed_at))
                        .where(QualityWarning.rule_id == rule.id, QualityWarning.state == WarningState.CLOSED)
                        .group_by(QualityWarning.dedupe_key)).all()
    return {key: at for key, at in rows if at is not None}


def fresh(baselines: dict[str, datetime], key: str, recorded_at: datetime) -> bool:
    """Evidence recorded after the key's last close (or for a key never closed)."""
    closed = baselines.get(key)
    return closed is None or recorded_at > closed


def last_run(flags: Sequence[bool], n: int) -> tuple[int, int] | None:
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


def one_site(site_ids: Iterable[str | None]) -> dict[str, str]:
    """{"site_id": …} when the evidence is all of one site (site-bound QA managers see it), else {}."""
    sites = set(site_ids)
    return {"site_id": sites.pop()} if len(sites) == 1 and None not in sites else {}


def labels(session: Session, per: str, ids: Iterable[str]) -> dict[str, str]:
    """id → what people call it: a supplier's code, an item's part number, a lot's code."""
    ids = list(ids)
    if not ids:
        return {}
    if per == "supplier":
        return {s.id: s.code for s in session.exec(select(Supplier).where(Supplier.id.in_(ids)))}
    if per == "item":
        return {i.id: i.part_no for i in session.exec(select(Item).where(Item.id.in_(ids)))}
    return {u.id: u.code for u in session.exec(select(Unit).where(Unit.id.in_(ids)))}

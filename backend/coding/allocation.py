"""Taking numbers from a rule's counter, in the caller's transaction, as the database's one writer.

The counter row of (rule, period) is read and advanced only after `begin_write`, so two requests, threads or
backend processes never read the same value (SQLite: BEGIN IMMEDIATE; PostgreSQL: the writer advisory lock). The
number is taken in the caller's transaction: if the caller rolls back, the counter and the issued record roll back
with it and the next caller gets the same number, so a rule that must be gap-free is. Every number is recorded in
`issued_number` (unique per kind and item), which refuses a repeat even after a rule's pattern was edited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, insert
from sqlmodel import Session, col, select

from backend.coding.errors import InvalidRule, NoNumberingRule, NumbersUsedUp, NumberTaken, PatternError
from backend.coding.models import IssuedNumber, NumberCounter, NumberingRule, NumberKind
from backend.coding.pattern import Numbering, period_key, render, sscc_numbering
from backend.db import begin_write
from shared_models.masterdata import Item, Site
from shared_models.trace import Unit
from shared_models.types import utcnow

DEFAULT_COMPANY_PREFIX = "0614141"  # GS1's example prefix, for a site without a GLN; set the rule's own
PER_ITEM = frozenset({NumberKind.LOT, NumberKind.SERIAL})  # unique per item (GTIN + lot / serial), not plant-wide
MAX_SKIPS = 10_000  # numbers passed over because they were handed out already, before giving up


@dataclass(frozen=True, slots=True)
class Taken:
    rule: NumberingRule
    numbers: list[str]
    period_key: str
    first_seq: int
    last_seq: int
    scope: str


def company_prefix_of(rule: NumberingRule, site: Site | None) -> str:
    """The rule's own prefix, else the first 7 digits of the site's GLN (a 7-digit GS1 company prefix, the most
    common length; a plant with another length sets the rule's prefix), else GS1's example prefix."""
    if rule.company_prefix:
        return rule.company_prefix
    return site.gln[:7] if site is not None and site.gln else DEFAULT_COMPANY_PREFIX


def numbering_of(rule: NumberingRule, site: Site | None) -> Numbering:
    """The rule as the renderer takes it; raises InvalidRule for a rule that cannot number."""
    try:
        if rule.kind is NumberKind.SSCC:
            return sscc_numbering(rule.extension_digit, company_prefix_of(rule, site))[0]
        return Numbering(tuple(rule.pattern), rule.width, rule.reset, rule.check_char)
    except PatternError as exc:
        raise InvalidRule(f"Numbering rule {rule.code}: {exc}") from exc


def find_rule(session: Session, kind: NumberKind, *, site: Site | None, item: Item | None,
              item_group: str | None) -> NumberingRule | None:
    """The most specific active rule of `kind` that fits: one naming the item beats one naming the item group,
    which beats one naming only the site, which beats a plant-wide one. A rule that names a site, an item or a
    group the request does not have does not fit."""
    best: tuple[int, NumberingRule] | None = None
    rules = session.exec(select(NumberingRule).where(NumberingRule.kind == kind, col(NumberingRule.active))).all()
    for rule in rules:
        if (rule.site_id and (site is None or rule.site_id != site.id)) or \
                (rule.item_id and (item is None or rule.item_id != item.id)) or \
                (rule.item_group and rule.item_group != item_group):
            continue
        score = 4 * bool(rule.item_id) + 2 * bool(rule.item_group) + bool(rule.site_id)
        if best is None or score > best[0] or (score == best[0] and rule.code < best[1].code):
            best = (score, rule)
    return best[1] if best else None


def rule_for(session: Session, kind: NumberKind, *, site: Site | None, item: Item | None = None,
             item_group: str | None = None) -> NumberingRule:
    """As `find_rule`; for SSCCs a site without a rule gets one made (extension 0, its GLN's prefix), so packing
    never waits for set-up. Raises NoNumberingRule for other kinds."""
    rule = find_rule(session, kind, site=site, item=item, item_group=item_group)
    if rule is not None:
        return rule
    if kind is not NumberKind.SSCC or site is None:
        where = ", ".join(w for w in (site and f"site {site.code}", item and f"item {item.part_no}",
                                      item_group and f"group {item_group}") if w) or "the plant"
        raise NoNumberingRule(kind.value, where)
    code, n = f"SSCC-{site.code}"[:28], 1
    while session.exec(select(NumberingRule.id).where(NumberingRule.code == code)).first() is not None:
        n += 1
        code = f"SSCC-{site.code}"[:28] + f"-{n}"
    rule = NumberingRule(code=code, kind=NumberKind.SSCC, site_id=site.id, pattern=[], width=17,
                         note="made on the site's first SSCC; set the company prefix here")
    session.add(rule)
    session.flush()
    return rule


def _first_seq(session: Session, rule: NumberingRule, numbering: Numbering) -> int:
    """Where a new counter starts: the rule's start; for SSCCs after the largest SSCC of the same prefix already
    on a unit (containers numbered before this rule existed)."""
    if rule.kind is not NumberKind.SSCC:
        return rule.start
    start = numbering.parts[0]["value"]
    taken = session.exec(select(func.max(Unit.sscc)).where(col(Unit.sscc).startswith(start))).one()
    return max(rule.start, int(taken[len(start):17]) + 1 if taken and taken[len(start):17].isdigit() else 0)


def _taken(session: Session, rule: NumberingRule, scope: str, numbers: list[str]) -> set[str]:
    found = set(session.exec(select(IssuedNumber.number).where(
        IssuedNumber.kind == rule.kind, IssuedNumber.scope == scope, col(IssuedNumber.number).in_(numbers))).all())
    if rule.kind is NumberKind.SSCC:  # a container received with its supplier's label may share our prefix
        found |= {s for s in session.exec(select(Unit.sscc).where(col(Unit.sscc).in_(numbers))).all() if s}
    return found


def take(session: Session, rule: NumberingRule, count: int = 1, *, on: date | None = None, site: Site | None = None,
         item: Item | None = None, line: str | None = None, block_id: str | None = None) -> Taken:
    """`count` consecutive numbers of `rule`, recorded as issued in the session's transaction (not committed: the
    caller commits with what uses them). A number handed out before is passed over, or for a gap-free rule
    refused (NumberTaken). Raises NumbersUsedUp when the sequence runs past its width, InvalidRule when the
    pattern cannot render for this request."""
    begin_write(session)
    on = on or date.today()
    numbering = numbering_of(rule, site)
    # An SSCC rule's counter is per extension digit + company prefix: a changed prefix starts a range of its own,
    # seeded from the containers already numbered in it.
    key = numbering.parts[0]["value"] if rule.kind is NumberKind.SSCC else period_key(rule.reset, on)
    counter = session.get(NumberCounter, (rule.id, key))
    if counter is None:
        counter = NumberCounter(rule_id=rule.id, period_key=key, next_seq=_first_seq(session, rule, numbering))
        session.add(counter)
    fields = {"site": site.code if site else None, "line": line, "item": item.part_no if item else None}
    scope = item.id if item is not None and rule.kind in PER_ITEM else ""
    seq, skipped = counter.next_seq, 0
    chosen: list[tuple[int, str]] = []
    while len(chosen) < count:
        upto = min(seq + (count - len(chosen)), 10**numbering.width)
        if seq >= upto:
            raise NumbersUsedUp(rule.code, key, numbering.width)
        try:
            batch = [(s, render(numbering, s, on, fields)) for s in range(seq, upto)]
        except PatternError as exc:
            raise InvalidRule(f"Numbering rule {rule.code}: {exc}") from exc
        taken = _taken(session, rule, scope, [n for _, n in batch])
        if taken and rule.gap_free:
            raise NumberTaken(f"Numbering rule {rule.code} (gap-free) rendered {sorted(taken)[0]}, which was handed "
                              "out before; fix the rule's pattern.", rule=rule.code)
        chosen += [(s, n) for s, n in batch if n not in taken]
        skipped += len(taken)
        if skipped > MAX_SKIPS:
            raise NumberTaken(f"Numbering rule {rule.code} keeps rendering numbers handed out before; fix its "
                              "pattern.", rule=rule.code)
        seq = upto
    counter.next_seq = seq
    counter.updated_at = utcnow()
    issued_at = utcnow()
    session.flush()
    session.execute(insert(IssuedNumber), [
        {"rule_id": rule.id, "kind": rule.kind, "scope": scope, "number": n, "period_key": key, "seq": s,
         "block_id": block_id, "issued_at": issued_at} for s, n in chosen])
    return Taken(rule, [n for _, n in chosen], key, chosen[0][0], chosen[-1][0], scope)


def next_sscc(session: Session, site: Site) -> str:
    """The site's next SSCC (its SSCC rule, made on first use), taken in the session's transaction."""
    begin_write(session)  # before looking for the rule: two first packs at a site make one rule, not two
    return take(session, rule_for(session, NumberKind.SSCC, site=site), site=site).numbers[0]

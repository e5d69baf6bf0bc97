"""Print rules: labels queued by themselves when a receive, produce, pack or ship event is committed.

`PrintRuleService` keeps the rules (admins set them up, staff read them). `RulePrinting` does one rule's work
for one event in one transaction as the database's writer: the jobs (through PrintService.queue, so the labels
are checked, rendered and recorded as label prints exactly as a person's print is) and a `PrintRuleRun` row
whose (rule, event) pair is unique. That row is how an event is never printed twice by the after-commit path,
the sweep or a second process, and how the sweep finds an event that has no run yet (`due`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import and_, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from backend.auth.principal import Principal
from backend.db import atomic
from backend.errors import DomainError, NotFound
from backend.labels.errors import PrintRuleNameTaken, UnknownPrintRule
from backend.labels.models import PrintRule, PrintRuleRun, RuleEvent
from backend.labels.print_service import PrintService
from backend.labels.printer_service import PrinterService
from backend.labels.schemas import MAX_BATCH, PrintRequest, PrintRuleCreate
from backend.labels.template_service import TemplateService
from backend.trace.models import EventLine
from shared_models.enums import LineRole, Role
from shared_models.masterdata import Item, Site
from shared_models.trace import Event, Unit
from shared_models.types import utcnow

#: Whose labels an event's rule prints: what it received, made, packed (the container) or shipped.
LABELLED_ROLE = {RuleEvent.RECEIVE: LineRole.SUBJECT, RuleEvent.PRODUCE: LineRole.OUTPUT,
                 RuleEvent.PACK: LineRole.SUBJECT, RuleEvent.SHIP: LineRole.SUBJECT}
KINDS = frozenset(k.value for k in RuleEvent)


class PrintRuleService:
    def __init__(self, session: Session, principal: Principal) -> None:
        self.session = session
        self.by = principal

    def all(self, *, active: bool | None = None) -> list[PrintRule]:
        query = select(PrintRule).order_by(PrintRule.name)
        if active is not None:
            query = query.where(PrintRule.active == active)
        return [r for r in self.session.exec(query).all() if self.by.sees_site(r.site_id or self.by.site_id)]

    def get(self, rule_id: str) -> PrintRule:
        rule = self.session.get(PrintRule, rule_id)
        if rule is None or not self.by.sees_site(rule.site_id or self.by.site_id):
            raise UnknownPrintRule(rule_id)
        return rule

    @atomic
    def create(self, data: PrintRuleCreate) -> PrintRule:
        """Raises NotFound (site, item), UnknownTemplate/TemplateRetired, UnknownPrinter/PrinterInactive or
        PrintRuleNameTaken; then nothing is stored. It prints for events recorded from now on."""
        if data.site_id is not None and self.session.get(Site, data.site_id) is None:
            raise NotFound("site", data.site_id)
        if data.item_id is not None and self.session.get(Item, data.item_id) is None:
            raise NotFound("item", data.item_id)
        TemplateService(self.session, self.by).printable(data.template)
        PrinterService(self.session, self.by).usable(data.printer_id)
        if self.session.exec(select(PrintRule.id).where(PrintRule.name == data.name)).first() is not None:
            raise PrintRuleNameTaken(data.name)
        rule = PrintRule(**data.model_dump(exclude={"template"}), template_code=data.template,
                         created_by=self.by.username)
        self.session.add(rule)
        self.session.commit()
        return rule

    @atomic
    def disable(self, rule_id: str) -> PrintRule:
        """Switched off, not deleted: what it printed keeps pointing at it. Disabling twice is no error."""
        rule = self.get(rule_id)
        if rule.active:
            rule.active, rule.updated_at = False, utcnow()
            self.session.add(rule)
            self.session.commit()
        return rule

    def runs(self, rule_id: str, limit: int = 100) -> list[PrintRuleRun]:
        """What the rule did, newest first."""
        self.get(rule_id)
        return list(self.session.exec(select(PrintRuleRun).where(PrintRuleRun.rule_id == rule_id)
                                      .order_by(col(PrintRuleRun.created_at).desc()).limit(limit)).all())


class RulePrinting:
    """Runs rules for committed events; used by the rule runner (backend/labels/rule_runner.py) off every request."""

    def __init__(self, session: Session, *, now: Callable[[], datetime] = utcnow) -> None:
        self.session = session
        self.now = now

    def for_events(self, event_ids: list[str]) -> int:
        """Every active rule's work for these events (those it has not done yet); returns the jobs queued."""
        rules = self.session.exec(select(PrintRule).where(col(PrintRule.active).is_(True))).all()
        if not rules:
            return 0
        kinds = {r.event_kind.value for r in rules}
        queued = 0
        for start in range(0, len(event_ids), 500):
            events = self.session.exec(select(Event).where(col(Event.id).in_(event_ids[start:start + 500]),
                                                           col(Event.type).in_(kinds))).all()
            pairs = [(rule.id, event.id) for event in events for rule in rules if _applies(rule, event)]
            self.session.rollback()  # read only: let go of the snapshot before each run takes the writer
            queued += self.run_all(pairs)
        return queued

    def due(self, *, lookback: timedelta, limit: int = 200) -> list[tuple[str, str]]:
        """(rule, event) pairs an active rule should have run and has not: the sweep's work. Reads events that
        occurred within `lookback` (the (type, occurred_at) index) and were recorded once the rule existed."""
        since = self.now() - lookback
        query = (select(PrintRule.id, Event.id)
                 .join(Event, and_(col(Event.type) == col(PrintRule.event_kind),
                                   col(Event.recorded_at) >= col(PrintRule.created_at),
                                   or_(col(PrintRule.site_id).is_(None), col(Event.site_id) == col(PrintRule.site_id))))
                 .outerjoin(PrintRuleRun, and_(col(PrintRuleRun.rule_id) == col(PrintRule.id),
                                               col(PrintRuleRun.event_id) == col(Event.id)))
                 .where(col(PrintRule.active).is_(True), col(Event.occurred_at) >= since,
                        col(PrintRuleRun.id).is_(None))
                 .order_by(col(Event.recorded_at)).limit(limit))
        pairs = [(rule_id, event_id) for rule_id, event_id in self.session.exec(query).all()]
        self.session.rollback()
        return pairs

    def run_all(self, pairs: list[tuple[str, str]]) -> int:
        queued = 0
        for rule_id, event_id in pairs:
            try:
                run = self.run(rule_id, event_id)
            except IntegrityError:  # another process wrote this run first: it is done
                continue
            queued += len(run.job_ids) if run is not None else 0
        return queued

    @atomic
    def run(self, rule_id: str, event_id: str) -> PrintRuleRun | None:
        """The rule's jobs for the event and its run row, in one commit; None when it ran before (or the rule is
        off, or the event is gone). A print the labels refuse (data a barcode cannot carry, a retired template,
        a printer switched off) is kept as a `failed` run naming why, and is not tried again by itself."""
        if self.session.exec(select(PrintRuleRun.id).where(PrintRuleRun.rule_id == rule_id,
                                                           PrintRuleRun.event_id == event_id)).first():
            return None
        rule, event = self.session.get(PrintRule, rule_id), self.session.get(Event, event_id)
        if rule is None or event is None or not rule.active:
            return None
        run = PrintRuleRun(rule_id=rule.id, event_id=event.id, status="no_units", created_at=self.now())
        units = self._units(rule, event) if _applies(rule, event) else []
        if units:
            principal = Principal(user_id="system", username=f"rule:{rule.name}"[:64], role=Role.ADMIN)
            printing = PrintService(self.session, principal, now=self.now)
            reason = f"print rule {rule.name}: {event.type.value} event {event.id}"[:500]
            try:
                with self.session.begin_nested():  # one refused batch leaves none of the others behind
                    jobs = [printing.queue(PrintRequest(template=rule.template_code, printer_id=rule.printer_id,
                                                        unit_ids=[u.id for u in units[i:i + MAX_BATCH]],
                                                        copies=rule.copies, reason=reason))
                            for i in range(0, len(units), MAX_BATCH)]
                run.status, run.job_ids, run.labels = "queued", [j.id for j in jobs], len(units)
            except DomainError as exc:
                run.status, run.error = "failed", str(exc)[:500]
        self.session.add(run)
        self.session.commit()
        return run

    def _units(self, rule: PrintRule, event: Event) -> list[Unit]:
        labelled = select(EventLine.unit_id).where(EventLine.event_id == event.id,
                                                   EventLine.role == LABELLED_ROLE[rule.event_kind])
        query = select(Unit).where(col(Unit.id).in_(labelled)).order_by(col(Unit.code))
        if rule.item_id is not None:
            query = query.where(Unit.item_id == rule.item_id)
        if rule.unit_kind is not None:
            query = query.where(Unit.kind == rule.unit_kind)
        return list(self.session.exec(query).all())


def _applies(rule: PrintRule, event: Event) -> bool:
    """Whether the rule follows this event (its units are narrowed by item and kind later)."""
    return (event.type.value == rule.event_kind.value and event.recorded_at >= rule.created_at
            and (rule.site_id is None or rule.site_id == event.site_id)
            and (rule.item_group is None or (event.attributes or {}).get("item_group") == rule.item_group))

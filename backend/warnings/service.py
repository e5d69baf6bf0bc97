"""Raise warnings from what the rules find, once per situation, and carry them through acknowledge and close."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

import backend.tables  # noqa: F401 - every table: foreign keys resolve wherever this runs
from backend.assets import read_yaml
from backend.auth.principal import Principal
from backend.db import atomic
from backend.errors import InvalidInput, NotFound
from backend.warnings.errors import RuleMisconfigured, WarningNotLive
from backend.warnings.findings import Finding
from backend.warnings.kinds import KINDS, evaluate, params_of
from backend.warnings.models import Notification, QualityWarning, WarningRule
from backend.warnings.schemas import NotifyConfig
from shared_models.enums import WarningState
from shared_models.trace import Event
from shared_models.types import new_id, utcnow

log = logging.getLogger("lotline.warnings")
RULES_FILE = Path(__file__).resolve().parents[2] / "assets" / "warning_rules.yaml"
SEVERITIES = ("minor", "major", "critical")
LIVE = (WarningState.OPEN, WarningState.ACKNOWLEDGED)


def default_rules(path: Path = RULES_FILE) -> list[dict[str, Any]]:
    """The rules shipped in assets/warning_rules.yaml, checked; raises ValueError naming the wrong one."""
    raw = read_yaml(path)
    rules = []
    for entry in raw["rules"]:
        try:
            row = WarningRule(code=entry["code"], kind=entry["kind"], params=entry.get("params") or {},
                              severity=entry.get("severity", "major"), enabled=bool(entry.get("enabled", True)),
                              notify=entry.get("notify") or {}, name_en=entry.get("name_en", ""),
                              name_zh=entry.get("name_zh", ""))
            checked = check_rule(row)
        except (KeyError, InvalidInput) as exc:
            raise ValueError(f"{path.name}, rule {entry.get('code', '?')}: {exc}") from exc
        rules.append(checked)
    return rules


def check_rule(rule: WarningRule) -> dict[str, Any]:
    """The rule's columns with params and notify validated and defaults filled in; raises InvalidInput."""
    if rule.severity not in SEVERITIES:
        raise InvalidInput(f"Rule {rule.code}: severity must be one of {', '.join(SEVERITIES)}.")
    params = params_of(rule).model_dump(mode="json")
    try:
        notify = NotifyConfig.model_validate(rule.notify or {}).model_dump(mode="json", exclude_none=True)
    except ValidationError as exc:
        raise InvalidInput(f"Rule {rule.code}: notify: {exc.errors()[0]['msg']}.") from exc
    return {"code": rule.code, "kind": rule.kind, "params": params, "severity": rule.severity,
            "enabled": rule.enabled, "notify": notify, "name_en": rule.name_en, "name_zh": rule.name_zh}


class RuleCache:
    """The rules as an app's fast path sees them (it runs after every commit), read at most `max_age_s` ago. A
    change made through the app is seen at once (`WarningService.update_rule` forgets them); one made on another
    backend within `max_age_s`."""

    def __init__(self, max_age_s: float = 10.0) -> None:
        self.max_age_s = max_age_s
        self._lock = threading.Lock()
        self._read: tuple[float, list[WarningRule]] | None = None
        self._generation = 0  # bumped by forget: a read that started before it is not kept

    def get(self, session: Session) -> list[WarningRule]:
        with self._lock:
            read, generation = self._read, self._generation
        if read is not None and time.monotonic() - read[0] < self.max_age_s:
            return read[1]
        rules = WarningService(session).rules()
        with self._lock:
            if generation == self._generation:
                self._read = (time.monotonic(), rules)
        return rules

    def forget(self) -> None:
        with self._lock:
            self._read = None
            self._generation += 1


def visible_to(warning: QualityWarning, principal: Principal) -> bool:
    """Site-bound callers see warnings of their site and those that belong to no one site."""
    return principal.sees_site((warning.context or {}).get("site_id") or principal.site_id)


class WarningService:
    """`now` is the clock for windows and lifecycle times; evidence times come from the rows themselves.
    `cache`: the rules as the app's fast path reads them (WarningsRuntime.rules); a rule changed here is dropped
    from it at once."""

    def __init__(self, session: Session, *, now: Callable[[], datetime] = utcnow,
                 cache: RuleCache | None = None) -> None:
        self.session = session
        self.now = now
        self.cache = cache

    # -- rules ---------------------------------------------------------------------------------------------------
    def rules(self) -> list[WarningRule]:
        """Every rule, seeding the table from assets/warning_rules.yaml when it is empty (and committing that)."""
        rows = list(self.session.exec(select(WarningRule).order_by(WarningRule.code)))
        if rows:
            return rows
        insert = pg_insert if self.session.get_bind().dialect.name == "postgresql" else sqlite_insert
        values = [{"id": new_id(), **r} for r in default_rules()]
        # Two first callers may seed at once: the second one's rows are simply not inserted.
        self.session.exec(insert(WarningRule).values(values).on_conflict_do_nothing(index_elements=["code"]))
        self.session.commit()
        log.info("warning rules seeded from %s", RULES_FILE.name)
        return list(self.session.exec(select(WarningRule).order_by(WarningRule.code)))

    def rule(self, ref: str) -> WarningRule:
        self.rules()
        row = self.session.exec(select(WarningRule).where((WarningRule.id == ref) | (WarningRule.code == ref))).first()
        if row is None:
            raise NotFound("warning rule", ref)
        return row

    @atomic
    def update_rule(self, ref: str, *, enabled: bool | None = None, params: dict[str, Any] | None = None,
                    severity: str | None = None, notify: dict[str, Any] | None = None,
                    name_en: str | None = None, name_zh: str | None = None) -> WarningRule:
        """Changes a rule; `params` are merged into the current ones, `notify` replaces the old (a masked secret
        keeps its old value). Raises InvalidInput naming what is wrong, changing nothing."""
        row = self.rule(ref)
        wanted = WarningRule(
            id=row.id, code=row.code, kind=row.kind,
            params={**row.params, **params} if params is not None else dict(row.params),
            severity=row.severity if severity is None else severity,
            enabled=row.enabled if enabled is None else enabled, notify=dict(row.notify),
            name_en=row.name_en if name_en is None else name_en, name_zh=row.name_zh if name_zh is None else name_zh)
        if notify is not None:
            try:
                new = NotifyConfig.model_validate(notify).merged(NotifyConfig.model_validate(row.notify or {}))
            except ValidationError as exc:
                raise InvalidInput(f"Rule {row.code}: notify: {exc.errors()[0]['msg']}.", rule=row.code) from exc
            wanted.notify = new.model_dump(mode="json", exclude_none=True)
        try:
            checked = check_rule(wanted)
        except InvalidInput:
            self.session.rollback()
            raise
        for name in ("params", "severity", "enabled", "notify", "name_en", "name_zh"):
            setattr(row, name, checked[name])
        self.session.add(row)
        self.session.commit()
        if self.cache is not None:
            self.cache.forget()
        log.info("warning rule %s changed: enabled=%s params=%s", row.code, row.enabled, row.params)
        return row

    # -- raising -------------------------------------------------------------------------------------------------
    def evaluate_events(self, event_ids: Sequence[str]) -> list[QualityWarning]:
        """The fast path: rules that events can make true, over these events only (rules read through the cache,
        when the service has one)."""
        ids = list(dict.fromkeys(event_ids))
        if not ids:
            return []
        events = self.session.exec(select(Event.id, Event.type, Event.attributes).where(Event.id.in_(ids))).all()
        if not events:
            return []
        raised = []
        for rule in self.rules() if self.cache is None else self.cache.get(self.session):
            kind = KINDS.get(rule.kind)
            if not rule.enabled or kind is None or kind.triggered_by is None:
                continue
            mine = [i for i, event_type, attributes in events if kind.triggered_by(event_type, attributes or {})]
            if mine:
                raised += self._run(rule, mine)
        return raised

    def sweep(self) -> list[QualityWarning]:
        """Every enabled rule over recent data: catches what the fast path cannot see or missed."""
        raised = []
        for rule in self.rules():
            if rule.enabled:
                raised += self._run(rule, None)
        return raised

    def _run(self, rule: WarningRule, event_ids: Sequence[str] | None) -> list[QualityWarning]:
        try:
            findings = evaluate(self.session, rule, event_ids, now=self.now())
        except RuleMisconfigured:
            # One bad rule must not silence the others; it is logged with its reason on every run.
            log.exception("warning rule %s skipped", rule.code)
            self.session.rollback()
            return []
        return self.raise_findings(rule, findings)

    def raise_findings(self, rule: WarningRule, findings: Sequence[Finding]) -> list[QualityWarning]:
        """A warning for each finding whose key has none open or acknowledged, with its notifications queued,
        in one commit."""
        if not findings:
            self.session.commit()
            return []
        # End the reads first, then lock the rule's row: whoever raises for this rule next sees our warnings
        # (on SQLite the UPDATE takes the write lock; on PostgreSQL it locks the row).
        self.session.commit()
        self.session.exec(update(WarningRule).where(WarningRule.id == rule.id).values(code=WarningRule.code))
        live = set(self.session.exec(select(QualityWarning.dedupe_key).where(
            QualityWarning.rule_id == rule.id, QualityWarning.state.in_(LIVE))))
        config = NotifyConfig.model_validate(rule.notify or {})
        raised = []
        for finding in findings:
            key = finding.dedupe_key[:200]
            if key in live:
                continue
            live.add(key)
            warning = QualityWarning(rule_id=rule.id, dedupe_key=key, severity=rule.severity,
                                     message=finding.message[:1000], context=finding.context, opened_at=self.now())
            self.session.add(warning)
            raised.append(warning)
        self.session.flush()   # the warnings first: their notifications refer to them
        for warning in raised:
            self.session.add_all([Notification(warning_id=warning.id, channel="webhook", target=t.url)
                                  for t in config.webhooks])
            self.session.add_all([Notification(warning_id=warning.id, channel="email", target=address)
                                  for address in config.emails])
        self.session.commit()
        for warning in raised:
            log.info("warning raised by %s: %s", rule.code, warning.message)
        return raised

    # -- lifecycle -----------------------------------------------------------------------------------------------
    def list(self, principal: Principal, *, state: WarningState | None = None, rule: str | None = None,
             limit: int = 100) -> list[QualityWarning]:
        query = select(QualityWarning).order_by(QualityWarning.opened_at.desc(), QualityWarning.id)
        if state is not None:
            query = query.where(QualityWarning.state == state)
        if rule is not None:
            query = query.where(QualityWarning.rule_id == self.rule(rule).id)
        found = []
        for warning in self.session.exec(query.execution_options(yield_per=500)):
            if visible_to(warning, principal):
                found.append(warning)
                if len(found) >= limit:
                    break
        return found

    def get(self, warning_id: str, principal: Principal) -> QualityWarning:
        """Raises NotFound alike for a warning that doesn't exist and one of a site the caller can't see."""
        warning = self.session.get(QualityWarning, warning_id)
        if warning is None or not visible_to(warning, principal):
            raise NotFound("warning", warning_id)
        return warning

    @atomic
    def acknowledge(self, warning_id: str, by: Principal) -> QualityWarning:
        """open → acknowledged; raises WarningNotLive for one already acknowledged or closed."""
        warning = self._locked(warning_id, by)
        if warning.state is not WarningState.OPEN:
            self.session.rollback()
            raise WarningNotLive(f"Warning {warning_id} is {warning.state.value}; only an open warning can be "
                                 f"acknowledged.", state=warning.state.value)
        warning.state, warning.acknowledged_at, warning.acknowledged_by = (
            WarningState.ACKNOWLEDGED, self.now(), _user(by))
        return self._save(warning)

    @atomic
    def close(self, warning_id: str, by: Principal, note: str = "") -> QualityWarning:
        """open or acknowledged → closed; the same situation fires again only on new evidence.
        Raises WarningNotLive for one already closed."""
        warning = self._locked(warning_id, by)
        if warning.state is WarningState.CLOSED:
            self.session.rollback()
            raise WarningNotLive(f"Warning {warning_id} is already closed.", state=warning.state.value)
        warning.state, warning.closed_at, warning.closed_by = WarningState.CLOSED, self.now(), _user(by)
        if note:
            warning.context = {**warning.context, "close_note": note}
        return self._save(warning)

    def _locked(self, warning_id: str, by: Principal) -> QualityWarning:
        warning = self.get(warning_id, by)
        self.session.refresh(warning, with_for_update=True)
        return warning

    def _save(self, warning: QualityWarning) -> QualityWarning:
        self.session.add(warning)
        self.session.commit()
        return warning


def _user(principal: Principal) -> str | None:
    return principal.user_id if principal.user_id != "system" else None

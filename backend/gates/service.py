"""Gate rules kept in the gate_rule table (seeded from assets/gates.yaml) and the context their checks read."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from backend.assets import read_yaml
from backend.db import begin_write
from backend.errors import InvalidInput, NotFound
from backend.gates.models import GateRule
from backend.production.models import OperationReport, Route, WorkOrder
from backend.quality.models import Inspection, InspectionPlan
from shared_models.enums import InspectionStage
from shared_models.gates import (
    ACTIONS,
    CHECKS,
    GateContext,
    GateRuleData,
    Violation,
    evaluate,
    guards,
    rules_from_entries,
)
from shared_models.masterdata import Item, Location
from shared_models.trace import Unit
from shared_models.types import new_id

log = logging.getLogger("lotline.gates")
RULES_FILE = Path(__file__).resolve().parents[2] / "assets" / "gates.yaml"


def validate_rule(rule: GateRuleData) -> GateRuleData:
    """The rule with its parameters filled in with defaults; raises ValueError naming what is wrong."""
    check = CHECKS.get(rule.check)
    if check is None:
        raise ValueError(f"check '{rule.check}' does not exist; known checks: {', '.join(sorted(CHECKS))}")
    unknown = sorted(set(rule.actions) - ACTIONS)
    if unknown or not rule.actions:
        raise ValueError(f"actions must be some of {', '.join(sorted(ACTIONS))}; got {list(rule.actions)}")
    params = check.validated(rule.params)
    for name, template in (("message_en", rule.message_en), ("message_zh", rule.message_zh)):
        try:
            check.check_message(template)
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from exc
    return GateRuleData(code=rule.code, actions=tuple(rule.actions), check=rule.check, params=params,
                        enabled=rule.enabled, message_en=rule.message_en, message_zh=rule.message_zh)


def default_rules(path: Path = RULES_FILE) -> list[GateRuleData]:
    """The rules shipped in assets/gates.yaml; raises ValueError naming the rule that is wrong."""
    rules = []
    for rule in rules_from_entries(read_yaml(path)["rules"], path.name):
        try:
            rules.append(validate_rule(rule))
        except ValueError as exc:
            raise ValueError(f"{path.name}, rule {rule.code}: {exc}") from exc
    return rules


def rule_data(row: GateRule) -> GateRuleData:
    return GateRuleData(code=row.code, actions=tuple(row.actions), check=row.check, params=dict(row.params),
                        enabled=row.enabled, message_en=row.message_en, message_zh=row.message_zh)


class GateService:
    """Reads the rules afresh on every check, so a rule changed through the API applies to the next action."""

    def __init__(self, session: Session, *, today: date | None = None) -> None:
        self.session = session
        self.today = today or date.today()

    # -- rules ---------------------------------------------------------------------------------------------------
    def rules(self) -> list[GateRule]:
        """Every rule, seeding the table from assets/gates.yaml when it is empty (in the caller's transaction)."""
        rows = list(self.session.exec(select(GateRule).order_by(GateRule.code)).all())
        if rows:
            return rows
        self._seed()
        return list(self.session.exec(select(GateRule).order_by(GateRule.code)).all())

    def rule_set(self) -> list[GateRuleData]:
        """Every rule as plain data, for `evaluate`."""
        return [rule_data(r) for r in self.rules()]

    def _seed(self) -> None:
        values = [{"id": new_id(), "code": r.code, "actions": list(r.actions), "check": r.check,
                   "params": dict(r.params), "enabled": r.enabled, "message_en": r.message_en,
                   "message_zh": r.message_zh} for r in default_rules()]
        insert = pg_insert if self.session.get_bind().dialect.name == "postgresql" else sqlite_insert
        # Two first requests may seed at once: the second one's rows are simply not inserted.
        self.session.exec(insert(GateRule).values(values).on_conflict_do_nothing(index_elements=["code"]))
        log.info("gate rules seeded from %s", RULES_FILE.name)

    def get(self, code: str) -> GateRule:
        self.rules()
        row = self.session.exec(select(GateRule).where(GateRule.code == code)).first()
        if row is None:
            raise NotFound("gate rule", code)
        return row

    def update(self, code: str, *, enabled: bool | None = None, actions: list[str] | None = None,
               params: dict[str, Any] | None = None, message_en: str | None = None,
               message_zh: str | None = None) -> GateRule:
        """Changes a rule; `params` are merged into the current ones. Raises InvalidInput naming what is wrong,
        changing nothing."""
        row = self.get(code)
        self.session.commit()  # the rules stay seeded even when this change is refused
        begin_write(self.session)  # read-merge-write of params: as the one writer (row is read again)
        current = rule_data(row)
        wanted = GateRuleData(
            code=row.code, check=row.check,
            actions=tuple(actions) if actions is not None else current.actions,
            params={**current.params, **params} if params is not None else current.params,
            enabled=current.enabled if enabled is None else enabled,
            message_en=current.message_en if message_en is None else message_en,
            message_zh=current.message_zh if message_zh is None else message_zh)
        try:
            checked = validate_rule(wanted)
        except ValueError as exc:
            raise InvalidInput(f"Gate rule {code}: {exc}", rule=code) from exc
        row.actions, row.params, row.enabled = list(checked.actions), dict(checked.params), checked.enabled
        row.message_en, row.message_zh = checked.message_en, checked.message_zh
        self.session.add(row)
        self.session.commit()
        log.info("gate rule %s changed: enabled=%s actions=%s params=%s", code, row.enabled, row.actions, row.params)
        return row

    # -- checking ------------------------------------------------------------------------------------------------
    def check(self, action: str, unit: Unit | None = None, **ctx: Any) -> list[Violation]:
        """What the enabled rules guarding `action` find; `ctx` as for `context`."""
        rules = self.rule_set()
        if not guards(rules, action):
            return []
        return evaluate(rules, action, self.context(action, unit, **ctx))

    def context(self, action: str, unit: Unit | None = None, *, target: Location | None = None,
                work_order: WorkOrder | None = None, operation_seq: int | None = None,
                route: Route | None = None, today: date | None = None) -> GateContext:
        """The facts the checks read, from the database: the unit's status and inspections, the target location,
        and for an operation report, the work order's route and what has been reported on it so far."""
        item = self.session.get(Item, unit.item_id) if unit is not None and unit.item_id else None
        passed = self.passed_stages([unit])[unit.id] if unit is not None and item is not None else frozenset()
        ctx = self.unit_context(action, unit, item, passed, target=target, today=today)
        if item is not None and action == "ship":
            ctx.has_oqc_plan = self._has_oqc_plan(item)
        if work_order is not None:
            ctx.work_order = work_order.code
            ctx.good_by_seq = self.good_by_seq(work_order.id)
        if operation_seq is not None:
            ctx.operation_seq = operation_seq
            seqs = sorted(int(op["seq"]) for op in route.operations) if route is not None else []
            earlier = [s for s in seqs if s < operation_seq]
            ctx.previous_seq = earlier[-1] if earlier else None
        return ctx

    def unit_context(self, action: str, unit: Unit | None, item: Item | None, passed_stages: frozenset[str], *,
                     target: Location | None = None, today: date | None = None) -> GateContext:
        """The unit and target facts from what the caller has already read (no I/O): `context` uses it for one
        unit, set-based capture for many."""
        ctx = GateContext(today=today or self.today, action=action)
        if unit is not None:
            ctx.unit, ctx.status, ctx.expires_on = unit.code, unit.status, unit.expires_on
            if item is not None:
                ctx.needs_iqc = item.needs_iqc and unit.supplier_id is not None
                ctx.passed_stages = passed_stages
        if target is not None:
            ctx.target_location, ctx.target_location_kind = target.code, target.kind.value
        return ctx

    def passed_stages(self, units: list[Unit]) -> dict[str, frozenset[str]]:
        """Unit id → stages whose latest inspection of the unit, or of the lot a serial belongs to, passed."""
        own = {u.id: {u.id, *([u.lot_unit_id] if u.lot_unit_id else [])} for u in units}
        wanted = sorted({i for ids in own.values() for i in ids})
        rows = self.session.exec(select(Inspection.unit_id, Inspection.stage, Inspection.verdict)
                                 .where(col(Inspection.unit_id).in_(wanted))
                                 .order_by(Inspection.occurred_at, Inspection.recorded_at)).all() if wanted else []
        found: dict[str, frozenset[str]] = {}
        for unit_id, ids in own.items():
            latest = {stage: verdict for inspected, stage, verdict in rows if inspected in ids}
            found[unit_id] = frozenset(stage.value for stage, verdict in latest.items() if verdict == "pass")
        return found

    def _has_oqc_plan(self, item: Item) -> bool:
        plan = self.session.exec(select(InspectionPlan.id).where(
            InspectionPlan.stage == InspectionStage.OQC, InspectionPlan.active.is_(True),  # type: ignore[attr-defined]
            or_(InspectionPlan.item_id == item.id, InspectionPlan.item_id.is_(None)))).first()  # type: ignore[union-attr]
        return plan is not None

    def good_by_seq(self, work_order_id: str) -> dict[int, float]:
        """Good quantity reported so far per operation of a work order."""
        self.session.flush()
        rows = self.session.exec(select(OperationReport.seq, func.sum(OperationReport.good_qty))
                                 .where(OperationReport.work_order_id == work_order_id)
                                 .group_by(OperationReport.seq)).all()
        return {int(seq): float(total or 0.0) for seq, total in rows}

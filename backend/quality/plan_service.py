"""Inspection plans (检验方案) by code: create, versioned edits, the active plan for an item and stage, demo plans."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import or_
from sqlmodel import Session, select

from backend.assets import read_yaml
from backend.db import atomic
from backend.errors import Conflict, NotFound
from backend.masterdata.errors import StaleVersion
from backend.quality.errors import InvalidPlan, PlanAlreadyActive
from backend.quality.models import InspectionPlan
from backend.quality.schemas import DefectCode, PlanCreate
from shared_models.enums import InspectionStage
from shared_models.masterdata import Item
from shared_models.quality import Characteristic, CharacteristicDefinitionError, SamplingError, sampling_plan
from shared_models.types import utcnow

PLANS_FILE = Path(__file__).resolve().parents[2] / "assets" / "quality" / "plans.yaml"


def characteristics_of(plan: InspectionPlan) -> list[Characteristic]:
    return [Characteristic.from_dict(c) for c in plan.characteristics]


class PlanService:
    """Writes commit; a refused write leaves nothing behind."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get_plan(self, code: str) -> InspectionPlan:
        plan = self.session.exec(select(InspectionPlan).where(InspectionPlan.code == code)).first()
        if plan is None:
            raise NotFound("inspection plan", code)
        return plan

    def list_plans(self, *, item: str | None = None, stage: InspectionStage | None = None,
                   active: bool | None = None) -> list[InspectionPlan]:
        query = select(InspectionPlan).order_by(InspectionPlan.code)
        if item is not None:
            query = query.where(InspectionPlan.item_id == self._item(item).id)
        if stage is not None:
            query = query.where(InspectionPlan.stage == stage)
        if active is not None:
            query = query.where(InspectionPlan.active == active)
        return list(self.session.exec(query))

    def active_for(self, item_id: str | None, stage: InspectionStage) -> InspectionPlan | None:
        """The item's own active plan for the stage, else an active plan for any item."""
        rows = self.session.exec(select(InspectionPlan).where(
            InspectionPlan.stage == stage, InspectionPlan.active.is_(True),  # type: ignore[attr-defined]
            or_(InspectionPlan.item_id == item_id, InspectionPlan.item_id.is_(None))))  # type: ignore[union-attr]
        return min(rows, key=lambda p: (p.item_id is None, p.code), default=None)

    @atomic
    def create(self, data: PlanCreate) -> InspectionPlan:
        try:
            return self._committed(self.stage_plan(data))
        except BaseException:
            self.session.rollback()
            raise

    def stage_plan(self, data: PlanCreate) -> InspectionPlan:
        """Adds the plan without committing (for loaders that commit a batch)."""
        if self.session.exec(select(InspectionPlan.id).where(InspectionPlan.code == data.code)).first():
            raise Conflict(f"Inspection plan {data.code} exists already; edit it or choose another code.",
                           plan=data.code)
        item = self._item(data.item) if data.item else None
        fields = _checked(data.code, data.model_dump(exclude={"code", "item", "stage", "active"}))
        plan = InspectionPlan(code=data.code, item_id=item.id if item else None, stage=data.stage,
                              active=data.active, **fields)
        if plan.active:
            self._only_active(plan)
        self.session.add(plan)
        self.session.flush()
        return plan

    @atomic
    def update(self, code: str, changes: Mapping[str, Any], expected_version: int | None = None) -> InspectionPlan:
        """Raises StaleVersion when the plan moved past `expected_version` (someone else edited it)."""
        try:
            plan = self.session.exec(select(InspectionPlan).where(InspectionPlan.code == code)
                                     .with_for_update()).first()
            if plan is None:
                raise NotFound("inspection plan", code)
            if expected_version is not None and expected_version != plan.version:
                raise StaleVersion("inspection plan", code, plan.version, expected_version)
            current = {k: getattr(plan, k) for k in ("name", "aql", "level", "characteristics", "defect_codes")}
            merged = _checked(code, {**current, **{k: v for k, v in changes.items() if k != "active"}})
            if changes.get("active") is not None:
                merged["active"] = changes["active"]
            changed = False
            for field, value in merged.items():
                if getattr(plan, field) != value:
                    setattr(plan, field, value)
                    changed = True
            if changed:
                if plan.active:
                    self._only_active(plan)
                plan.version += 1
                plan.updated_at = utcnow()
                self.session.add(plan)
            return self._committed(plan)
        except BaseException:
            self.session.rollback()
            raise

    def _only_active(self, plan: InspectionPlan) -> None:
        other = self.session.exec(select(InspectionPlan.code).where(
            InspectionPlan.stage == plan.stage, InspectionPlan.active.is_(True),  # type: ignore[attr-defined]
            InspectionPlan.item_id == plan.item_id if plan.item_id else InspectionPlan.item_id.is_(None),  # type: ignore[union-attr]
            InspectionPlan.code != plan.code)).first()
        if other is not None:
            raise PlanAlreadyActive(f"Plan {other} is already the active {plan.stage.value.upper()} plan for this "
                                    f"item; deactivate it first.", plan=plan.code, active_plan=other)

    def _item(self, part_no: str) -> Item:
        item = self.session.exec(select(Item).where(Item.part_no == part_no)).first()
        if item is None:
            raise InvalidPlan(f"item: no item '{part_no}'.", field="item", value=part_no)
        return item

    def _committed(self, plan: InspectionPlan) -> InspectionPlan:
        self.session.commit()
        return plan


def _checked(code: str, fields: dict[str, Any]) -> dict[str, Any]:
    """The plan's characteristics, defect codes and sampling, checked together; InvalidPlan names every problem."""
    problems: list[str] = []
    defects = [d.model_dump() if isinstance(d, BaseModel) else DefectCode.model_validate(d).model_dump()
               for d in fields["defect_codes"]]
    known = {d["code"] for d in defects}
    seen: set[str] = set()
    for raw in fields["characteristics"]:
        try:
            c = Characteristic.from_dict(raw)
        except (CharacteristicDefinitionError, TypeError) as exc:
            problems.append(str(exc).rstrip("."))
            continue
        if c.code in seen:
            problems.append(f"characteristic {c.code!r} is listed twice")
        seen.add(c.code)
        if known and c.defect_code and c.defect_code not in known:
            problems.append(f"characteristic {c.code!r} reports defect code {c.defect_code!r}, which the plan's "
                            f"defect codes do not list")
    try:
        sampling_plan(1, fields["aql"], fields["level"])
    except SamplingError as exc:
        problems.append(str(exc).rstrip("."))
    if problems:
        raise InvalidPlan(f"Plan {code}: " + "; ".join(problems) + ".", plan=code, problems=problems)
    return {**fields, "defect_codes": defects}


def load_demo_plans(session: Session, path: Path = PLANS_FILE) -> dict[str, list[str]]:
    """Adds the plans of `path` whose item (matched by part no.) exists and whose code is new, and marks the
    item of an active IQC plan as needing IQC, so its receipts wait in quarantine for that plan. Commits once."""
    raw = read_yaml(path)
    service = PlanService(session)
    loaded: list[str] = []
    skipped: list[str] = []
    try:
        for entry in raw["plans"]:
            try:
                data = PlanCreate.model_validate(entry)
            except ValidationError as exc:
                raise InvalidPlan(f"{path.name}: plan {entry.get('code')!r}: {exc}") from exc
            exists = session.exec(select(InspectionPlan.id).where(InspectionPlan.code == data.code)).first()
            item = session.exec(select(Item).where(Item.part_no == data.item)).first() if data.item else None
            if exists or (data.item and item is None):
                skipped.append(data.code)
                continue
            service.stage_plan(data)
            loaded.append(data.code)
            if item is not None and data.stage is InspectionStage.IQC and data.active and not item.needs_iqc:
                item.needs_iqc = True
                item.version += 1
                item.updated_at = utcnow()
                session.add(item)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return {"loaded": loaded, "skipped": skipped}

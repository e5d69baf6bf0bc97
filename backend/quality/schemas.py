"""What the quality API takes and answers: plans, inspections with their photos, nonconformances and their steps."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, select

from backend.auth.models import User
from backend.production.models import WorkOrder
from backend.quality.models import Inspection, InspectionPlan, Nonconformance, NonconformanceStep
from backend.quality.photos import Photo
from shared_models.bounds import INT64_MAX
from shared_models.enums import InspectionStage
from shared_models.masterdata import Item
from shared_models.quality.commands import FieldValue
from shared_models.trace import Unit


# -- plans ------------------------------------------------------------------------------------------------------
class DefectCode(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: Annotated[str, Field(min_length=1, max_length=64)]
    name_en: str = Field(min_length=1, max_length=200)
    name_zh: str = Field(default="", max_length=200)
    severity: Literal["critical", "major", "minor"] = "major"


class PlanCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: Annotated[str, Field(min_length=1, max_length=64)]
    name: str = Field(min_length=1, max_length=200)
    item: str | None = Field(default=None, max_length=64, description="part no.; empty: any item")
    stage: InspectionStage
    aql: str = Field(default="1.0", max_length=8)
    level: str = Field(default="II", max_length=4)
    characteristics: list[dict[str, Any]] = Field(min_length=1, max_length=200)
    defect_codes: list[DefectCode] = Field(default_factory=list, max_length=200)
    active: bool = True


class PlanUpdate(BaseModel):
    """Only the fields sent change; the code, item and stage of a plan are fixed: make a new plan instead."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    aql: str | None = Field(default=None, max_length=8)
    level: str | None = Field(default=None, max_length=4)
    characteristics: list[dict[str, Any]] | None = Field(default=None, min_length=1, max_length=200)
    defect_codes: list[DefectCode] | None = Field(default=None, max_length=200)
    active: bool | None = None
    expected_version: int | None = Field(default=None, ge=1, le=INT64_MAX)

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True, exclude={"expected_version"})


class PlanPublic(BaseModel):
    code: str
    name: str
    item: str | None
    stage: InspectionStage
    aql: str
    level: str
    characteristics: list[dict[str, Any]]
    defect_codes: list[dict[str, Any]]
    active: bool
    version: int
    updated_at: datetime


# -- inspections and photos -------------------------------------------------------------------------------------
class PhotoPublic(BaseModel):
    id: str
    inspection_id: str | None
    characteristic: str
    sample_index: int | None = None
    content_type: str
    size_bytes: int
    sha256: str
    taken_at: datetime
    url: str


class InspectionPublic(BaseModel):
    id: str
    plan: str
    plan_version: int | None
    unit: str
    unit_status: str
    stage: InspectionStage
    lot_size: float
    sample_size: int
    accept: int
    reject: int
    defective_units: int
    verdict: str
    defects: list[dict[str, Any]]
    samples: list[dict[str, Any]]
    results: list[dict[str, Any]]
    photos: list[PhotoPublic]
    nonconformance: str | None
    inspector: str | None
    device_id: str
    occurred_at: datetime
    recorded_at: datetime
    note: str


# -- nonconformances --------------------------------------------------------------------------------------------
class StepPublic(BaseModel):
    transition: str
    from_state: str | None
    to_state: str
    by: str | None
    at: datetime
    fields: dict[str, Any]


class NonconformancePublic(BaseModel):
    code: str
    state: str
    disposition: str | None
    unit: str
    inspection_id: str | None
    description: str
    defects: list[dict[str, Any]]
    opened_by: str | None
    opened_at: datetime
    closed_at: datetime | None
    work_order: str | None
    version: int
    steps: list[StepPublic] | None = None


class TransitionRequest(BaseModel):
    transition: str = Field(min_length=1, max_length=64)
    fields: dict[str, FieldValue] = Field(default_factory=dict)


class DispositionCommand(BaseModel):
    """What the ledger records as the command behind a disposition's event (made by the server, not sent)."""

    id: UUID
    occurred_at: datetime
    nonconformance: str
    transition: str
    device_id: str = ""
    note: str = ""


# -- conversions ------------------------------------------------------------------------------------------------
def plan_public(session: Session, plan: InspectionPlan) -> PlanPublic:
    item = session.get(Item, plan.item_id) if plan.item_id else None
    return PlanPublic(code=plan.code, name=plan.name, item=item.part_no if item else None, stage=plan.stage,
                      aql=plan.aql, level=plan.level, characteristics=plan.characteristics,
                      defect_codes=plan.defect_codes, active=plan.active, version=plan.version,
                      updated_at=plan.updated_at)


def photo_public(photo: Photo, sample_index: int | None = None) -> PhotoPublic:
    return PhotoPublic(id=photo.id, inspection_id=photo.inspection_id, characteristic=photo.characteristic,
                       sample_index=sample_index, content_type=photo.content_type, size_bytes=photo.size_bytes,
                       sha256=photo.sha256, taken_at=photo.taken_at, url=f"/api/quality/photos/{photo.id}")


def inspection_public(session: Session, inspection: Inspection, photos: list[Photo]) -> InspectionPublic:
    plan = session.get_one(InspectionPlan, inspection.plan_id)
    unit = session.get_one(Unit, inspection.unit_id)
    nc = session.exec(select(Nonconformance.code).where(Nonconformance.inspection_id == inspection.id)).first()
    where = {ref["photo_id"]: ref.get("sample_index") for ref in inspection.answers.get("photos", [])}
    return InspectionPublic(
        id=inspection.id, plan=plan.code, plan_version=inspection.answers.get("plan_version"), unit=unit.code,
        unit_status=unit.status.value, stage=inspection.stage, lot_size=inspection.lot_size,
        sample_size=inspection.sample_size, accept=inspection.accept, reject=inspection.reject,
        defective_units=inspection.defective_units, verdict=inspection.verdict, defects=inspection.defects,
        samples=inspection.answers.get("samples", []), results=inspection.answers.get("results", []),
        photos=[photo_public(p, where.get(p.id)) for p in photos], nonconformance=nc,
        inspector=_username(session, inspection.inspector_id), device_id=inspection.device_id,
        occurred_at=inspection.occurred_at, recorded_at=inspection.recorded_at, note=inspection.note)


def nonconformance_public(session: Session, nc: Nonconformance,
                          steps: list[NonconformanceStep] | None = None) -> NonconformancePublic:
    """With `steps` (the nonconformance's history) the answer lists them; without, `steps` is null."""
    order = session.get(WorkOrder, nc.work_order_id) if nc.work_order_id else None
    return NonconformancePublic(
        code=nc.code, state=nc.state, disposition=nc.disposition, unit=session.get_one(Unit, nc.unit_id).code,
        inspection_id=nc.inspection_id, description=nc.description, defects=nc.defects,
        opened_by=_username(session, nc.opened_by), opened_at=nc.opened_at, closed_at=nc.closed_at,
        work_order=order.code if order else None, version=nc.version,
        steps=[StepPublic(transition=s.transition, from_state=s.from_state, to_state=s.to_state,
                          by=_username(session, s.by_user_id), at=s.at, fields=s.fields)
               for s in steps] if steps is not None else None)


def _username(session: Session, user_id: str | None) -> str | None:
    user = session.get(User, user_id) if user_id else None
    return user.username if user else None

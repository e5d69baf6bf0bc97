"""Quality over HTTP (/api/quality): inspection plans, inspections with their photos, nonconformances (MRB)."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Annotated, Any

import anyio
from litestar import Controller, Request, Response, get, patch, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery, JSONBody, Parameter, QueryParameter
from pydantic import BaseModel, Field, ValidationError
from sqlmodel import Session, select

from backend.auth.guards import TRACE_READERS, allow
from backend.auth.models import User
from backend.auth.principal import Principal
from backend.config import Settings
from backend.deps import Caller, Config, Db
from backend.errors import InvalidInput
from backend.masterdata.controller import IfMatch, expected_version
from backend.production.models import WorkOrder
from backend.quality.models import Inspection, InspectionPlan, Nonconformance, NonconformanceStep
from backend.quality.nonconformance import NonconformanceService
from backend.quality.plans import PlanCreate, PlanPublic, PlanService, PlanUpdate, plan_public
from backend.quality.service import DEFAULT_MAX_PHOTO_BYTES, InspectionService, Photo, PhotoInbox
from backend.trace.lookup import unit_by_code
from shared_models.bounds import INT64_MAX
from shared_models.enums import InspectionStage, Role
from shared_models.quality.commands import AdvanceNonconformance, FieldValue, RecordInspection
from shared_models.trace import Unit

READ = allow(*TRACE_READERS)
RECORD = allow(Role.INSPECTOR, Role.QA_MANAGER)
PLAN_WRITE = allow(Role.QA_MANAGER)
MAX_UPLOAD_BYTES = 64 * 1024 * 1024   # the HTTP ceiling; the photo limit itself is the service's (413 with reason)


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


def _username(session: Session, user_id: str | None) -> str | None:
    user = session.get(User, user_id) if user_id else None
    return user.username if user else None


def photo_public(photo: Photo, sample_index: int | None = None) -> PhotoPublic:
    return PhotoPublic(id=photo.id, inspection_id=photo.inspection_id, characteristic=photo.characteristic,
                       sample_index=sample_index, content_type=photo.content_type, size_bytes=photo.size_bytes,
                       sha256=photo.sha256, taken_at=photo.taken_at, url=f"/api/quality/photos/{photo.id}")


def inspection_public(service: InspectionService, inspection: Inspection) -> InspectionPublic:
    session = service.session
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
        photos=[photo_public(p, where.get(p.id)) for p in service.photos_of(inspection)], nonconformance=nc,
        inspector=_username(session, inspection.inspector_id), device_id=inspection.device_id,
        occurred_at=inspection.occurred_at, recorded_at=inspection.recorded_at, note=inspection.note)


def nonconformance_public(service: NonconformanceService, nc: Nonconformance, *,
                          with_steps: bool = False) -> NonconformancePublic:
    session = service.session
    order = session.get(WorkOrder, nc.work_order_id) if nc.work_order_id else None
    steps: list[NonconformanceStep] = service.steps(nc) if with_steps else []
    return NonconformancePublic(
        code=nc.code, state=nc.state, disposition=nc.disposition, unit=session.get_one(Unit, nc.unit_id).code,
        inspection_id=nc.inspection_id, description=nc.description, defects=nc.defects,
        opened_by=_username(session, nc.opened_by), opened_at=nc.opened_at, closed_at=nc.closed_at,
        work_order=order.code if order else None, version=nc.version,
        steps=[StepPublic(transition=s.transition, from_state=s.from_state, to_state=s.to_state,
                          by=_username(session, s.by_user_id), at=s.at, fields=s.fields)
               for s in steps] if with_steps else None)


def inspections(db: Session, principal: Principal, settings: Settings) -> InspectionService:
    limit = int(settings.extra.get("photo_max_bytes", DEFAULT_MAX_PHOTO_BYTES))
    return InspectionService(db, principal, photo_inbox=PhotoInbox(settings.data_dir / "photo-inbox"),
                             max_photo_bytes=limit)


class QualityController(Controller):
    path = "/api/quality"
    tags = ["quality"]

    # -- plans ------------------------------------------------------------------------------------------------
    @get("/plans", guards=[READ], sync_to_thread=True)
    def list_plans(self, db: Db, item: FromQuery[str | None] = None, stage: FromQuery[InspectionStage | None] = None,
                   active: FromQuery[bool | None] = None) -> list[PlanPublic]:
        return [plan_public(db, p) for p in PlanService(db).list_plans(item=item, stage=stage, active=active)]

    @get("/plans/{code:str}", guards=[READ], sync_to_thread=True)
    def get_plan(self, code: FromPath[str], db: Db) -> PlanPublic:
        return plan_public(db, PlanService(db).get_plan(code))

    @post("/plans", guards=[PLAN_WRITE], sync_to_thread=True)
    def create_plan(self, data: JSONBody[PlanCreate], db: Db) -> PlanPublic:
        return plan_public(db, PlanService(db).create(data))

    @patch("/plans/{code:str}", guards=[PLAN_WRITE], sync_to_thread=True)
    def update_plan(self, code: FromPath[str], data: JSONBody[PlanUpdate], db: Db,
                    if_match: IfMatch = None) -> PlanPublic:
        plan = PlanService(db).update(code, data.changes(), expected_version(if_match, data.expected_version))
        return plan_public(db, plan)

    # -- inspections ------------------------------------------------------------------------------------------
    @post("/inspections", guards=[RECORD], sync_to_thread=True)
    def record_inspection(self, data: JSONBody[RecordInspection], db: Db, principal: Caller,
                          settings: Config) -> InspectionPublic:
        service = inspections(db, principal, settings)
        return inspection_public(service, service.record(data))

    @get("/inspections/{inspection_id:str}", guards=[READ], sync_to_thread=True)
    def get_inspection(self, inspection_id: FromPath[str], db: Db, principal: Caller,
                       settings: Config) -> InspectionPublic:
        service = inspections(db, principal, settings)
        return inspection_public(service, service.inspection(inspection_id))

    @get("/inspections", guards=[READ], sync_to_thread=True)
    def list_inspections(self, db: Db, principal: Caller, settings: Config,
                         unit: Annotated[str, Parameter(min_length=1, max_length=96)]) -> list[InspectionPublic]:
        service = inspections(db, principal, settings)
        return [inspection_public(service, i) for i in service.inspections_of(unit)]

    # -- photos -----------------------------------------------------------------------------------------------
    @post("/photos", guards=[RECORD], request_max_body_size=MAX_UPLOAD_BYTES)
    async def upload_photo(self, request: Request[Any, Any, Any], db: Db, principal: Caller, settings: Config,
                           inspection_id: FromQuery[str | None] = None, characteristic: FromQuery[str] = "",
                           photo_id: FromQuery[str | None] = None) -> PhotoPublic:
        """The photo as the raw body (image/jpeg or image/png) with the other fields in the query, or as the one
        file of a multipart upload with them as form fields. Without inspection_id the photo waits for the
        inspection that lists its id."""
        given: dict[str, Any] = {"inspection_id": inspection_id, "characteristic": characteristic,
                                 "photo_id": photo_id}
        if request.content_type[0] == "multipart/form-data":
            form = await request.form()
            files = [v for _, v in form.multi_items() if isinstance(v, UploadFile)]
            if len(files) != 1:
                raise InvalidInput(f"Upload exactly one photo file; got {len(files)}.")
            given.update({k: v for k, v in form.items() if k in given and isinstance(v, str) and v})
            raw, claimed = await files[0].read(), files[0].content_type
        else:
            raw, claimed = await request.body(), request.content_type[0]
        service = inspections(db, principal, settings)
        run = partial(service.add_photo, given["inspection_id"], raw, claimed,
                      characteristic=given["characteristic"], photo_id=given["photo_id"])
        return photo_public(await anyio.to_thread.run_sync(run))

    @get("/photos/{photo_id:str}", guards=[READ], sync_to_thread=True)
    def get_photo(self, photo_id: FromPath[str], db: Db, principal: Caller, settings: Config) -> Response[bytes]:
        photo = inspections(db, principal, settings).photo(photo_id)
        return Response(photo.data, media_type=photo.content_type,
                        headers={"ETag": f'"{photo.sha256}"', "Cache-Control": "private, max-age=86400"})

    # -- nonconformances --------------------------------------------------------------------------------------
    @get("/nonconformances", guards=[READ], sync_to_thread=True)
    def list_nonconformances(self, db: Db, principal: Caller,
                             nc_state: Annotated[str | None, QueryParameter(name="state")] = None,
                             unit: FromQuery[str | None] = None,
                             limit: Annotated[int, Parameter(ge=1, le=500)] = 100,
                             offset: Annotated[int, Parameter(ge=0, le=INT64_MAX)] = 0) -> list[NonconformancePublic]:
        service = NonconformanceService(db)
        unit_id = unit_by_code(db, unit, principal).id if unit else None
        found = service.list_for(principal, state=nc_state, unit_id=unit_id, limit=limit, offset=offset)
        return [nonconformance_public(service, nc) for nc in found]

    @get("/nonconformances/{code:str}", guards=[READ], sync_to_thread=True)
    def get_nonconformance(self, code: FromPath[str], db: Db, principal: Caller) -> NonconformancePublic:
        service = NonconformanceService(db)
        return nonconformance_public(service, service.get(code, principal), with_steps=True)

    @post("/nonconformances/{code:str}/transitions", guards=[RECORD], status_code=200, sync_to_thread=True)
    def advance_nonconformance(self, code: FromPath[str], data: JSONBody[TransitionRequest], db: Db,
                               principal: Caller) -> NonconformancePublic:
        """Who may fire what is the workflow's to decide: 409 illegal_transition says why not."""
        try:
            c = AdvanceNonconformance(code=code, transition=data.transition, fields=data.fields)
        except ValidationError as exc:
            raise InvalidInput(f"Transition request: {exc.errors()[0]['msg']}.") from exc
        service = NonconformanceService(db)
        nc = service.advance(c.code, c.transition, c.fields, principal)
        return nonconformance_public(service, nc, with_steps=True)

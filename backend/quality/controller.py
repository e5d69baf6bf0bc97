"""Quality over HTTP (/api/quality): inspection plans, inspections with their photos, nonconformances (MRB)."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

import anyio
from litestar import Controller, Request, Response, get, patch, post
from litestar.datastructures import UploadFile
from litestar.openapi.spec import OpenAPIType, Schema
from litestar.params import FromPath, FromQuery, JSONBody, Parameter, QueryParameter
from pydantic import ValidationError
from sqlmodel import Session

from backend.auth.guards import TRACE_READERS, allow
from backend.auth.principal import Principal
from backend.config import Settings
from backend.deps import Caller, Config, Db, IfMatch, expected_version
from backend.errors import InvalidInput
from backend.openapi import binary, request_body, upload
from backend.quality.inspection_service import InspectionService
from backend.quality.models import Inspection
from backend.quality.nonconformance_service import NonconformanceService
from backend.quality.photo_inbox import PhotoInbox
from backend.quality.photos import DEFAULT_MAX_PHOTO_BYTES
from backend.quality.plan_service import PlanService
from backend.quality.schemas import (
    InspectionPublic,
    NonconformancePublic,
    PhotoPublic,
    PlanCreate,
    PlanPublic,
    PlanUpdate,
    TransitionRequest,
    inspection_public,
    nonconformance_public,
    photo_public,
    plan_public,
)
from backend.trace.lookup import unit_by_code
from shared_models.bounds import INT64_MAX
from shared_models.enums import InspectionStage, Role
from shared_models.quality.commands import AdvanceNonconformance, RecordInspection

READ = allow(*TRACE_READERS)
RECORD = allow(Role.INSPECTOR, Role.QA_MANAGER)
PLAN_WRITE = allow(Role.QA_MANAGER)
MAX_UPLOAD_BYTES = 64 * 1024 * 1024   # the HTTP ceiling; the photo limit itself is the service's (413 with reason)


def inspections(db: Session, principal: Principal, settings: Settings) -> InspectionService:
    limit = int(settings.extra.get("photo_max_bytes", DEFAULT_MAX_PHOTO_BYTES))
    return InspectionService(db, principal, photo_inbox=PhotoInbox.in_data_dir(settings.data_dir),
                             max_photo_bytes=limit)


def _inspection_public(service: InspectionService, inspection: Inspection) -> InspectionPublic:
    return inspection_public(service.session, inspection, service.photos_of(inspection))


PHOTO_UPLOAD = request_body("The photo, raw (fields in the query) or the one file of a form (fields in it).", {
    "image/jpeg": binary("JPEG"), "image/png": binary("PNG"),
    "multipart/form-data": upload("the JPEG or PNG", {n: Schema(type=OpenAPIType.STRING)
                                                      for n in ("inspection_id", "characteristic", "photo_id")})})


class QualityController(Controller):
    path = "/api/quality"
    tags = ["quality"]

    # -- plans ------------------------------------------------------------------------------------------------
    @get("/plans", guards=[READ], sync_to_thread=True)
    def list_plans(self, db: Db, item: FromQuery[str | None] = None, stage: FromQuery[InspectionStage | None] = None,
                   active: FromQuery[bool | None] = None) -> list[PlanPublic]:
        """Inspection plans (IQC, IPQC, OQC/FQC) with their characteristics."""
        return [plan_public(db, p) for p in PlanService(db).list_plans(item=item, stage=stage, active=active)]

    @get("/plans/{code:str}", guards=[READ], sync_to_thread=True)
    def get_plan(self, code: FromPath[str], db: Db) -> PlanPublic:
        """One inspection plan with its characteristics (see POST /api/quality/plans for their fields)."""
        return plan_public(db, PlanService(db).get_plan(code))

    @post("/plans", guards=[PLAN_WRITE], sync_to_thread=True)
    def create_plan(self, data: JSONBody[PlanCreate], db: Db) -> PlanPublic:
        """Creates an inspection plan. Each entry of `characteristics` is an object: `code`, `name`, `kind`
        (`numeric` | `pass_fail` | `choice` | `text` | `photo`), and as the kind needs: `unit`,
        `lower`/`upper`/`nominal` (numeric; limits inclusive, either may be left out), `choices` and
        `fail_choices` (choice), `required` (default true), `photo_required`, `defect_code`, `severity`
        (`critical` | `major` | `minor`). Sampling follows `aql` and inspection `level`. Every problem is named
        at once (422)."""
        return plan_public(db, PlanService(db).create(data))

    @patch("/plans/{code:str}", guards=[PLAN_WRITE], sync_to_thread=True)
    def update_plan(self, code: FromPath[str], data: JSONBody[PlanUpdate], db: Db,
                    if_match: IfMatch = None) -> PlanPublic:
        """Changes an inspection plan; inspections already recorded keep the version they used."""
        plan = PlanService(db).update(code, data.changes(), expected_version(if_match, data.expected_version))
        return plan_public(db, plan)

    # -- inspections ------------------------------------------------------------------------------------------
    @post("/inspections", guards=[RECORD], sync_to_thread=True)
    def record_inspection(self, data: JSONBody[RecordInspection], db: Db, principal: Caller,
                          settings: Config) -> InspectionPublic:
        """Records an inspection of a unit. `answers` holds one object per sampled unit, mapping
        characteristic code to its answer: a number (or numeric text) for `numeric`, true/false for `pass_fail`,
        one of `choices` for `choice`, text for `text`. `photos` point at uploaded photo ids by `sample_index`.
        The verdict is computed from the plan; a pass may release the unit, a fail opens a nonconformance."""
        service = inspections(db, principal, settings)
        return _inspection_public(service, service.record(data))

    @get("/inspections/{inspection_id:str}", guards=[READ], sync_to_thread=True)
    def get_inspection(self, inspection_id: FromPath[str], db: Db, principal: Caller,
                       settings: Config) -> InspectionPublic:
        """One recorded inspection with its answers, verdict and photos."""
        service = inspections(db, principal, settings)
        return _inspection_public(service, service.inspection(inspection_id))

    @get("/inspections", guards=[READ], sync_to_thread=True)
    def list_inspections(self, db: Db, principal: Caller, settings: Config,
                         unit: Annotated[str, Parameter(min_length=1, max_length=96)]) -> list[InspectionPublic]:
        """Recorded inspections, filtered by unit, plan or verdict, newest first."""
        service = inspections(db, principal, settings)
        return [_inspection_public(service, i) for i in service.inspections_of(unit)]

    # -- photos -----------------------------------------------------------------------------------------------
    @post("/photos", guards=[RECORD], request_max_body_size=MAX_UPLOAD_BYTES, operation_class=PHOTO_UPLOAD)
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
        """One uploaded photo's bytes."""
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
        """Nonconformances (MRB), filtered by state, newest first."""
        service = NonconformanceService(db)
        unit_id = unit_by_code(db, unit, principal).id if unit else None
        found = service.list_for(principal, state=nc_state, unit_id=unit_id, limit=limit, offset=offset)
        return [nonconformance_public(db, nc) for nc in found]

    @get("/nonconformances/{code:str}", guards=[READ], sync_to_thread=True)
    def get_nonconformance(self, code: FromPath[str], db: Db, principal: Caller) -> NonconformancePublic:
        """One nonconformance with its history of steps."""
        service = NonconformanceService(db)
        nc = service.get(code, principal)
        return nonconformance_public(db, nc, service.steps(nc))

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
        return nonconformance_public(db, nc, service.steps(nc))

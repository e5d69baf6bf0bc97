"""Record inspections (检验) against their plan with ISO 2859-1 sampling, and take in their photos.

A passed inspection releases a unit waiting in quarantine; a failed one holds the unit and opens a
nonconformance. The status change is a DISPOSITION event written by StatusService in the same commit.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from dataclasses import asdict
from functools import partial
from typing import Any
from uuid import UUID, uuid5

from sqlmodel import Session, select

from backend import hooks
from backend.auth.principal import Principal
from backend.db import atomic
from backend.errors import Forbidden, InvalidInput, NotFound
from backend.quality.errors import (
    InspectionIdReused,
    InspectionRefused,
    InvalidPlan,
    LotSizeUnknown,
    NoActivePlan,
    PhotoIdReused,
    PhotoNotUploaded,
    PlanMismatch,
    WrongSampleCount,
)
from backend.quality.findings import defects_found, sample_count_message, sample_result, sampling_for, summary
from backend.quality.models import Inspection, InspectionPhoto, InspectionPlan
from backend.quality.nonconformance_service import NonconformanceService
from backend.quality.photo_inbox import PhotoInbox, default_inbox
from backend.quality.photos import DEFAULT_MAX_PHOTO_BYTES, Photo, stripped_photo
from backend.quality.plan_service import PlanService, characteristics_of
from backend.trace.lookup import unit_by_code
from backend.warehouse.errors import GateViolated
from backend.warehouse.ledger import Ledger, fingerprint
from backend.warehouse.status_service import StatusService
from shared_models import commands as cmd
from shared_models.bounds import QTY_EPSILON
from shared_models.enums import Role, StatusAction, UnitKind, UnitStatus
from shared_models.gates import Violation, check_movable
from shared_models.masterdata import Item
from shared_models.quality import (
    CharacteristicDefinitionError,
    InspectionInputError,
    InspectionOutcome,
    evaluate,
    verdict_for_sample,
)
from shared_models.quality.commands import RecordInspection
from shared_models.trace import Unit
from shared_models.types import new_id, utcnow

RECORDERS = (Role.INSPECTOR, Role.QA_MANAGER, Role.ADMIN)


class InspectionService:
    """`record_gate_violations`: for inspections made offline, an inspection of a unit that has meanwhile
    shipped, been consumed or scrapped (or against a plan since deactivated) is recorded as the fact it is, without
    a status change, and left in `violations` for QA. `photo_inbox`: where photos wait for their inspection
    (default: <data dir>/photo-inbox)."""

    def __init__(self, session: Session, principal: Principal, *, record_gate_violations: bool = False,
                 photo_inbox: PhotoInbox | None = None, max_photo_bytes: int = DEFAULT_MAX_PHOTO_BYTES) -> None:
        self.session = session
        self.by = principal
        self.ledger = Ledger(session)
        self.record_gate_violations = record_gate_violations
        self.violations: list[Violation] = []
        self._inbox = photo_inbox
        self.max_photo_bytes = max_photo_bytes

    @property
    def inbox(self) -> PhotoInbox:
        if self._inbox is None:
            self._inbox = default_inbox()
        return self._inbox

    def _begin_command(self) -> None:
        self.ledger.forget()
        self.violations = []

    # -- recording --------------------------------------------------------------------------------------------
    @atomic
    def record(self, c: RecordInspection) -> Inspection:
        """Stores the inspection, its photos, the status change and (on fail) the nonconformance in one commit.
        A retry with the same id returns the stored inspection; the same id with other content raises
        InspectionIdReused."""
        if (done := self._replay(c)) is not None:
            return done
        self._may_record("record inspections")
        unit = unit_by_code(self.session, c.unit, self.by)
        gone = check_movable(unit.code, unit.status)
        if gone and not self.record_gate_violations:
            raise GateViolated("inspect", gone)
        self.violations.extend(gone)
        plan = self._plan_for(c, unit)
        lot_size = c.lot_size or self._lot_size(unit)
        sampling = sampling_for(plan, lot_size)
        if len(c.answers) != sampling.sample_size:
            raise WrongSampleCount(sample_count_message(plan, sampling, len(c.answers)),
                                   expected=sampling.sample_size, given=len(c.answers))
        photos = self._claim_photos(c, unit)
        outcomes = self._evaluate(plan, c)
        defective = sum(1 for o in outcomes if o.verdict == "fail")
        verdict = verdict_for_sample(sampling, defective)
        inspection = Inspection(
            id=str(c.id), plan_id=plan.id, unit_id=unit.id, stage=c.stage, site_id=unit.site_id,
            lot_size=float(lot_size), sample_size=sampling.sample_size, accept=sampling.accept,
            reject=sampling.reject, defective_units=defective, verdict=verdict, defects=defects_found(plan, outcomes),
            answers={"plan_version": plan.version, "samples": [dict(a) for a in c.answers],
                     "photos": [ref.model_dump(mode="json") for ref in c.photos],
                     "results": [sample_result(o) for o in outcomes], "fingerprint": fingerprint(c),
                     **({"gate_violations": [asdict(v) for v in self.violations]} if self.violations else {})},
            inspector_id=self._user_id, device_id=c.device_id, occurred_at=c.occurred_at, note=c.note)
        self.session.add(inspection)
        self.session.flush()  # photos and the nonconformance refer to it
        self.session.add_all(photos)
        why = summary(c, plan, sampling, defective, verdict)
        if verdict == "fail":
            nc = NonconformanceService(self.session).open_for_failed(inspection, unit, why, self._user_id)
            why = f"{why}; nonconformance {nc.code}"
        action = self._status_action(unit, verdict)
        for photo in photos:  # the staged copies go once the inspection holding them is committed
            hooks.after_commit(self.session, partial(self.inbox.discard, photo.id))
        if action is None:
            self.session.commit()
        else:
            # StatusService commits: it is the last step, so the inspection, its photos, the nonconformance and
            # the DISPOSITION event land in one commit (or, if it refuses, none of them).
            change = cmd.ChangeStatus(id=uuid5(c.id, "status"), occurred_at=c.occurred_at, device_id=c.device_id,
                                      unit=unit.code, action=action, reason=why[:500])
            StatusService(self.session, self.by, by_inspection=True).change(change)
        return inspection

    def _replay(self, c: RecordInspection) -> Inspection | None:
        stored = self.session.get(Inspection, str(c.id))
        if stored is None:
            return None
        if stored.answers.get("fingerprint") != fingerprint(c) or not self.by.sees_site(stored.site_id):
            raise InspectionIdReused(str(c.id))
        self.ledger.replayed = True
        return stored

    def _plan_for(self, c: RecordInspection, unit: Unit) -> InspectionPlan:
        plans = PlanService(self.session)
        item = self.session.get(Item, unit.item_id) if unit.item_id else None
        what = item.part_no if item else f"container {unit.code}"
        if c.plan is None:
            plan = plans.active_for(unit.item_id, c.stage)
            if plan is None:
                raise NoActivePlan(f"There is no active {c.stage.value.upper()} plan for {what}; name the plan to "
                                   f"inspect against.", unit=unit.code, stage=c.stage.value)
            return plan
        plan = plans.get_plan(c.plan)
        if plan.stage is not c.stage:
            raise PlanMismatch(f"Plan {plan.code} is for {plan.stage.value.upper()}, not {c.stage.value.upper()}.",
                               plan=plan.code)
        if plan.item_id is not None and plan.item_id != unit.item_id:
            planned = self.session.get(Item, plan.item_id)
            raise PlanMismatch(f"Plan {plan.code} is for {planned.part_no if planned else '?'}; {unit.code} is "
                               f"{what}.", plan=plan.code, unit=unit.code)
        if not plan.active:
            found = Violation("plan_inactive", f"plan {plan.code} has been deactivated")
            if not self.record_gate_violations:
                raise PlanMismatch(f"Plan {plan.code} has been deactivated; inspect against the active plan.",
                                   plan=plan.code)
            self.violations.append(found)
        return plan

    def _lot_size(self, unit: Unit) -> int:
        members = [unit]
        if unit.kind is UnitKind.CONTAINER:
            members = self.ledger.contents(unit)
        elif unit.kind is UnitKind.LOT and self.ledger.total_on_hand(unit.id) <= QTY_EPSILON:
            members = list(self.session.exec(select(Unit).where(Unit.lot_unit_id == unit.id)))  # a lot of serials
        qty = sum(self.ledger.total_on_hand(m.id) for m in members)
        if qty <= QTY_EPSILON:
            raise LotSizeUnknown(f"{unit.code} has no stock on hand to take the lot size from; give lot_size.",
                                 unit=unit.code)
        return max(1, math.ceil(qty - QTY_EPSILON))

    def _evaluate(self, plan: InspectionPlan, c: RecordInspection) -> list[InspectionOutcome]:
        try:
            characteristics = characteristics_of(plan)
        except CharacteristicDefinitionError as exc:
            raise InvalidPlan(f"Plan {plan.code}: {exc}", plan=plan.code) from exc
        photo_counts: list[Counter[str]] = [Counter() for _ in c.answers]
        for ref in c.photos:
            photo_counts[ref.sample_index][ref.characteristic] += 1
        outcomes: list[InspectionOutcome] = []
        problems: list[dict[str, Any]] = []
        for n, (answers, photos) in enumerate(zip(c.answers, photo_counts, strict=True), start=1):
            try:
                outcomes.append(evaluate(characteristics, answers, dict(photos)))
            except InspectionInputError as exc:
                problems += [{"sample": n, "characteristic": p.characteristic, "problem": p.problem,
                              "message": p.message} for p in exc.problems]
        if problems:
            shown = [f"Sample {p['sample']}: {p['message']}" for p in problems[:8]]
            more = f" …and {len(problems) - 8} more." if len(problems) > 8 else ""
            raise InspectionRefused(" ".join(shown) + more, problems=problems)
        return outcomes

    def _claim_photos(self, c: RecordInspection, unit: Unit) -> list[InspectionPhoto]:
        rows: list[InspectionPhoto] = []
        missing: list[str] = []
        for ref in c.photos:
            photo_id = str(ref.photo_id)
            taken = self.session.get(InspectionPhoto, photo_id)
            if taken is not None:
                raise PhotoIdReused(f"Photo {photo_id} belongs to inspection {taken.inspection_id} already.",
                                    photo_id=photo_id)
            staged = self.inbox.get(photo_id)
            if staged is None or (staged.site_id is not None and staged.site_id != unit.site_id):
                missing.append(f"{photo_id} ({ref.characteristic}, sample {ref.sample_index + 1})")
                continue
            rows.append(InspectionPhoto(id=photo_id, inspection_id=str(c.id), characteristic=ref.characteristic,
                                        content_type=staged.content_type, size_bytes=staged.size_bytes,
                                        sha256=staged.sha256, data=staged.data, taken_at=staged.taken_at))
        if missing:
            raise PhotoNotUploaded(f"Upload these photos before recording the inspection: {', '.join(missing)}.",
                                   photos=missing)
        return rows

    def _status_action(self, unit: Unit, verdict: str) -> StatusAction | None:
        """Pass releases only what waits in quarantine; fail holds what is usable. A unit already held, blocked
        or recalled stays as it is: its way out is the nonconformance or QA."""
        if self.violations and any(v.rule.startswith("status_") for v in self.violations):
            return None
        if verdict == "pass":
            return StatusAction.RELEASE if unit.status is UnitStatus.QUARANTINE else None
        return StatusAction.HOLD if unit.status in (UnitStatus.QUARANTINE, UnitStatus.RELEASED) else None

    # -- photos -----------------------------------------------------------------------------------------------
    def add_photo(self, inspection_id: str | None, data: bytes, content_type: str = "", *,
                  characteristic: str = "", photo_id: str | None = None) -> Photo:
        """Strips and stores a photo. With an inspection it is attached at once (`characteristic` required);
        without one it waits in the inbox for the inspection that lists its id. `content_type` is only what the
        client claimed: the bytes decide. A retried upload of the same photo id and bytes returns it again."""
        self._may_record("upload inspection photos")
        photo_id = _photo_id(photo_id)
        stripped = stripped_photo(data, self.max_photo_bytes)
        clean, kind = stripped.data, stripped.content_type
        digest = hashlib.sha256(clean).hexdigest()
        if (again := self._photo_again(photo_id, digest)) is not None:
            return again
        if inspection_id is None:
            photo = Photo(id=photo_id, inspection_id=None, characteristic=characteristic, content_type=kind,
                          size_bytes=len(clean), sha256=digest, taken_at=utcnow(), site_id=self.by.site_id,
                          data=clean)
            self.inbox.put(photo)
            return photo
        return self._attach(inspection_id, photo_id, characteristic, clean, kind, digest)

    @atomic
    def _attach(self, inspection_id: str, photo_id: str, characteristic: str, clean: bytes, kind: str,
                digest: str) -> Photo:
        inspection = self.inspection(inspection_id)
        plan = self.session.get(InspectionPlan, inspection.plan_id)
        codes = [c["code"] for c in plan.characteristics] if plan else []
        if characteristic not in codes:
            raise InvalidInput(f"characteristic: give one of the plan's codes ({', '.join(codes)}), not "
                               f"{characteristic!r}.", field="characteristic")
        row = InspectionPhoto(id=photo_id, inspection_id=inspection.id, characteristic=characteristic,
                              content_type=kind, size_bytes=len(clean), sha256=digest, data=clean,
                              taken_at=utcnow())
        self.session.add(row)
        self.session.commit()
        return _photo(row)

    def _photo_again(self, photo_id: str, digest: str) -> Photo | None:
        stored = self.session.get(InspectionPhoto, photo_id)
        found = _photo(stored) if stored is not None else self.inbox.get(photo_id)
        if found is None:
            return None
        if found.sha256 != digest:
            raise PhotoIdReused(f"Photo id {photo_id} was already used for another photo; make a new UUID.",
                                photo_id=photo_id)
        return found

    def photo(self, photo_id: str) -> Photo:
        """The stored or waiting photo with its bytes; NotFound for one on a site the caller may not see."""
        try:
            photo_id = str(UUID(photo_id))
        except ValueError as exc:
            raise NotFound("photo", photo_id) from exc
        row = self.session.get(InspectionPhoto, photo_id)
        if row is not None:
            inspection = self.session.get(Inspection, row.inspection_id)
            if inspection is None or not self.by.sees_site(inspection.site_id):
                raise NotFound("photo", photo_id)
            return _photo(row, with_data=True)
        staged = self.inbox.get(photo_id)
        if staged is None or (staged.site_id is not None and not self.by.sees_site(staged.site_id)):
            raise NotFound("photo", photo_id)
        return staged

    # -- reading ----------------------------------------------------------------------------------------------
    def inspection(self, inspection_id: str) -> Inspection:
        found = self.session.get(Inspection, inspection_id)
        if found is None or not self.by.sees_site(found.site_id):
            raise NotFound("inspection", inspection_id)
        return found

    def inspections_of(self, unit_code: str) -> list[Inspection]:
        unit = unit_by_code(self.session, unit_code, self.by)
        return list(self.session.exec(select(Inspection).where(Inspection.unit_id == unit.id)
                                      .order_by(Inspection.occurred_at)))  # type: ignore[arg-type]

    def photos_of(self, inspection: Inspection) -> list[Photo]:
        rows = self.session.exec(select(InspectionPhoto).where(InspectionPhoto.inspection_id == inspection.id)
                                 .order_by(InspectionPhoto.taken_at))  # type: ignore[arg-type]
        return [_photo(r) for r in rows]

    # -- helpers ----------------------------------------------------------------------------------------------
    def _may_record(self, what: str) -> None:
        if self.by.role not in RECORDERS:
            names = ", ".join(r.value for r in RECORDERS)
            raise Forbidden(f"Role {self.by.role.value} may not {what}; it needs one of: {names}.")

    @property
    def _user_id(self) -> str | None:
        return self.by.user_id if self.by.user_id != "system" else None


def _photo_id(given: str | None) -> str:
    if given is None:
        return new_id()
    try:
        return str(UUID(given))
    except ValueError as exc:
        raise InvalidInput(f"photo_id must be a UUID, not {given!r}.", field="photo_id") from exc


def _photo(row: InspectionPhoto, *, with_data: bool = False) -> Photo:
    return Photo(id=row.id, inspection_id=row.inspection_id, characteristic=row.characteristic,
                 content_type=row.content_type, size_bytes=row.size_bytes, sha256=row.sha256, taken_at=row.taken_at,
                 data=row.data if with_data else b"")

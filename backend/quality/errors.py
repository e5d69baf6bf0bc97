"""Errors of inspection plans, inspections and their photos (base classes in backend/errors.py)."""

from __future__ import annotations

from backend.errors import Conflict, DomainError, InvalidInput


# -- plans ------------------------------------------------------------------------------------------------------
class InvalidPlan(InvalidInput):
    code = "invalid_plan"


class PlanAlreadyActive(Conflict):
    code = "plan_already_active"


# -- inspections ------------------------------------------------------------------------------------------------
class WrongSampleCount(InvalidInput):
    code = "wrong_sample_count"


class InspectionRefused(InvalidInput):
    """Answers or photos that don't fit the plan; `context.problems` lists each with its sample and code."""

    code = "inspection_input"


class NoActivePlan(InvalidInput):
    code = "no_active_plan"


class PlanMismatch(InvalidInput):
    code = "plan_mismatch"


class LotSizeUnknown(InvalidInput):
    code = "lot_size_unknown"


class InspectionIdReused(Conflict):
    code = "inspection_id_reused"

    def __init__(self, inspection_id: str) -> None:
        super().__init__(f"Inspection id {inspection_id} was already used for a different inspection; make a new "
                         f"UUID.", inspection_id=inspection_id)


# -- photos -----------------------------------------------------------------------------------------------------
class PhotoTooLarge(DomainError):
    status_code = 413
    code = "photo_too_large"


class UnsupportedPhoto(DomainError):
    status_code = 415
    code = "unsupported_photo"


class PhotoNotUploaded(InvalidInput):
    code = "photo_not_uploaded"


class PhotoIdReused(Conflict):
    code = "photo_id_reused"

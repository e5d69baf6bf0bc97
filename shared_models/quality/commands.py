"""What an inspector or QA manager asks to record: an inspection (检验记录) and a step of a nonconformance (MRB).

Validated the same way on the handheld (before queueing offline) and on the backend.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared_models.bounds import INT64_MAX, Int64
from shared_models.commands import Code, EventCommand
from shared_models.enums import InspectionStage

CharacteristicCode = Annotated[str, Field(min_length=1, max_length=64)]
Finite = Annotated[float, Field(allow_inf_nan=False)]
Answer = bool | Int64 | Finite | str | None   # numbers may come as text from a form; evaluate() reads both
FieldValue = bool | Int64 | Finite | str | None

MAX_SAMPLES = 2000     # ISO 2859-1 Table 2-A's largest sample size (code letter R)


class PhotoRef(BaseModel):
    """An uploaded photo (its id from POST /api/quality/photos) of one characteristic of one sampled unit."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    characteristic: CharacteristicCode
    sample_index: int = Field(ge=0, le=INT64_MAX, description="0-based index into `answers`")
    photo_id: UUID


class RecordInspection(EventCommand):
    """One inspection of a unit: `answers` holds one dict (characteristic code → value) per sampled unit.

    `plan` None: the active plan for the unit's item and `stage`; `lot_size` None: the unit's quantity on hand."""

    unit: Code
    plan: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    stage: InspectionStage
    lot_size: int | None = Field(default=None, ge=1, le=INT64_MAX)
    answers: list[dict[CharacteristicCode, Answer]] = Field(min_length=1, max_length=MAX_SAMPLES)
    photos: list[PhotoRef] = Field(default_factory=list, max_length=4 * MAX_SAMPLES)

    @model_validator(mode="after")
    def _photos_point_at_samples(self) -> RecordInspection:
        beyond = [f"photos[{n}] is for sample_index {ref.sample_index}" for n, ref in enumerate(self.photos)
                  if ref.sample_index >= len(self.answers)]
        if beyond:
            raise ValueError(f"{'; '.join(beyond)}, but only {len(self.answers)} answer sets were given "
                             f"(sample_index counts from 0)")
        ids = [ref.photo_id for ref in self.photos]
        twice = sorted({str(i) for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"photo {', '.join(twice)} is listed more than once")
        return self


class AdvanceNonconformance(BaseModel):
    """Fire one transition of a nonconformance's workflow; `fields` carries what it requires (e.g. approved_by,
    reason) and anything to note on the step."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: Annotated[str, Field(min_length=1, max_length=32)]
    transition: Annotated[str, Field(min_length=1, max_length=64)]
    fields: dict[Annotated[str, Field(min_length=1, max_length=64)], FieldValue] = Field(
        default_factory=dict, max_length=20)

    @model_validator(mode="after")
    def _short_values(self) -> AdvanceNonconformance:
        long = sorted(k for k, v in self.fields.items() if isinstance(v, str) and len(v) > 1000)
        if long:
            raise ValueError(f"fields {', '.join(long)}: at most 1000 characters each")
        return self

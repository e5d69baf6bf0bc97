"""What the EPCIS endpoints answer besides EPCIS documents: capture jobs (the REST binding's shape)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from backend.epcis.models import EpcisCapture


class CaptureJobPublic(BaseModel):
    captureID: str = Field(description="The job's id, as in Location: /epcis/capture/{captureID}.")
    state: str = Field(description="running, success or failure.")
    running: bool
    success: bool
    captureErrorBehaviour: str = Field(description="rollback, proceed or all (GS1-Capture-Error-Behaviour).")
    createdAt: datetime
    finishedAt: datetime | None = None
    events: int = Field(description="Events in the document.")
    captured: int = Field(description="Events stored by this capture.")
    duplicates: int = Field(description="Events already stored (same CBV event hash), left out.")
    errors: list[dict[str, Any]] = Field(description="Each with a JSON pointer into the document and a message.")

    @classmethod
    def of(cls, job: EpcisCapture) -> CaptureJobPublic:
        return cls(captureID=job.id, state=job.state, running=job.state == "running",
                   success=job.state == "success", captureErrorBehaviour=job.error_behaviour,
                   createdAt=job.created_at, finishedAt=job.finished_at, events=job.events, captured=job.captured,
                   duplicates=job.duplicates, errors=job.errors)

"""What the sync endpoints take and answer beyond the PowerSync wire (sync/protocol.py): the upload's envelope and
the QA view of refused or conflicting ops."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class UploadRequest(BaseModel):
    client_id: str = Field(min_length=1, max_length=64)
    batch: list[dict[str, Any]] = Field(max_length=5000)


class SyncIssue(BaseModel):
    id: str
    client_id: str
    op_id: int
    user_id: str | None
    object_type: str
    object_id: str
    op: str
    status: str
    code: str
    reason: str
    data: dict[str, Any]
    resolution: str

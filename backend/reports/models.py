"""Saved report definitions: each edit is a new version of the same code (server-only table)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from shared_models.types import UTCDateTime, json_dict, new_id, utcnow


class SavedReport(SQLModel, table=True):
    """One version of a report definition (backend/reports/schemas.py ReportDefinition, as JSON). The highest
    version of a code is the report; older versions stay, so a figure exported last month can be re-run as it was."""

    __tablename__ = "report_definition"
    __table_args__ = (UniqueConstraint("code", "version", name="uq_report_code_version"),)
    id: str = Field(default_factory=new_id, primary_key=True)
    code: str = Field(max_length=64, index=True)
    version: int = 1
    name_en: str = Field(max_length=200)
    name_zh: str = Field(default="", max_length=200)
    definition: dict[str, Any] = json_dict()
    shipped: bool = False            # loaded from assets/reports/, not made by a user
    created_by: str | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

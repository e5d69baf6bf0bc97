"""Server-only tables of field checks: every check of a unit with where it was made (the history clone detection
reads), and the thresholds and places that detection uses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from shared_models.types import UTCDateTime, json_dict, utcnow

SETTINGS_ID = "default"


class VerifyCheck(SQLModel, table=True):
    """One field check of a unit (its VERIFY event's id): when, where (region/channel as asked, coordinates as sent
    or looked up from the region), by whom. Unknown codes have no unit and no row."""

    __tablename__ = "verify_check"
    __table_args__ = (Index("ix_verify_check_unit_at", "unit_id", "occurred_at"),)
    # The VERIFY event's id; no FK: the event chain inserts events at commit, after this row would go.
    id: str = Field(primary_key=True, max_length=36)
    unit_id: str = Field(foreign_key="unit.id", max_length=36)
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    region: str = Field(max_length=200)
    channel: str | None = Field(default=None, max_length=64)
    latitude: float | None = None
    longitude: float | None = None
    customer_id: str | None = Field(default=None, max_length=36)   # the checking account's customer, if any
    device_id: str = Field(default="", max_length=64)
    verified_by: str = Field(default="", max_length=64)


class VerifySettings(SQLModel, table=True):
    """Clone-detection travel thresholds and the coordinates of named regions (one row, id 'default'). The count
    and region thresholds are the clone warning rule's (warning_rule kind 'clone')."""

    __tablename__ = "verify_settings"
    id: str = Field(default=SETTINGS_ID, primary_key=True, max_length=16)
    max_speed_kmh: float = 900.0        # faster than this between two checks: one of them is a copy
    min_distance_km: float = 50.0       # closer than this is the same place (GPS error, one city)
    places: dict[str, Any] = json_dict()   # region name -> [latitude, longitude]
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_by: str = Field(default="", max_length=64)

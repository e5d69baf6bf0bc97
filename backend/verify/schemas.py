"""What a field check takes and what it answers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

Severity = Literal["stop", "warn", "info"]


class VerifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    id: UUID | None = None          # the client's id for this check: a retry with it records once
    code: str = Field(min_length=1, max_length=400)
    # Where the product was found; without it, the regions of the checking account's customer.
    region: str | None = Field(default=None, min_length=1, max_length=64)
    channel: str | None = Field(default=None, min_length=1, max_length=64)
    device_id: str = Field(default="", max_length=64)
    occurred_at: AwareDatetime | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)     # the device's position, if it knows it
    longitude: float | None = Field(default=None, ge=-180, le=180)

    @model_validator(mode="after")
    def _both_coordinates(self) -> VerifyRequest:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("latitude and longitude go together: send both or neither")
        return self


class VerifyScan(BaseModel):
    """What the ledger records of a check: the request with its id and time settled."""

    id: UUID
    occurred_at: AwareDatetime
    device_id: str = ""
    note: str = ""


class ItemBrief(BaseModel):
    part_no: str
    name: str
    gtin: str | None


class ShipmentBrief(BaseModel):
    customer: str
    name: str
    kind: str
    regions: list[str]
    channels: list[str]
    shipped_at: datetime
    reference: str


class EarlierCheck(BaseModel):
    """A check of the same unit within the clone window, and how far and how fast one would have had to travel
    between it and this one (when both places are known)."""

    occurred_at: datetime
    region: str
    channel: str | None = None
    distance_km: float | None = None
    speed_kmh: float | None = None
    implausible: bool = False        # farther apart than travel allows in the time between


class VerifySettingsUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    max_speed_kmh: float = Field(gt=0, le=100_000)
    min_distance_km: float = Field(ge=0, le=20_000)
    places: dict[str, tuple[float, float]] = Field(default_factory=dict, max_length=10_000)

    @model_validator(mode="after")
    def _places_on_earth(self) -> VerifySettingsUpdate:
        for name, (lat, lon) in self.places.items():
            if not name.strip() or len(name) > 200:
                raise ValueError(f"place name {name!r} must be 1-200 characters")
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ValueError(f"place {name!r}: [{lat}, {lon}] is not a latitude (-90..90) and longitude "
                                 "(-180..180)")
        return self


class VerifySettingsPublic(VerifySettingsUpdate):
    model_config = ConfigDict(extra="forbid")
    updated_at: datetime
    updated_by: str


class VerifyFlag(BaseModel):
    """One finding about the checked product: `stop` means do not use or sell it, `warn` something to report,
    `info` a plain fact."""

    code: str
    severity: Severity
    message: str


class Verification(BaseModel):
    """The answer to a check. Fields the caller may not see (another customer's shipment, another site's lot)
    stay empty; `flags` say why, never who."""

    event_id: str
    result: Literal["genuine", "unknown"]
    code: str
    region: str
    channel: str | None
    flags: list[VerifyFlag]
    headline: str
    message: str                    # the headline and every flag's sentence, for a plain-text reader
    unit: str | None = None
    kind: str | None = None
    status: str | None = None
    lot_no: str | None = None
    serial: str | None = None
    expires_on: str | None = None
    item: ItemBrief | None = None
    shipped_to: ShipmentBrief | None = None
    scans_in_window: int | None = None
    regions_in_window: list[str] | None = None
    # Why, for whoever may know it: the (8030) signature's verdict, which clone tests tripped
    # (too_many_checks | too_many_regions | implausible_travel) and the earlier checks they saw.
    signature: str | None = None
    clone_reasons: list[str] = Field(default_factory=list)
    earlier_checks: list[EarlierCheck] | None = None
    replayed: bool = False

    @property
    def flag_codes(self) -> list[str]:
        return [f.code for f in self.flags]

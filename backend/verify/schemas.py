"""What a field check takes and what it answers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Severity = Literal["stop", "warn", "info"]


class VerifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    id: UUID | None = None          # the client's id for this check: a retry with it records once
    code: str = Field(min_length=1, max_length=400)
    region: str = Field(min_length=1, max_length=64)
    channel: str | None = Field(default=None, min_length=1, max_length=64)
    device_id: str = Field(default="", max_length=64)
    occurred_at: AwareDatetime | None = None


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
    replayed: bool = False

    @property
    def flag_codes(self) -> list[str]:
        return [f.code for f in self.flags]

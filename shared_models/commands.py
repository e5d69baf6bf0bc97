"""What a handheld or the office asks to record: one command per shop-floor action.

The same schemas validate on the handheld (before queueing offline) and on the backend (at capture),
so a malformed command is refused where it is made, naming the field.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared_models.bounds import INT64_MAX, AwareDatetime, CountedQty, EventTime, PlantDate, Qty
from shared_models.enums import StatusAction
from shared_models.identifiers import LotNo, SerialNo, SupplierLot

Code = Annotated[str, Field(min_length=1, max_length=96)]


class EventCommand(BaseModel):
    """Fields every event carries; `id` is the client-made UUID that makes a retry store once."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    id: UUID
    occurred_at: EventTime
    device_id: str = Field(default="", max_length=64)
    note: str = Field(default="", max_length=500)


class Receive(EventCommand):
    supplier: Code
    item: Code                      # part no. or GTIN
    lot_no: LotNo
    supplier_lot: SupplierLot = ""
    qty: Qty
    location: Code
    produced_on: PlantDate | None = None
    expires_on: PlantDate | None = None
    serials: list[SerialNo] = Field(default_factory=list, max_length=10000)
    reference: str = Field(default="", max_length=64)

    @model_validator(mode="after")
    def _serials_match_qty(self) -> Receive:
        if self.serials and len(self.serials) != self.qty:
            raise ValueError(f"{len(self.serials)} serials listed for a quantity of {self.qty:g}")
        if len(set(self.serials)) != len(self.serials):
            raise ValueError("serials listed twice")
        if self.produced_on and self.expires_on and self.expires_on < self.produced_on:
            raise ValueError(f"expires_on {self.expires_on} is before produced_on {self.produced_on}")
        return self


class Move(EventCommand):
    unit: Code
    qty: Qty | None = None          # None: everything the unit has at from_location
    from_location: Code
    to_location: Code

    @model_validator(mode="after")
    def _different_places(self) -> Move:
        if self.from_location == self.to_location:
            raise ValueError(f"from_location and to_location are both {self.from_location}")
        return self


class Pick(Move):
    reference: str = Field(default="", max_length=64)  # the pick list


class ShipLine(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unit: Code
    qty: Qty | None = None
    from_location: Code


class Ship(EventCommand):
    customer: Code
    reference: Code                 # shipment / delivery note number
    lines: list[ShipLine] = Field(min_length=1, max_length=10000)


class CountLine(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unit: Code
    counted_qty: CountedQty
    book_qty_seen: CountedQty | None = None


class Count(EventCommand):
    location: Code
    reference: str = Field(default="", max_length=64)
    lines: list[CountLine] = Field(min_length=1, max_length=10000)


class Pack(EventCommand):
    container: str | None = Field(default=None, max_length=18)   # SSCC; None: the server numbers one
    units: list[Code] = Field(min_length=1, max_length=10000)
    location: Code


class Unpack(EventCommand):
    container: Code
    units: list[Code] = Field(default_factory=list, max_length=10000)  # empty: everything
    location: Code


class ProductionInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unit: Code
    qty: Qty
    from_location: Code | None = None


class ProductionOutput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lot_no: LotNo | None = None
    serial: SerialNo | None = None
    qty: Qty = 1.0

    @model_validator(mode="after")
    def _one_identity(self) -> ProductionOutput:
        if bool(self.lot_no) == bool(self.serial):
            raise ValueError("an output needs exactly one of lot_no or serial")
        if self.serial and self.qty != 1:
            raise ValueError(f"serial {self.serial} is one unit; quantity {self.qty:g} given")
        return self


class ReportProduction(EventCommand):
    """Consume inputs and produce outputs on a work order: one transformation event."""

    work_order: Code
    location: Code
    inputs: list[ProductionInput] = Field(min_length=1, max_length=5000)
    outputs: list[ProductionOutput] = Field(min_length=1, max_length=5000)


class WorkOrderCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: Code
    site: Code
    item: Code
    qty_planned: Qty
    bom_version: int | None = Field(default=None, ge=1, le=INT64_MAX)


class ChangeStatus(EventCommand):
    """Hold, release, block, recall or scrap a unit (a container takes its contents along)."""

    unit: Code
    action: StatusAction
    reason: str = Field(min_length=1, max_length=500)


__all__ = ["AwareDatetime", "ChangeStatus", "Code", "Count", "CountLine", "EventCommand", "Move", "Pack", "Pick",
           "ProductionInput", "ProductionOutput", "Qty", "Receive", "ReportProduction", "Ship", "ShipLine", "Unpack",
           "WorkOrderCreate"]

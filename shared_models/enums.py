"""Enumerations shared by the backend, the sync layer and the handheld."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    QA_MANAGER = "qa_manager"
    INSPECTOR = "inspector"
    PICKER = "picker"
    ENGINEER = "engineer"
    DISTRIBUTOR = "distributor"


class Tracking(StrEnum):
    """How finely an item is traced: not at all, per lot, or per serial unit (一物一码)."""

    NONE = "none"
    LOT = "lot"
    SERIAL = "serial"


class UnitKind(StrEnum):
    LOT = "lot"
    SERIAL = "serial"
    CONTAINER = "container"


class UnitStatus(StrEnum):
    QUARANTINE = "quarantine"
    RELEASED = "released"
    ON_HOLD = "on_hold"
    BLOCKED = "blocked"
    RECALLED = "recalled"
    CONSUMED = "consumed"
    SHIPPED = "shipped"
    SCRAPPED = "scrapped"


class LocationKind(StrEnum):
    ZONE = "zone"
    BIN = "bin"


class PartnerKind(StrEnum):
    CUSTOMER = "customer"
    DISTRIBUTOR = "distributor"


class BomStatus(StrEnum):
    DRAFT = "draft"
    RELEASED = "released"
    SUPERSEDED = "superseded"


class WorkOrderStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class EventType(StrEnum):
    """What happened, past tense in meaning: each maps to a CBV business step."""

    RECEIVE = "receive"
    MOVE = "move"
    PICK = "pick"
    SHIP = "ship"
    CONSUME = "consume"
    PRODUCE = "produce"
    PACK = "pack"
    UNPACK = "unpack"
    COUNT = "count"
    DISPOSITION = "disposition"  # a status change: hold, release, block, recall, scrap
    VERIFY = "verify"            # a code checked in the field (anti-counterfeit / anti-diversion)
    RETURN = "return"            # goods coming back: recall returns, returns to a supplier


# CBV 2.0 business steps, so EPCIS export needs no second table.
BUSINESS_STEP: dict[EventType, str] = {
    EventType.RECEIVE: "receiving",
    EventType.MOVE: "storing",
    EventType.PICK: "picking",
    EventType.SHIP: "shipping",
    EventType.CONSUME: "consuming",
    EventType.PRODUCE: "commissioning",
    EventType.PACK: "packing",
    EventType.UNPACK: "unpacking",
    EventType.COUNT: "cycle_counting",
    EventType.DISPOSITION: "holding",
    EventType.VERIFY: "inspecting",
    EventType.RETURN: "receiving",
}


class LineRole(StrEnum):
    """The part a unit plays in an event line."""

    SUBJECT = "subject"      # the unit the event is about (received, moved, counted)
    INPUT = "input"          # consumed by a production step
    OUTPUT = "output"        # made by a production step
    CONTENT = "content"      # carried inside a container that the event moved or shipped


class EdgeKind(StrEnum):
    TRANSFORM = "transform"  # input material became (part of) the output unit
    AGGREGATE = "aggregate"  # unit packed into a container


class Direction(StrEnum):
    BACKWARD = "backward"
    FORWARD = "forward"


class StatusAction(StrEnum):
    """Why a unit's status changed: each has its own who-may and from-where (shared_models/status.py)."""

    HOLD = "hold"
    RELEASE = "release"
    BLOCK = "block"
    RECALL = "recall"
    SCRAP = "scrap"


class InspectionStage(StrEnum):
    IQC = "iqc"    # 来料检验
    IPQC = "ipqc"  # 过程检验
    OQC = "oqc"    # 出货检验
    FQC = "fqc"    # 成品检验


class WarningState(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    CLOSED = "closed"


class RecallState(StrEnum):
    OPEN = "open"              # scope drafted
    BLOCKING = "blocking"      # stock in scope set to recalled
    NOTIFYING = "notifying"    # customers being told
    TRACKING = "tracking"      # returns coming back
    CLOSED = "closed"


class WorkOrderKind(StrEnum):
    PRODUCTION = "production"
    REWORK = "rework"

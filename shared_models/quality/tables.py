"""Quality, process and recall records (tables). The rules they follow are data too: plans, gates, rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from shared_models.enums import InspectionStage, RecallState, WarningState
from shared_models.masterdata import Versioned
from shared_models.types import UTCDateTime, enum_type, new_id, utcnow


def _json(nullable: bool = False) -> Any:
    return Field(default_factory=dict if not nullable else None, sa_column=Column(JSON, nullable=nullable))


def _json_list() -> Any:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class InspectionPlan(Versioned, table=True):
    """A form: per item (or any item when item_id is empty) and stage, its characteristics and sampling."""

    __tablename__ = "inspection_plan"
    id: str = Field(default_factory=new_id, primary_key=True)
    code: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=200)
    item_id: str | None = Field(default=None, foreign_key="item.id", index=True)
    stage: InspectionStage = Field(sa_type=enum_type(InspectionStage))
    aql: str = Field(default="1.0", max_length=8)
    level: str = Field(default="II", max_length=4)
    characteristics: list[dict[str, Any]] = _json_list()   # Characteristic.from_dict each
    defect_codes: list[dict[str, Any]] = _json_list()      # {code, name_en, name_zh, severity}
    active: bool = Field(default=True)


class Inspection(SQLModel, table=True):
    """One inspection of a unit against a plan; its id is made on the handheld."""

    __table_args__ = (Index("ix_inspection_unit_stage", "unit_id", "stage"),)
    id: str = Field(primary_key=True, max_length=36)
    plan_id: str = Field(foreign_key="inspection_plan.id")
    unit_id: str = Field(foreign_key="unit.id")
    stage: InspectionStage = Field(sa_type=enum_type(InspectionStage))
    site_id: str = Field(foreign_key="site.id", index=True)
    lot_size: float
    sample_size: int
    accept: int
    reject: int
    defective_units: int = 0
    answers: dict[str, Any] = _json()
    defects: list[dict[str, Any]] = _json_list()           # {code, count, characteristic}
    verdict: str = Field(max_length=8)                     # pass | fail
    inspector_id: str | None = Field(default=None, foreign_key="app_user.id")
    device_id: str = Field(default="", max_length=64)
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    note: str = Field(default="", max_length=500)


class InspectionPhoto(SQLModel, table=True):
    __tablename__ = "inspection_photo"
    id: str = Field(default_factory=new_id, primary_key=True)
    inspection_id: str = Field(foreign_key="inspection.id", index=True)
    characteristic: str = Field(max_length=64)
    content_type: str = Field(max_length=32)
    size_bytes: int
    sha256: str = Field(max_length=64)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    taken_at: datetime = Field(sa_type=UTCDateTime)


class Nonconformance(Versioned, table=True):
    """不合格品: follows the NONCONFORMANCE workflow (shared_models/quality/nonconformance.py)."""

    id: str = Field(default_factory=new_id, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    unit_id: str = Field(foreign_key="unit.id", index=True)
    site_id: str = Field(foreign_key="site.id", index=True)
    inspection_id: str | None = Field(default=None, foreign_key="inspection.id")
    state: str = Field(max_length=32)
    disposition: str | None = Field(default=None, max_length=32)
    description: str = Field(default="", max_length=2000)
    defects: list[dict[str, Any]] = _json_list()
    opened_by: str | None = Field(default=None, foreign_key="app_user.id")
    opened_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    work_order_id: str | None = Field(default=None, foreign_key="work_order.id")  # the rework order


class NonconformanceStep(SQLModel, table=True):
    """Who did what, when and why, at each step of a nonconformance."""

    __tablename__ = "nonconformance_step"
    id: str = Field(default_factory=new_id, primary_key=True)
    nonconformance_id: str = Field(foreign_key="nonconformance.id", index=True)
    transition: str = Field(max_length=64)
    from_state: str | None = Field(default=None, max_length=32)
    to_state: str = Field(max_length=32)
    by_user_id: str | None = Field(default=None, foreign_key="app_user.id")
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    fields: dict[str, Any] = _json()


class GateRule(SQLModel, table=True):
    """A gate as data: which actions it guards, which check it runs, with what parameters."""

    __tablename__ = "gate_rule"
    id: str = Field(default_factory=new_id, primary_key=True)
    code: str = Field(max_length=64, unique=True)
    actions: list[str] = _json_list()          # receive_to_stock, move, pick, ship, consume, operation_report
    check: str = Field(max_length=64)          # the name of a pure check in shared_models/gate_checks.py
    params: dict[str, Any] = _json()
    enabled: bool = Field(default=True)
    message_en: str = Field(default="", max_length=300)
    message_zh: str = Field(default="", max_length=300)


class Route(SQLModel, table=True):
    """工艺路线: an item's ordered operations, each with its process parameters and their limits."""

    __table_args__ = (UniqueConstraint("item_id", "version_no"),)
    id: str = Field(default_factory=new_id, primary_key=True)
    item_id: str = Field(foreign_key="item.id", index=True)
    version_no: int = Field(default=1)
    active: bool = Field(default=True)
    # [{seq, code, name, equipment_kind, params: [{name, unit, lower, upper}]}]
    operations: list[dict[str, Any]] = _json_list()


class OperationReport(SQLModel, table=True):
    """报工: one operation done on a work order; its id is made where it is reported."""

    __tablename__ = "operation_report"
    __table_args__ = (Index("ix_opreport_equipment_time", "equipment_id", "started_at"),)
    id: str = Field(primary_key=True, max_length=36)
    work_order_id: str = Field(foreign_key="work_order.id", index=True)
    seq: int
    operation_code: str = Field(max_length=64)
    site_id: str = Field(foreign_key="site.id")
    unit_id: str | None = Field(default=None, foreign_key="unit.id")
    operator_id: str | None = Field(default=None, foreign_key="app_user.id")
    equipment_id: str | None = Field(default=None, foreign_key="equipment.id")
    started_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    good_qty: float = 0.0
    scrap_qty: float = 0.0
    params: dict[str, Any] = _json()
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ProcessReading(SQLModel, table=True):
    """A process parameter from equipment (MQTT), attached to the operation running on it at that time."""

    __tablename__ = "process_reading"
    __table_args__ = (Index("ix_reading_equipment_time", "equipment_id", "measured_at"),)
    id: str = Field(default_factory=new_id, primary_key=True)
    equipment_id: str = Field(foreign_key="equipment.id")
    name: str = Field(max_length=64)
    value: float
    unit: str = Field(default="", max_length=16)
    measured_at: datetime = Field(sa_type=UTCDateTime)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    operation_report_id: str | None = Field(default=None, foreign_key="operation_report.id", index=True)
    lower: float | None = None
    upper: float | None = None
    in_spec: bool | None = None
    source: str = Field(default="", max_length=200)


class WarningRule(SQLModel, table=True):
    """预警规则 as data: a kind of check with its parameters, severity and who hears about it."""

    __tablename__ = "warning_rule"
    id: str = Field(default_factory=new_id, primary_key=True)
    code: str = Field(max_length=64, unique=True)
    kind: str = Field(max_length=64)
    params: dict[str, Any] = _json()
    severity: str = Field(default="major", max_length=16)
    enabled: bool = Field(default=True)
    notify: dict[str, Any] = _json()          # {"webhooks": [...], "emails": [...]}
    name_en: str = Field(default="", max_length=200)
    name_zh: str = Field(default="", max_length=200)


class QualityWarning(SQLModel, table=True):
    """预警: one open situation per rule and key; it fires once until it is closed."""

    __tablename__ = "warning"
    __table_args__ = (Index("ix_warning_rule_key_state", "rule_id", "dedupe_key", "state"),)
    id: str = Field(default_factory=new_id, primary_key=True)
    rule_id: str = Field(foreign_key="warning_rule.id")
    dedupe_key: str = Field(max_length=200)
    state: WarningState = Field(default=WarningState.OPEN, sa_type=enum_type(WarningState))
    severity: str = Field(max_length=16)
    message: str = Field(max_length=1000)
    context: dict[str, Any] = _json()
    opened_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    acknowledged_by: str | None = Field(default=None, foreign_key="app_user.id")
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_by: str | None = Field(default=None, foreign_key="app_user.id")


class Notification(SQLModel, table=True):
    """One delivery of a warning over one channel, with its attempts."""

    id: str = Field(default_factory=new_id, primary_key=True)
    warning_id: str = Field(foreign_key="warning.id", index=True)
    channel: str = Field(max_length=16)       # webhook | email
    target: str = Field(max_length=500)
    status: str = Field(default="pending", max_length=16)  # pending | sent | failed
    attempts: int = 0
    last_error: str = Field(default="", max_length=1000)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SchedulerLease(SQLModel, table=True):
    """Which backend runs scheduled jobs now; a lease that lapses passes to another."""

    __tablename__ = "scheduler_lease"
    name: str = Field(primary_key=True, max_length=64)
    holder: str = Field(max_length=128)
    expires_at: datetime = Field(sa_type=UTCDateTime)


class RecallCase(SQLModel, table=True):
    __tablename__ = "recall_case"
    id: str = Field(default_factory=new_id, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    title: str = Field(max_length=200)
    reason: str = Field(max_length=2000)
    seeds: list[str] = _json_list()            # unit codes the scope starts from
    origin: dict[str, Any] = _json()           # how the seeds were found: codes, supplier lot, line + window
    state: RecallState = Field(default=RecallState.OPEN, sa_type=enum_type(RecallState))
    totals: dict[str, Any] = _json()           # the scope's totals when it was taken
    created_by: str | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RecallUnit(SQLModel, table=True):
    """A unit a recall reaches: blocked in stock, or shipped to a customer and expected back."""

    __tablename__ = "recall_unit"
    __table_args__ = (UniqueConstraint("case_id", "unit_id", "customer_id"),)
    id: str = Field(default_factory=new_id, primary_key=True)
    case_id: str = Field(foreign_key="recall_case.id", index=True)
    unit_id: str = Field(foreign_key="unit.id", index=True)
    kind: str = Field(max_length=16)           # in_stock | shipped
    customer_id: str | None = Field(default=None, foreign_key="customer.id")
    location_id: str | None = Field(default=None, foreign_key="location.id")
    qty: float
    returned_qty: float = 0.0
    returned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

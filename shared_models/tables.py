"""Every table, imported in one place so metadata and migrations see them all."""

from sqlmodel import SQLModel

from shared_models.masterdata import Bom, BomLine, Customer, Equipment, Item, Location, Site, Supplier
from shared_models.quality.tables import (
    GateRule,
    Inspection,
    InspectionPhoto,
    InspectionPlan,
    Nonconformance,
    NonconformanceStep,
    Notification,
    OperationReport,
    ProcessReading,
    RecallCase,
    RecallUnit,
    Route,
    SchedulerLease,
    WarningRule,
)
from shared_models.trace import ContainerContent, Event, EventLine, GenealogyEdge, StockOnHand, Unit, WorkOrder
from shared_models.users import User

metadata = SQLModel.metadata

__all__ = [
    "Bom",
    "BomLine",
    "ContainerContent",
    "Customer",
    "Equipment",
    "Event",
    "EventLine",
    "GateRule",
    "GenealogyEdge",
    "Inspection",
    "InspectionPhoto",
    "InspectionPlan",
    "Item",
    "Location",
    "Nonconformance",
    "NonconformanceStep",
    "Notification",
    "OperationReport",
    "ProcessReading",
    "RecallCase",
    "RecallUnit",
    "Route",
    "SchedulerLease",
    "Site",
    "StockOnHand",
    "Supplier",
    "Unit",
    "User",
    "Warning",
    "WarningRule",
    "WorkOrder",
    "metadata",
]

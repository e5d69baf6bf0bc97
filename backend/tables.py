"""Every table, imported in one place so metadata, migrations and test schemas see them all.

The tables handhelds sync live in `shared_models/`; the ones only the server uses live in their area's
`models.py`; the sync layer's own bookkeeping lives in `sync/server/tables.py`.
"""

from sqlmodel import SQLModel

import sync.server.tables  # noqa: F401 - the sync layer's tables share the metadata
from backend.audit.models import AuditEntry
from backend.auth.models import LoginThrottle, User
from backend.gates.models import GateRule
from backend.masterdata.models import Bom, BomLine
from backend.production.models import OperationReport, ProcessReading, Route, WorkOrder
from backend.quality.models import Inspection, InspectionPhoto, InspectionPlan, Nonconformance, NonconformanceStep
from backend.recall.models import RecallCase, RecallUnit
from backend.trace.models import GenealogyEdge
from backend.warnings.models import Notification, QualityWarning, SchedulerLease, WarningRule
from shared_models.masterdata import Customer, Equipment, Item, Location, Site, Supplier
from shared_models.trace import ContainerContent, Event, EventLine, StockOnHand, Unit

metadata = SQLModel.metadata

__all__ = [
    "AuditEntry", "Bom", "BomLine", "ContainerContent", "Customer", "Equipment", "Event", "EventLine", "GateRule",
    "GenealogyEdge", "Inspection", "InspectionPhoto", "InspectionPlan", "Item", "Location", "LoginThrottle",
    "Nonconformance", "NonconformanceStep", "Notification", "OperationReport", "ProcessReading", "QualityWarning",
    "RecallCase", "RecallUnit", "Route", "SchedulerLease", "Site", "StockOnHand", "Supplier", "Unit", "User",
    "WarningRule", "WorkOrder", "metadata",
]

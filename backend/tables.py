"""Every table, imported in one place so metadata, migrations and test schemas see them all.

The tables handhelds sync live in `shared_models/`; the ones only the server uses live in their area's
`models.py`; the sync layer's own bookkeeping lives in `sync/server/tables.py`.
"""

from sqlmodel import SQLModel

import sync.server.tables  # noqa: F401 - the sync layer's tables share the metadata
from backend.audit.models import AuditEntry
from backend.auth.models import LoginThrottle, User
from backend.coding.models import CodeSigningKey, IssuedNumber, NumberBlock, NumberCounter, NumberingRule
from backend.epcis.models import EpcisCapture, EpcisEpc, EpcisEvent
from backend.gates.models import GateRule
from backend.labels.models import LabelPrint, LabelTemplate, Printer, PrintJob, PrintRule, PrintRuleRun
from backend.masterdata.models import Bom, BomLine
from backend.orders.models import PurchaseOrder, PurchaseOrderLine, SalesOrder, SalesOrderLine
from backend.outbox.models import OutboxMessage, WebhookDelivery, WebhookSubscription
from backend.production.models import OperationReport, ProcessReading, Route, WorkOrder
from backend.quality.models import Inspection, InspectionPhoto, InspectionPlan, Nonconformance, NonconformanceStep
from backend.recall.models import RecallCase, RecallUnit
from backend.reports.models import SavedReport
from backend.trace.models import EventLine, GenealogyEdge, Reach, ReachItem, ReachNode, ReachShipment, ShippedLine
from backend.verify.models import VerifyCheck, VerifySettings
from backend.warnings.models import Notification, QualityWarning, SchedulerLease, WarningRule
from shared_models.masterdata import Customer, Equipment, Item, Location, Site, Supplier
from shared_models.trace import ContainerContent, Event, StockOnHand, Unit

metadata = SQLModel.metadata

__all__ = [
    "AuditEntry", "Bom", "BomLine", "CodeSigningKey", "ContainerContent", "Customer", "EpcisCapture", "EpcisEpc",
    "EpcisEvent", "Equipment", "Event", "EventLine", "GateRule", "GenealogyEdge", "Inspection", "InspectionPhoto",
    "InspectionPlan", "IssuedNumber", "Item", "LabelPrint", "LabelTemplate", "Location", "LoginThrottle",
    "Nonconformance", "NonconformanceStep", "Notification", "NumberBlock", "NumberCounter", "NumberingRule",
    "OperationReport", "OutboxMessage", "PrintJob", "PrintRule", "PrintRuleRun", "Printer", "ProcessReading",
    "PurchaseOrder", "PurchaseOrderLine", "QualityWarning", "Reach", "ReachItem", "ReachNode", "ReachShipment",
    "RecallCase", "RecallUnit", "Route", "SalesOrder", "SalesOrderLine", "SavedReport", "SchedulerLease",
    "ShippedLine", "Site", "StockOnHand", "Supplier", "Unit", "User", "VerifyCheck", "VerifySettings", "WarningRule",
    "WebhookDelivery", "WebhookSubscription", "WorkOrder", "metadata",
]

"""Every table, imported in one place so metadata and migrations see them all."""

from sqlmodel import SQLModel

from shared_models.masterdata import Bom, BomLine, Customer, Equipment, Item, Location, Site, Supplier
from shared_models.trace import ContainerContent, Event, EventLine, GenealogyEdge, StockOnHand, Unit, WorkOrder
from shared_models.users import User

metadata = SQLModel.metadata

__all__ = [
    "Bom", "BomLine", "ContainerContent", "Customer", "Equipment", "Event", "EventLine", "GenealogyEdge",
    "Item", "Location", "Site", "StockOnHand", "Supplier", "Unit", "User", "WorkOrder", "metadata",
]

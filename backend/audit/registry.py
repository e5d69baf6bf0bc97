"""What is audited, and how each audited record is named in the trail."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, SQLModel

from backend.auth.models import User
from backend.coding.models import CodeSigningKey, NumberingRule
from backend.gates.models import GateRule
from backend.labels.models import LabelTemplate, PrintRule
from backend.masterdata.models import Bom, BomLine
from backend.production.models import Route
from backend.quality.models import InspectionPlan
from backend.recall.models import RecallCase
from backend.warnings.models import WarningRule
from shared_models.masterdata import Customer, Equipment, Item, Location, Site, Supplier

# Changed on every revision: a change of only these is not worth an entry, and they are left out of diffs.
BOOKKEEPING = frozenset({"version", "updated_at"})
# Never written to the trail; a change shows as "(changed)".
SECRET = frozenset({"password_hash"})


@dataclass(frozen=True, slots=True)
class Audited:
    entity: str
    key: Callable[[Session, Any], str]
    active_field: str | None = None      # turning it false is a deactivation
    state_field: str | None = None       # changing it is a transition


def _attr(name: str) -> Callable[[Session, Any], str]:
    return lambda _session, obj: str(getattr(obj, name))


def _versioned_of_item(session: Session, obj: Any) -> str:
    item = session.get(Item, obj.item_id)
    return f"{item.part_no if item else obj.item_id}@{obj.version_no}"


def _bom_line(session: Session, obj: BomLine) -> str:
    bom = session.get(Bom, obj.bom_id)
    component = session.get(Item, obj.component_item_id)
    head = _versioned_of_item(session, bom) if bom else obj.bom_id
    return f"{head}/{component.part_no if component else obj.component_item_id}"


REGISTRY: dict[type[SQLModel], Audited] = {
    Site: Audited("site", _attr("code")),
    Item: Audited("item", _attr("part_no")),
    Supplier: Audited("supplier", _attr("code")),
    Customer: Audited("customer", _attr("code")),
    Location: Audited("location", _attr("code")),
    Equipment: Audited("equipment", _attr("code")),
    Bom: Audited("bom", _versioned_of_item, state_field="status"),
    BomLine: Audited("bom_line", _bom_line),
    Route: Audited("route", _versioned_of_item, active_field="active"),
    InspectionPlan: Audited("inspection_plan", _attr("code"), active_field="active"),
    GateRule: Audited("gate_rule", _attr("code"), active_field="enabled"),
    WarningRule: Audited("warning_rule", _attr("code"), active_field="enabled"),
    User: Audited("user", _attr("username"), active_field="active"),
    RecallCase: Audited("recall_case", _attr("code"), state_field="state"),
    NumberingRule: Audited("numbering_rule", _attr("code"), active_field="active"),
    CodeSigningKey: Audited("signing_key", _attr("kid"), state_field="status"),
    LabelTemplate: Audited("label_template", lambda _s, t: f"{t.code}@v{t.version}"),
    PrintRule: Audited("print_rule", _attr("name"), active_field="active"),
}
ENTITIES = sorted(a.entity for a in REGISTRY.values())

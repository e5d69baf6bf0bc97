"""What one uploaded op does in the domain: an event command goes to the service the REST API uses, a master-data
row to MasterDataService; the op's verdict says how it went."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel
from sqlmodel import Session

from backend.auth.principal import Principal
from backend.masterdata.record_service import MasterDataService
from backend.production.operation_service import OperationService
from backend.production.work_order_service import ProductionService
from backend.quality.inspection_service import InspectionService
from backend.sync.errors import OpRefused
from backend.warehouse.status_service import StatusService
from backend.warehouse.warehouse_service import WarehouseService
from shared_models import commands as cmd
from shared_models.enums import Role
from shared_models.gates import Violation
from shared_models.production_commands import ReportOperation
from shared_models.quality.commands import RecordInspection
from sync.protocol import CrudEntry, CrudOp, Verdict, VerdictStatus

Service = WarehouseService | ProductionService | StatusService | InspectionService | OperationService

# kind → (command schema, service factory, method name)
COMMANDS: dict[str, tuple[type[BaseModel], Callable[..., Service], str]] = {
    "receive": (cmd.Receive, WarehouseService, "receive"),
    "move": (cmd.Move, WarehouseService, "move"),
    "pick": (cmd.Pick, WarehouseService, "pick"),
    "ship": (cmd.Ship, WarehouseService, "ship"),
    "count": (cmd.Count, WarehouseService, "count"),
    "pack": (cmd.Pack, WarehouseService, "pack"),
    "unpack": (cmd.Unpack, WarehouseService, "unpack"),
    "report": (cmd.ReportProduction, ProductionService, "report"),
    "status": (cmd.ChangeStatus, StatusService, "change"),
    "inspect": (RecordInspection, InspectionService, "record"),
    "operation_report": (ReportOperation, OperationService, "report_operation"),
}
POSTED = ("receive", "move", "pick")  # recorded in sets when next to each other in a chunk

MASTER_DATA = {"item": "item", "supplier": "supplier", "customer": "customer", "location": "location",
               "equipment": "equipment", "site": "site"}
MASTER_DATA_KEY = {"item": "part_no"}  # the others are looked up by code


def postable(entry: CrudEntry) -> bool:
    """A receive, move or pick: posted in a run with its neighbours (backend/warehouse/posting.py)."""
    return entry.type == "event_command" and entry.op is CrudOp.PUT and entry.data.get("kind") in POSTED


def parse(entry: CrudEntry) -> BaseModel:
    """The command an event_command op carries; raises ValidationError naming the field."""
    data = {k: v for k, v in entry.data.items() if k != "kind"}
    return COMMANDS[entry.data["kind"]][0].model_validate({**data, "id": entry.id})


def outcome(entry: CrudEntry, replayed: bool, violations: list[Violation]) -> Verdict:
    """The verdict of a command its service recorded: a duplicate, a gate violated offline, or applied."""
    if replayed:
        return Verdict(entry.op_id, VerdictStatus.DUPLICATE, "duplicate_event", f"Event {entry.id} was "
                       "already recorded; nothing changed.")
    if violations:
        reasons = "; ".join(v.reason for v in violations)
        return Verdict(entry.op_id, VerdictStatus.CONFLICT, "gate_violated_offline",
                       f"Recorded as done, but {reasons}. QA has been told.")
    return Verdict(entry.op_id, VerdictStatus.APPLIED)


def dispatch(session: Session, by: Principal, entry: CrudEntry) -> Verdict:
    """Applies one op in `session` without committing what it changed last (the caller commits or rolls back).
    Raises a DomainError (OpRefused or the service's own) or ValidationError when the op is refused."""
    if entry.type == "event_command":
        return _command(session, by, entry)
    if entry.type in MASTER_DATA:
        return _master_data(session, by, entry)
    raise OpRefused("unknown_type", f"Table '{entry.type}' does not take uploads.")


def _command(session: Session, by: Principal, entry: CrudEntry) -> Verdict:
    if entry.op is not CrudOp.PUT:
        raise OpRefused("events_are_immutable", f"Event {entry.id} is a recorded fact; {entry.op.value} is "
                        "not possible. Record a correcting event instead.")
    kind = entry.data.get("kind")
    if kind not in COMMANDS:
        raise OpRefused("unknown_command", f"Unknown event kind {kind!r}; one of: {', '.join(sorted(COMMANDS))}.")
    _schema, factory, method = COMMANDS[kind]
    service = factory(session, by, record_gate_violations=True) if factory is not StatusService \
        else factory(session, by)
    getattr(service, method)(parse(entry))
    return outcome(entry, service.ledger.replayed, getattr(service, "violations", []))


def _master_data(session: Session, by: Principal, entry: CrudEntry) -> Verdict:
    if by.role not in (Role.ADMIN, Role.QA_MANAGER):
        raise OpRefused("forbidden", f"Role {by.role.value} may not change master data.")
    if entry.op is CrudOp.DELETE:
        raise OpRefused("master_data_not_deleted", f"{entry.type} rows are deactivated, not deleted.")
    kind = MASTER_DATA[entry.type]
    model = _MODELS[kind]
    row = session.get(model, entry.id)
    service = MasterDataService(session)
    changes = {k: v for k, v in entry.data.items() if k not in ("id", "version", "updated_at")}
    if row is None:
        if entry.op is CrudOp.PATCH:
            raise OpRefused("not_found", f"No {entry.type} with id {entry.id} to change.")
        staged = getattr(service, f"stage_{kind}")(_CREATE_SCHEMAS[kind].model_validate(changes))
        staged.id = entry.id  # the handheld made the id; its later PATCHes must find the row
        session.flush()
        return Verdict(entry.op_id, VerdictStatus.APPLIED)
    base = entry.data.get("version")
    key = getattr(row, MASTER_DATA_KEY.get(kind, "code"))
    current = row.version
    getattr(service, f"update_{kind}")(key, changes, None)
    if isinstance(base, int) and base < current:
        fields = ", ".join(sorted(changes))
        return Verdict(entry.op_id, VerdictStatus.CONFLICT, "stale_version",
                       f"Written over version {current} (the handheld had version {base}); the fields "
                       f"sent win: {fields}.")
    return Verdict(entry.op_id, VerdictStatus.APPLIED)


def _models() -> tuple[dict[str, type], dict[str, type[BaseModel]]]:
    from backend.masterdata import schemas
    from shared_models.masterdata import Customer, Equipment, Item, Location, Site, Supplier

    models = {"item": Item, "supplier": Supplier, "customer": Customer, "location": Location,
              "equipment": Equipment, "site": Site}
    creates = {"item": schemas.ItemCreate, "supplier": schemas.SupplierCreate, "customer": schemas.CustomerCreate,
               "location": schemas.LocationCreate, "equipment": schemas.EquipmentCreate, "site": schemas.SiteCreate}
    return models, creates


_MODELS, _CREATE_SCHEMAS = _models()

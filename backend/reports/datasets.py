"""The datasets a report may read: a whitelist over the real tables, each dimension and measure a SQLAlchemy
expression. Nothing a user sends becomes SQL: a definition only names fields declared here.

"line" is where a unit was made: the location of the produce event that output it (SZ-LINE-A …); for events it is
the event's own location. Rates are fractions (0.98), kind "percent"; PPM is defective per million sampled."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Float, and_, case, cast, func, literal, true

from backend.production.models import WorkOrder
from backend.quality.models import Inspection, Nonconformance
from backend.recall.models import RecallCase, RecallUnit
from backend.trace.models import EventLine
from backend.warnings.models import QualityWarning, WarningRule
from shared_models.enums import EventType, LineRole, UnitKind, WarningState
from shared_models.masterdata import Customer, Item, Location, Site, Supplier
from shared_models.trace import Event, StockOnHand, Unit

TEXT, NUMBER, PERCENT, TIME = "text", "number", "percent", "time"


@dataclass(frozen=True)
class Field:
    name: str
    en: str
    zh: str
    kind: str
    expr: Any


@dataclass(frozen=True)
class Dataset:
    name: str
    en: str
    zh: str
    source: Any                         # the FROM clause (joins)
    dimensions: dict[str, Field]
    measures: dict[str, Field]
    time: str | None = None             # the dimension the period filter (from/to) applies to
    common: dict[str, str] = field(default_factory=dict)  # site/line/item/supplier -> dimension name
    where: tuple[Any, ...] = ()         # fixed conditions
    has_units: bool = True              # Unit is in the FROM: site and distributor scope apply to it
    distributors: bool = False          # a distributor may run it (on the units shipped to it only)
    site_column: Any = None             # site scope for datasets without units


def _fields(*rows: tuple[str, str, str, str, Any]) -> dict[str, Field]:
    return {r[0]: Field(*r) for r in rows}


def _ratio(num: Any, den: Any) -> Any:
    return cast(num, Float) / func.nullif(cast(den, Float), 0)


def _count_if(cond: Any) -> Any:
    return func.sum(case((cond, 1), else_=0))


def _made_at() -> Any:
    """The code of the location where the unit was made: the produce event that output it (a correlated lookup
    on the unit's lines, so a report without a line pays nothing for it)."""
    from sqlmodel import select
    return (select(Location.code).select_from(EventLine).join(Event, Event.id == EventLine.event_id)
            .join(Location, Location.id == Event.location_id)
            .where(EventLine.unit_id == Unit.id, EventLine.role == LineRole.OUTPUT, Event.type == EventType.PRODUCE)
            .order_by(Event.occurred_at).limit(1).correlate(Unit).scalar_subquery())


COMMON = {"site": "site", "line": "line", "item": "item", "supplier": "supplier"}
ITEM = ("item", "Item", "物料", TEXT, Item.part_no)
SITE = ("site", "Site", "工厂", TEXT, Site.code)
SUPPLIER = ("supplier", "Supplier", "供应商", TEXT, Supplier.code)
LINE = ("line", "Line", "产线", TEXT, _made_at())


def _events() -> Dataset:
    src = (EventLine.__table__.join(Event, Event.id == EventLine.event_id).join(Unit, Unit.id == EventLine.unit_id)
           .outerjoin(Item, Item.id == Unit.item_id).join(Site, Site.id == Event.site_id)
           .outerjoin(Location, Location.id == Event.location_id)
           .outerjoin(Supplier, Supplier.id == Event.supplier_id)
           .outerjoin(Customer, Customer.id == Event.customer_id)
           .outerjoin(WorkOrder, WorkOrder.id == Event.work_order_id))
    return Dataset("events", "Events", "事件", src, _fields(
        ("type", "Event type", "事件类型", TEXT, Event.type), ("business_step", "Business step", "业务步骤", TEXT,
                                                              Event.business_step),
        SITE, ("line", "Line / location", "产线/库位", TEXT, Location.code), ITEM, SUPPLIER,
        ("customer", "Customer", "客户", TEXT, Customer.code), ("work_order", "Work order", "生产工单", TEXT,
                                                              WorkOrder.code),
        ("unit", "Unit", "追溯码", TEXT, Unit.code),
        ("role", "Line role", "行角色", TEXT, EventLine.role), ("unit_kind", "Unit kind", "单元类型", TEXT, Unit.kind),
        ("occurred_at", "Occurred", "发生时间", TIME, Event.occurred_at)), _fields(
        ("events", "Events", "事件数", NUMBER, func.count(func.distinct(Event.id))),
        ("lines", "Event lines", "事件行数", NUMBER, func.count(EventLine.id)),
        ("qty", "Quantity", "数量", NUMBER, func.sum(EventLine.qty))),
        time="occurred_at", common=COMMON, distributors=True)


def _units() -> Dataset:
    src = (Unit.__table__.outerjoin(Item, Item.id == Unit.item_id).join(Site, Site.id == Unit.site_id)
                     .outerjoin(Supplier, Supplier.id == Unit.supplier_id)
                     .outerjoin(WorkOrder, WorkOrder.id == Unit.work_order_id))
    return Dataset("units", "Trace units", "追溯单元", src, _fields(
        ITEM, SITE, SUPPLIER, LINE, ("unit", "Unit", "追溯码", TEXT, Unit.code),
        ("status", "Status", "状态", TEXT, Unit.status),
        ("kind", "Kind", "类型", TEXT, Unit.kind), ("work_order", "Work order", "生产工单", TEXT, WorkOrder.code),
        ("uom", "Unit of measure", "单位", TEXT, Unit.uom),
        ("created_at", "Created", "创建时间", TIME, Unit.created_at)),
        _fields(("units", "Units", "单元数", NUMBER, func.count(Unit.id))),
        time="created_at", common=COMMON, distributors=True)


def _inspections() -> Dataset:
    src = (Inspection.__table__.join(Unit, Unit.id == Inspection.unit_id)
                     .outerjoin(Item, Item.id == Unit.item_id).join(Site, Site.id == Inspection.site_id)
                     .outerjoin(Supplier, Supplier.id == Unit.supplier_id))
    units = func.count(func.distinct(Inspection.unit_id))
    failed_units = func.count(func.distinct(case((Inspection.verdict == "fail", Inspection.unit_id))))
    return Dataset("inspections", "Inspections", "检验", src, _fields(
        ("stage", "Stage", "检验阶段", TEXT, Inspection.stage),
        ("verdict", "Verdict", "判定", TEXT, Inspection.verdict),
        ITEM, SITE, SUPPLIER, LINE, ("occurred_at", "Inspected", "检验时间", TIME, Inspection.occurred_at)), _fields(
        ("inspections", "Inspections", "检验次数", NUMBER, func.count(Inspection.id)),
        ("passed", "Passed", "合格次数", NUMBER, _count_if(Inspection.verdict == "pass")),
        ("failed", "Failed", "不合格次数", NUMBER, _count_if(Inspection.verdict == "fail")),
        ("pass_rate", "Pass rate", "合格率", PERCENT, _ratio(_count_if(Inspection.verdict == "pass"),
                                                           func.count(Inspection.id))),
        ("units_inspected", "Units inspected", "受检单元", NUMBER, units),
        # first-pass yield: the share of units inspected that never failed an inspection
        ("fpy", "First-pass yield", "直通率", PERCENT, _ratio(units - failed_units, units)),
        ("sampled", "Sampled", "抽样数", NUMBER, func.sum(Inspection.sample_size)),
        ("defective", "Defective", "不良数", NUMBER, func.sum(Inspection.defective_units)),
        ("ppm", "PPM", "PPM", NUMBER, _ratio(func.sum(Inspection.defective_units) * 1_000_000,
                                             func.sum(Inspection.sample_size)))),
        time="occurred_at", common=COMMON)


def _defects(dialect: str) -> Dataset:
    if dialect == "postgresql":
        d = func.json_array_elements(Inspection.defects).table_valued("value").alias("defect")
        code, count = d.c.value.op("->>")("code"), cast(d.c.value.op("->>")("count"), Float)
    else:
        d = func.json_each(Inspection.defects).table_valued("value").alias("defect")
        code, count = func.json_extract(d.c.value, "$.code"), cast(func.json_extract(d.c.value, "$.count"), Float)
    src = (Inspection.__table__.join(d, true()).join(Unit, Unit.id == Inspection.unit_id)
                     .outerjoin(Item, Item.id == Unit.item_id).join(Site, Site.id == Inspection.site_id)
                     .outerjoin(Supplier, Supplier.id == Unit.supplier_id))
    return Dataset("defects", "Defects found", "缺陷", src, _fields(
        ("code", "Defect code", "缺陷代码", TEXT, code), ("stage", "Stage", "检验阶段", TEXT, Inspection.stage),
        ITEM, SITE, SUPPLIER, LINE, ("occurred_at", "Inspected", "检验时间", TIME, Inspection.occurred_at)), _fields(
        ("defects", "Defects", "缺陷数", NUMBER, func.sum(func.coalesce(count, literal(1.0)))),
        ("inspections", "Inspections", "检验次数", NUMBER, func.count(func.distinct(Inspection.id)))),
        time="occurred_at", common=COMMON)


def _nonconformances() -> Dataset:
    src = (Nonconformance.__table__.join(Unit, Unit.id == Nonconformance.unit_id)
                     .outerjoin(Item, Item.id == Unit.item_id).join(Site, Site.id == Nonconformance.site_id)
                     .outerjoin(Supplier, Supplier.id == Unit.supplier_id))
    return Dataset("nonconformances", "Nonconformances", "不合格品", src, _fields(
        ("state", "State", "状态", TEXT, Nonconformance.state),
        ("disposition", "Disposition", "处置", TEXT, Nonconformance.disposition), ITEM, SITE, SUPPLIER, LINE,
        ("opened_at", "Opened", "开立时间", TIME, Nonconformance.opened_at)), _fields(
        ("nonconformances", "Nonconformances", "不合格品数", NUMBER, func.count(Nonconformance.id)),
        ("open", "Open", "未关闭", NUMBER, _count_if(Nonconformance.closed_at.is_(None)))),  # type: ignore[union-attr]
        time="opened_at", common=COMMON)


def _warnings() -> Dataset:
    src = QualityWarning.__table__.join(WarningRule, WarningRule.id == QualityWarning.rule_id)
    return Dataset("warnings", "Warnings", "预警", src, _fields(
        ("rule", "Rule", "预警规则", TEXT, WarningRule.code), ("kind", "Rule kind", "规则类型", TEXT, WarningRule.kind),
        ("severity", "Severity", "严重度", TEXT, QualityWarning.severity),
        ("state", "State", "状态", TEXT, QualityWarning.state),
        ("opened_at", "Opened", "发生时间", TIME, QualityWarning.opened_at)), _fields(
        ("warnings", "Warnings", "预警数", NUMBER, func.count(QualityWarning.id)),
        ("open", "Not closed", "未关闭", NUMBER, _count_if(QualityWarning.state != WarningState.CLOSED))),
        time="opened_at", has_units=False)


def _stock() -> Dataset:
    src = (StockOnHand.__table__.join(Unit, Unit.id == StockOnHand.unit_id).outerjoin(Item, Item.id == Unit.item_id)
           .join(Location, Location.id == StockOnHand.location_id).join(Site, Site.id == StockOnHand.site_id)
           .outerjoin(Supplier, Supplier.id == Unit.supplier_id))
    return Dataset("stock", "Stock on hand", "库存", src, _fields(
        ITEM, SITE, SUPPLIER, ("location", "Location", "库位", TEXT, Location.code),
        ("status", "Status", "状态", TEXT, Unit.status)), _fields(
        ("qty", "Quantity", "数量", NUMBER, func.sum(StockOnHand.qty)),
        ("units", "Units", "单元数", NUMBER, func.count(func.distinct(StockOnHand.unit_id)))),
        common={"site": "site", "item": "item", "supplier": "supplier"}, where=(StockOnHand.qty != 0,),
        distributors=True)


def _shipments() -> Dataset:
    src = (EventLine.__table__.join(Event, Event.id == EventLine.event_id).join(Unit, Unit.id == EventLine.unit_id)
           .outerjoin(Item, Item.id == Unit.item_id).join(Site, Site.id == Event.site_id)
           .outerjoin(Customer, Customer.id == Event.customer_id))
    return Dataset("shipments", "Shipments", "发货", src, _fields(
        ("customer", "Customer", "客户", TEXT, Customer.code), ITEM, SITE,
        ("reference", "Delivery note", "发货单", TEXT, Event.reference),
        ("occurred_at", "Shipped", "发货时间", TIME, Event.occurred_at)), _fields(
        ("shipments", "Shipments", "发货单数", NUMBER, func.count(func.distinct(Event.id))),
        ("units", "Units", "单元数", NUMBER, func.count(func.distinct(Unit.id))),
        ("qty", "Quantity", "数量", NUMBER, func.sum(EventLine.qty))),
        time="occurred_at", common={"site": "site", "item": "item"},
        where=(Event.type == EventType.SHIP, Unit.kind != UnitKind.CONTAINER), distributors=True)


def _work_orders() -> Dataset:
    from sqlmodel import select
    # Produced per order in one grouped pass over the produce events (measured faster on SQLite than a lookup per
    # order, which the planner evaluates twice); bench/reports.py has the figure.
    made = (select(Event.work_order_id.label("work_order_id"), func.sum(EventLine.qty).label("qty"))
            .join(Event, Event.id == EventLine.event_id)
            .where(Event.type == EventType.PRODUCE, EventLine.role == LineRole.OUTPUT)
            .group_by(Event.work_order_id).subquery("made"))
    src = (WorkOrder.__table__.join(Item, Item.id == WorkOrder.item_id).join(Site, Site.id == WorkOrder.site_id)
           .outerjoin(made, made.c.work_order_id == WorkOrder.id))
    produced = func.sum(func.coalesce(made.c.qty, 0.0))
    return Dataset("work_orders", "Work orders", "生产工单", src, _fields(
        ("work_order", "Work order", "生产工单", TEXT, WorkOrder.code), ITEM, SITE,
        ("kind", "Kind", "类型", TEXT, WorkOrder.kind), ("status", "Status", "状态", TEXT, WorkOrder.status),
        ("created_at", "Created", "创建时间", TIME, WorkOrder.created_at)), _fields(
        ("planned", "Planned", "计划数", NUMBER, func.sum(WorkOrder.qty_planned)),
        ("produced", "Produced", "产出数", NUMBER, produced),
        ("achievement", "Achievement rate", "达成率", PERCENT, _ratio(produced, func.sum(WorkOrder.qty_planned)))),
        time="created_at", common={"site": "site", "item": "item"}, has_units=False, site_column=WorkOrder.site_id)


def _recalls() -> Dataset:
    src = (RecallUnit.__table__.join(RecallCase, RecallCase.id == RecallUnit.case_id)
           .join(Unit, Unit.id == RecallUnit.unit_id).outerjoin(Item, Item.id == Unit.item_id)
           .outerjoin(Customer, Customer.id == RecallUnit.customer_id))
    back = RecallUnit.returned_qty >= RecallUnit.qty
    outstanding = case((RecallUnit.qty > RecallUnit.returned_qty, RecallUnit.qty - RecallUnit.returned_qty), else_=0.0)
    return Dataset("recalls", "Recall progress", "召回进度", src, _fields(
        ("case", "Recall case", "召回单", TEXT, RecallCase.code), ("state", "State", "状态", TEXT, RecallCase.state),
        ("kind", "Where", "位置", TEXT, RecallUnit.kind), ("customer", "Customer", "客户", TEXT, Customer.code), ITEM,
        ("created_at", "Opened", "开立时间", TIME, RecallCase.created_at)), _fields(
        ("units", "Units", "单元数", NUMBER, func.count(RecallUnit.id)),
        ("qty", "Quantity", "数量", NUMBER, func.sum(RecallUnit.qty)),
        ("returned_qty", "Returned", "已退回", NUMBER, func.sum(RecallUnit.returned_qty)),
        ("outstanding_qty", "Outstanding", "未退回", NUMBER, func.sum(outstanding)),
        ("returned_units", "Units back", "已退回单元", NUMBER, _count_if(and_(back, RecallUnit.kind == "shipped"))),
        ("return_rate", "Returned share", "退回率", PERCENT, _ratio(func.sum(RecallUnit.returned_qty),
                                                                  func.sum(RecallUnit.qty)))),
        time="created_at", common={"item": "item"})


@cache
def datasets(dialect: str) -> dict[str, Dataset]:
    made = [_events(), _units(), _inspections(), _defects(dialect), _nonconformances(), _warnings(), _stock(),
            _shipments(), _work_orders(), _recalls()]
    return {d.name: d for d in made}


__all__ = ["NUMBER", "PERCENT", "TEXT", "TIME", "Dataset", "Field", "datasets"]

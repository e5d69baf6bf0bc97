"""Purchase orders (expected receipts) and sales orders (deliveries) as ERP hands them over: upserted whole by
their ERP number, every line checked before anything is written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from sqlmodel import Session, SQLModel, col, delete, select

from backend.auth.principal import Principal
from backend.db import atomic
from backend.errors import NotFound
from backend.orders.errors import BadOrderLines, OrderPartnerChanged, UnknownOrder
from backend.orders.models import OrderStatus, PurchaseOrder, PurchaseOrderLine, SalesOrder, SalesOrderLine
from backend.orders.schemas import OrderLineIn, OrderLinePublic, OrderPublic, PurchaseOrderPut, SalesOrderPut
from backend.trace.lookup import customer_by_code, site_by_code, supplier_by_code
from shared_models.bounds import MAX_QTY
from shared_models.masterdata import Customer, Item, Site, Supplier
from shared_models.types import utcnow


class Kind(NamedTuple):
    name: str
    order: Any
    line: Any
    partner_field: str
    partner: type[SQLModel]
    find_partner: Callable[[Session, str], Any]


PURCHASE = Kind("purchase", PurchaseOrder, PurchaseOrderLine, "supplier_id", Supplier, supplier_by_code)
SALES = Kind("sales", SalesOrder, SalesOrderLine, "customer_id", Customer, customer_by_code)
KINDS = {k.name: k for k in (PURCHASE, SALES)}


class OrderService:
    def __init__(self, session: Session, by: Principal) -> None:
        self.session = session
        self.by = by

    def put_purchase(self, number: str, data: PurchaseOrderPut) -> OrderPublic:
        return self._put(PURCHASE, number, data.supplier, data.site, data.status, data.lines)

    def put_sales(self, number: str, data: SalesOrderPut) -> OrderPublic:
        return self._put(SALES, number, data.customer, data.site, data.status, data.lines)

    def get(self, kind: str, number: str) -> OrderPublic:
        spec = KINDS[kind]
        order = self.session.exec(select(spec.order).where(spec.order.number == number)).first()
        if order is None or not self.by.sees_site(order.site_id):
            raise UnknownOrder(kind, number)
        return self._public(spec, order)

    def list(self, kind: str, *, status: OrderStatus | None = None, limit: int = 100) -> list[OrderPublic]:
        spec = KINDS[kind]
        query = select(spec.order)
        if status is not None:
            query = query.where(spec.order.status == status)
        if self.by.site_id is not None:
            query = query.where(spec.order.site_id == self.by.site_id)
        orders = self.session.exec(query.order_by(col(spec.order.number)).limit(limit)).all()
        return [self._public(spec, o) for o in orders]

    @atomic
    def _put(self, spec: Kind, number: str, partner_code: str, site_code: str, status: OrderStatus,
             lines: list[OrderLineIn]) -> OrderPublic:
        """Raises NotFound for the partner or site, BadOrderLines naming every bad line, OrderPartnerChanged when
        the number belongs to another partner's order. Nothing is written unless all of it is good."""
        number = number.strip()
        partner = spec.find_partner(self.session, partner_code)
        site = site_by_code(self.session, site_code)
        if not self.by.sees_site(site.id):
            raise NotFound("site", site_code)
        items = self._check_lines(spec, number, lines)
        wanted = sorted((ln.line_no, items[ln.item].id, float(ln.qty), items[ln.item].uom, ln.due_on)
                        for ln in lines)
        order = self.session.exec(select(spec.order).where(spec.order.number == number)).first()
        if order is not None:
            if getattr(order, spec.partner_field) != partner.id:
                was = self.session.get(spec.partner, getattr(order, spec.partner_field))
                raise OrderPartnerChanged(spec.name, number, spec.partner_field.removesuffix("_id"),
                                          getattr(was, "code", "?"), partner.code)
            stored = sorted((ln.line_no, ln.item_id, ln.qty, ln.uom, ln.due_on) for ln in self._lines(spec, order))
            if stored == wanted and order.site_id == site.id and order.status == status:
                self.session.rollback()
                return self._public(spec, order)  # the same order again: nothing changes (idempotent PUT)
            self.session.execute(delete(spec.line).where(col(spec.line.order_id) == order.id))
            order.site_id, order.status, order.version, order.updated_at = site.id, status, order.version + 1, utcnow()
        else:
            order = spec.order(number=number, site_id=site.id, status=status, **{spec.partner_field: partner.id})
        self.session.add(order)
        self.session.flush()
        self.session.add_all([spec.line(order_id=order.id, line_no=n, item_id=item_id, qty=qty, uom=uom, due_on=due)
                              for n, item_id, qty, uom, due in wanted])
        self.session.commit()
        return self._public(spec, order, changed=True)

    def _check_lines(self, spec: Kind, number: str, lines: list[OrderLineIn]) -> dict[str, Item]:
        refs = {ln.item for ln in lines}
        found = self.session.exec(select(Item).where(col(Item.part_no).in_(refs) | col(Item.gtin).in_(refs))).all()
        items = {ref: i for i in found for ref in (i.part_no, i.gtin) if ref in refs}
        problems: list[tuple[int, str]] = []
        seen: set[int] = set()
        for ln in lines:
            if ln.line_no in seen:
                problems.append((ln.line_no, "the line number is given twice"))
            seen.add(ln.line_no)
            if ln.item not in items:
                problems.append((ln.line_no, f"no item '{ln.item}' (give a part number or GTIN)"))
            if not 0 < ln.qty <= MAX_QTY:
                problems.append((ln.line_no, f"qty must be more than 0 and at most {MAX_QTY:g} (got {ln.qty:g})"))
        if problems:
            raise BadOrderLines(spec.name, number, problems)
        return items

    def _lines(self, spec: Kind, order: Any) -> list[Any]:
        return list(self.session.exec(select(spec.line).where(spec.line.order_id == order.id)
                                      .order_by(col(spec.line.line_no))))

    def _public(self, spec: Kind, order: Any, *, changed: bool = False) -> OrderPublic:
        lines = self._lines(spec, order)
        parts = {i.id: i.part_no for i in self.session.exec(
            select(Item).where(col(Item.id).in_({ln.item_id for ln in lines})))}
        partner = self.session.get(spec.partner, getattr(order, spec.partner_field))
        site = self.session.get(Site, order.site_id)
        return OrderPublic(id=order.id, number=order.number, kind=spec.name, partner=getattr(partner, "code", ""),
                           site=site.code if site else "", status=order.status, version=order.version,
                           created_at=order.created_at, updated_at=order.updated_at, changed=changed,
                           lines=[OrderLinePublic(line_no=ln.line_no, item=parts.get(ln.item_id, ln.item_id),
                                                  qty=ln.qty, uom=ln.uom, due_on=ln.due_on) for ln in lines])

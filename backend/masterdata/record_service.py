"""Master data changes: one method per office action; each checks codes, references and versions, then commits once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from backend.db import atomic
from backend.errors import NotFound
from backend.masterdata.errors import BomCycle, BomReleased, BomSuperseded, InvalidBomLines, InvalidLocationTree
from backend.masterdata.models import Bom, BomLine
from backend.masterdata.rows import RowStore, matches, patch_of, validated
from backend.masterdata.schemas import (
    BomLineIn,
    CustomerCreate,
    CustomerUpdate,
    EquipmentCreate,
    EquipmentUpdate,
    ItemCreate,
    ItemUpdate,
    LocationCreate,
    LocationUpdate,
    SiteCreate,
    SiteUpdate,
    SupplierCreate,
    SupplierUpdate,
)
from shared_models.enums import BomStatus, LocationKind
from shared_models.masterdata import Customer, Equipment, Item, Location, Site, Supplier
from shared_models.types import utcnow


class MasterDataService(RowStore):
    """`create_*`/`update_*`/`release_*` commit; `stage_*` only add and flush, for callers that commit a batch."""

    # -- sites --------------------------------------------------------------------------------------------------
    @atomic
    def create_site(self, data: SiteCreate) -> Site:
        return self._committed(self.stage_site(data))

    def stage_site(self, data: SiteCreate) -> Site:
        self._ensure_free(Site, "code", data.code)
        return self._add(Site(**data.model_dump()))

    @atomic
    def update_site(self, code: str, changes: Mapping[str, Any], expected_version: int | None = None) -> Site:
        site = self._get(Site, code, lock=True)
        self._revise(site, code, *patch_of(SiteUpdate, changes, expected_version))
        return self._committed(site)

    def get_site(self, code: str) -> Site:
        return self._get(Site, code)

    def list_sites(self, q: str | None = None, limit: int = 50, offset: int = 0) -> list[Site]:
        return self._list(Site, q, limit, offset)

    # -- items --------------------------------------------------------------------------------------------------
    @atomic
    def create_item(self, data: ItemCreate) -> Item:
        return self._committed(self.stage_item(data))

    def stage_item(self, data: ItemCreate) -> Item:
        self._ensure_free(Item, "part_no", data.part_no)
        if data.gtin is not None:
            self._ensure_free(Item, "gtin", data.gtin)
        return self._add(Item(**data.model_dump()))

    @atomic
    def update_item(self, part_no: str, changes: Mapping[str, Any], expected_version: int | None = None) -> Item:
        item = self._get(Item, part_no, lock=True)
        fields, expected_version = patch_of(ItemUpdate, changes, expected_version)
        self._expect(item, part_no, expected_version)
        if fields.get("gtin") is not None:
            self._ensure_free(Item, "gtin", fields["gtin"], other_than=item.id)
        self._revise(item, part_no, fields, expected_version)
        return self._committed(item)

    def get_item(self, part_no: str) -> Item:
        return self._get(Item, part_no)

    def list_items(self, q: str | None = None, limit: int = 50, offset: int = 0) -> list[Item]:
        return self._list(Item, q, limit, offset)

    # -- suppliers and customers --------------------------------------------------------------------------------
    @atomic
    def create_supplier(self, data: SupplierCreate) -> Supplier:
        return self._committed(self.stage_supplier(data))

    def stage_supplier(self, data: SupplierCreate) -> Supplier:
        self._ensure_free(Supplier, "code", data.code)
        return self._add(Supplier(**data.model_dump()))

    @atomic
    def update_supplier(self, code: str, changes: Mapping[str, Any],
                        expected_version: int | None = None) -> Supplier:
        supplier = self._get(Supplier, code, lock=True)
        self._revise(supplier, code, *patch_of(SupplierUpdate, changes, expected_version))
        return self._committed(supplier)

    def get_supplier(self, code: str) -> Supplier:
        return self._get(Supplier, code)

    def list_suppliers(self, q: str | None = None, limit: int = 50, offset: int = 0) -> list[Supplier]:
        return self._list(Supplier, q, limit, offset)

    @atomic
    def create_customer(self, data: CustomerCreate) -> Customer:
        return self._committed(self.stage_customer(data))

    def stage_customer(self, data: CustomerCreate) -> Customer:
        self._ensure_free(Customer, "code", data.code)
        return self._add(Customer(**data.model_dump()))

    @atomic
    def update_customer(self, code: str, changes: Mapping[str, Any],
                        expected_version: int | None = None) -> Customer:
        customer = self._get(Customer, code, lock=True)
        self._revise(customer, code, *patch_of(CustomerUpdate, changes, expected_version))
        return self._committed(customer)

    def get_customer(self, code: str) -> Customer:
        return self._get(Customer, code)

    def list_customers(self, q: str | None = None, limit: int = 50, offset: int = 0) -> list[Customer]:
        return self._list(Customer, q, limit, offset)

    # -- locations: site → zone → bin ---------------------------------------------------------------------------
    # `site_scope` is the caller's site (None: every site): other sites' locations and equipment look absent.
    @atomic
    def create_location(self, data: LocationCreate, *, site_scope: str | None = None) -> Location:
        return self._committed(self.stage_location(data, site_scope=site_scope))

    def stage_location(self, data: LocationCreate, *, site_scope: str | None = None) -> Location:
        self._ensure_free(Location, "code", data.code)
        site = self._writable_site(data.site, site_scope)
        parent = self._parent_for(data.parent, site, None) if data.parent is not None else None
        return self._add(Location(code=data.code, site_id=site.id, parent_id=parent.id if parent else None,
                                  name=data.name, kind=data.kind, gln=data.gln))

    @atomic
    def update_location(self, code: str, changes: Mapping[str, Any], expected_version: int | None = None, *,
                        site_scope: str | None = None) -> Location:
        location = self._get(Location, code, lock=True, site_scope=site_scope)
        fields, expected_version = patch_of(LocationUpdate, changes, expected_version)
        self._expect(location, code, expected_version)
        if "parent" in fields:
            parent_code = fields.pop("parent")
            site = self.session.get_one(Site, location.site_id)
            fields["parent_id"] = self._parent_for(parent_code, site, location).id if parent_code else None
        if fields.get("kind") is LocationKind.BIN and self._has_children(location):
            raise InvalidLocationTree(f"{code} holds other locations, so it cannot become a bin.", location=code)
        self._revise(location, code, fields, expected_version)
        return self._committed(location)

    def get_location(self, code: str, *, site_scope: str | None = None) -> Location:
        return self._get(Location, code, site_scope=site_scope)

    def list_locations(self, q: str | None = None, limit: int = 50, offset: int = 0, *,
                       site_scope: str | None = None) -> list[Location]:
        return self._list(Location, q, limit, offset, site_scope=site_scope)

    # -- equipment ----------------------------------------------------------------------------------------------
    @atomic
    def create_equipment(self, data: EquipmentCreate, *, site_scope: str | None = None) -> Equipment:
        return self._committed(self.stage_equipment(data, site_scope=site_scope))

    def stage_equipment(self, data: EquipmentCreate, *, site_scope: str | None = None) -> Equipment:
        self._ensure_free(Equipment, "code", data.code)
        site = self._writable_site(data.site, site_scope)
        return self._add(Equipment(code=data.code, site_id=site.id, name=data.name, kind=data.kind))

    @atomic
    def update_equipment(self, code: str, changes: Mapping[str, Any], expected_version: int | None = None, *,
                         site_scope: str | None = None) -> Equipment:
        machine = self._get(Equipment, code, lock=True, site_scope=site_scope)
        fields, expected_version = patch_of(EquipmentUpdate, changes, expected_version)
        self._expect(machine, code, expected_version)
        if "site" in fields:
            fields["site_id"] = self._writable_site(fields.pop("site"), site_scope).id
        self._revise(machine, code, fields, expected_version)
        return self._committed(machine)

    def get_equipment(self, code: str, *, site_scope: str | None = None) -> Equipment:
        return self._get(Equipment, code, site_scope=site_scope)

    def list_equipment(self, q: str | None = None, limit: int = 50, offset: int = 0, *,
                       site_scope: str | None = None) -> list[Equipment]:
        return self._list(Equipment, q, limit, offset, site_scope=site_scope)

    # -- BOMs ---------------------------------------------------------------------------------------------------
    @atomic
    def create_bom_version(self, item: str, lines: Sequence[BomLineIn | Mapping[str, Any]], note: str = "") -> Bom:
        """A new DRAFT version numbered after the item's last one; raises BomCycle for a self- or circular use."""
        return self._committed(self.stage_bom_version(item, lines, note))

    def stage_bom_version(self, item: str, lines: Sequence[BomLineIn | Mapping[str, Any]], note: str = "") -> Bom:
        parent = self._ref(Item, "item", item, lock=True)
        components = self._components(parent, lines)
        self._refuse_cycle(parent, [c for c, _ in components])
        bom = self._add(Bom(item_id=parent.id, version_no=self._next_version(parent), note=note))
        self.session.add_all(BomLine(bom_id=bom.id, component_item_id=c.id, qty_per=q) for c, q in components)
        self._flush()
        return bom

    def next_bom_version(self, item: str) -> int:
        return self._next_version(self._ref(Item, "item", item))

    @atomic
    def release_bom(self, item: str, version: int) -> Bom:
        """Releases a draft and supersedes the version released before; releasing it again changes nothing."""
        parent = self._get(Item, item, lock=True)
        bom = self._bom(parent, version)
        if bom.status is BomStatus.RELEASED:
            return bom
        if bom.status is BomStatus.SUPERSEDED:
            raise BomSuperseded(item, version)
        components = list(self.session.exec(select(Item).join(BomLine, col(BomLine.component_item_id) == Item.id)
                                            .where(BomLine.bom_id == bom.id)))
        if not components:
            raise InvalidBomLines(f"BOM {item} v{version} has no lines; add components before releasing it.")
        self._refuse_cycle(parent, components)
        for old in self.session.exec(select(Bom).where(Bom.item_id == parent.id,
                                                       Bom.status == BomStatus.RELEASED)):
            old.status = BomStatus.SUPERSEDED
            self.session.add(old)
        bom.status = BomStatus.RELEASED
        bom.released_at = utcnow()
        self.session.add(bom)
        return self._committed(bom)

    @atomic
    def replace_bom_lines(self, item: str, version: int, lines: Sequence[BomLineIn | Mapping[str, Any]]) -> Bom:
        parent = self._get(Item, item, lock=True)
        bom = self._draft(parent, version)
        components = self._components(parent, lines)
        self._refuse_cycle(parent, [c for c, _ in components])
        for line in self.session.exec(select(BomLine).where(BomLine.bom_id == bom.id)):
            self.session.delete(line)
        self._flush()   # deletes first: the new lines may name the same components (unique per BOM)
        self.session.add_all(BomLine(bom_id=bom.id, component_item_id=c.id, qty_per=q) for c, q in components)
        return self._committed(bom)

    @atomic
    def remove_bom_line(self, item: str, version: int, component: str) -> Bom:
        parent = self._get(Item, item, lock=True)
        bom = self._draft(parent, version)
        line = self.session.exec(select(BomLine).join(Item, col(Item.id) == BomLine.component_item_id)
                                 .where(BomLine.bom_id == bom.id, Item.part_no == component)).first()
        if line is None:
            raise NotFound("BOM line", f"{item} v{version} {component}")
        self.session.delete(line)
        return self._committed(bom)

    def get_bom(self, item: str, version: int | None = None) -> Bom:
        """The given version; without one, the released version, else the newest draft."""
        parent = self._get(Item, item)
        if version is not None:
            return self._bom(parent, version)
        boms = self.session.exec(select(Bom).where(Bom.item_id == parent.id)
                                 .where(Bom.status != BomStatus.SUPERSEDED)
                                 .order_by(col(Bom.status) == BomStatus.DRAFT, col(Bom.version_no).desc())).first()
        if boms is None:
            raise NotFound("BOM", item)
        return boms

    def list_boms(self, q: str | None = None, limit: int = 50, offset: int = 0) -> list[Bom]:
        query = select(Bom).join(Item, col(Item.id) == Bom.item_id)
        if q:
            query = query.where(matches(q, Item.part_no, Item.name))
        return list(self.session.exec(query.order_by(Item.part_no, Bom.version_no).offset(offset).limit(limit)))

    # -- location tree and BOM rules ---------------------------------------------------------------------------
    def _parent_for(self, parent_code: str, site: Site, child: Location | None) -> Location:
        parent = self._ref(Location, "parent", parent_code)
        if parent.site_id != site.id:
            other = self.session.get_one(Site, parent.site_id).code
            raise InvalidLocationTree(f"parent: {parent_code} is on site {other}, not {site.code}; a location's "
                                      f"parent must be on the same site.", field="parent", value=parent_code)
        if parent.kind is LocationKind.BIN:
            raise InvalidLocationTree(f"parent: {parent_code} is a bin, and a bin cannot be the parent of another "
                                      f"location.", field="parent", value=parent_code)
        node: Location | None = parent
        while child is not None and node is not None:
            if node.id == child.id:
                raise InvalidLocationTree(f"parent: {parent_code} lies inside {child.code}; that would make a cycle.",
                                          field="parent", value=parent_code)
            node = self.session.get(Location, node.parent_id) if node.parent_id else None
        return parent

    def _has_children(self, location: Location) -> bool:
        return self.session.exec(select(Location.id).where(Location.parent_id == location.id)).first() is not None

    def _bom(self, parent: Item, version: int) -> Bom:
        bom = self.session.exec(select(Bom).where(Bom.item_id == parent.id, Bom.version_no == version)).first()
        if bom is None:
            raise NotFound("BOM version", f"{parent.part_no} v{version}")
        return bom

    def _next_version(self, parent: Item) -> int:
        last = self.session.exec(select(func.max(Bom.version_no)).where(Bom.item_id == parent.id)).one()
        return (last or 0) + 1

    def _draft(self, parent: Item, version: int) -> Bom:
        bom = self._bom(parent, version)
        if bom.status is not BomStatus.DRAFT:
            raise BomReleased(parent.part_no, version, bom.status)
        return bom

    def _components(self, parent: Item, lines: Sequence[BomLineIn | Mapping[str, Any]]) -> list[tuple[Item, float]]:
        if not lines:
            raise InvalidBomLines("A BOM needs at least one line.", field="lines")
        found: list[tuple[Item, float]] = []
        seen: set[str] = set()
        for raw in lines:
            line = raw if isinstance(raw, BomLineIn) else validated(BomLineIn, raw)
            if line.component == parent.part_no:
                raise BomCycle(f"component: the BOM of {parent.part_no} lists {parent.part_no} itself.",
                               field="component", value=line.component)
            if line.component in seen:
                raise InvalidBomLines(f"component: {line.component} is listed twice; give it one line with the "
                                      f"total quantity.", field="component", value=line.component)
            seen.add(line.component)
            found.append((self._ref(Item, "component", line.component), line.qty_per))
        return found

    def _refuse_cycle(self, parent: Item, components: Sequence[Item]) -> None:
        """Walks down released BOMs from each component; reaching the parent again would make a cycle."""
        origin = {c.id: c.part_no for c in components}
        frontier = set(origin)
        seen = set(frontier)
        while frontier:
            if parent.id in frontier:
                via = origin[parent.id]
                raise BomCycle(f"component: {via} already contains {parent.part_no} through released BOMs; "
                               f"that would make a cycle.", field="component", value=via)
            rows = self.session.exec(select(Bom.item_id, BomLine.component_item_id)
                                     .join(Bom, col(Bom.id) == BomLine.bom_id)
                                     .where(Bom.status == BomStatus.RELEASED, col(Bom.item_id).in_(frontier))).all()
            frontier = set()
            for above, below in rows:
                if below not in seen:
                    seen.add(below)
                    origin[below] = origin[above]
                    frontier.add(below)

"""Captured events joined to Lotline's genealogy: their EPCs resolve to units, transformations and packs make edges.

An EPC resolves to a unit by, in turn: the `lotline:units` identity another Lotline exported with it (its code),
an SSCC, a GTIN with serial (SGTIN) or lot (LGTIN), or a Lotline URN. A TransformationEvent joins every input to
every output (quantities shared out as production does); an AggregationEvent ADD joins each child to the parent.
Units those two name and Lotline does not know yet are made (at the event's site, with the item its GTIN or part
number names, if any), so a partner's batch becomes a node a trace can walk. Each joining event is recorded as a
Lotline event (produce / pack) so the edges keep the event they came from; ObjectEvents only link existing units.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

from sqlalchemy import select
from sqlmodel import Session

from backend.epcis.errors import JoinRefused
from backend.epcis.identifiers import gs1_keys, parse_lotline
from backend.epcis.store import parse_time
from backend.eventlog import chain
from backend.hooks import note_event
from backend.trace.models import EventLine, GenealogyEdge
from backend.trace.reach import ReachWriter
from backend.trace.walk import reaches
from shared_models.enums import BUSINESS_STEP, EdgeKind, EventType, LineRole, UnitKind
from shared_models.masterdata import Item, Location, Site
from shared_models.trace import Event, Unit

JOINING = {"TransformationEvent", "AggregationEvent"}


@dataclass(slots=True)
class Joiner:
    """Resolves the EPCs of one capture's events in sets, and records the joins. Commits nothing."""

    session: Session
    fallback_site_id: str | None
    units: dict[str, Unit] = field(default_factory=dict)       # EPC URI → unit
    identities: dict[str, dict[str, Any]] = field(default_factory=dict)
    _items: dict[str, Item] = field(default_factory=dict)      # GTIN-14 and part no. → item
    _sites: dict[str, str] = field(default_factory=dict)       # place URI → site id

    def resolve(self, docs: Iterable[dict[str, Any]], uris: set[str]) -> None:
        for doc in docs:
            for ident in doc.get("lotline:units") or []:
                if isinstance(ident, dict) and isinstance(ident.get("epc"), str):
                    self.identities[ident["epc"]] = ident
        by_code: dict[str, str] = {}
        by_sscc: dict[str, str] = {}
        by_key: dict[tuple[str, str, str], str] = {}   # (gtin, kind, serial or lot) → uri
        for uri in uris:
            ident = self.identities.get(uri)
            mine = parse_lotline(uri)
            keys = gs1_keys(uri)
            if ident and ident.get("code"):
                by_code[str(ident["code"])] = uri
            elif mine and mine[0] == "unit":
                by_code[mine[1]] = uri
            elif "00" in keys:
                by_sscc[keys["00"]] = uri
            elif "01" in keys and ("21" in keys or "10" in keys):
                by_key[(keys["01"], "serial" if "21" in keys else "lot", keys.get("21") or keys["10"])] = uri
        gtins = {g for g, _, _ in by_key} | {str(i["gtin"]) for i in self.identities.values() if i.get("gtin")}
        parts = {str(i["partNo"]) for i in self.identities.values() if i.get("partNo")}
        for item in self._fetch(Item, Item.gtin, gtins) + self._fetch(Item, Item.part_no, parts):
            self._items.update({k: item for k in (item.gtin, item.part_no) if k})
        for unit in self._fetch(Unit, Unit.code, set(by_code)):
            self.units[by_code[unit.code]] = unit
        for unit in self._fetch(Unit, Unit.sscc, set(by_sscc)):
            self.units[by_sscc[unit.sscc or ""]] = unit
        wanted = {(self._items[g].id, kind, value): uri for (g, kind, value), uri in by_key.items() if g in self._items}
        for kind, column in (("serial", Unit.serial), ("lot", Unit.lot_no)):
            values = {v for (_, k, v) in wanted if k == kind}
            for unit in self._fetch(Unit, column, values):
                uri = wanted.get((unit.item_id or "", kind, getattr(unit, "serial" if kind == "serial" else "lot_no")))
                if uri and unit.kind.value == kind:
                    self.units[uri] = unit

    def join(self, doc: dict[str, Any], hash_id: str) -> str | None:
        """Records the Lotline event and edges a transformation or a pack makes; returns the event's id (None
        for events that join nothing). Raises JoinRefused."""
        kind = doc["type"]
        if kind not in JOINING or (kind == "AggregationEvent" and doc.get("action") != "ADD"):
            return None
        site_id = self._site_of(doc)
        if kind == "TransformationEvent":
            parents = self._named(doc, "inputEPCList", "inputQuantityList", site_id)
            children = self._named(doc, "outputEPCList", "outputQuantityList", site_id)
            event_type, edge_kind = EventType.PRODUCE, EdgeKind.TRANSFORM
        else:
            parents = self._named(doc, "childEPCs", "childQuantityList", site_id)
            children = [(self._unit(str(doc["parentID"]), site_id), 1.0)] if doc.get("parentID") else []
            event_type, edge_kind = EventType.PACK, EdgeKind.AGGREGATE
        if not parents or not children:
            return None
        event = self._event(doc, hash_id, event_type, site_id)
        role_in, role_out = (LineRole.INPUT, LineRole.OUTPUT) if edge_kind is EdgeKind.TRANSFORM else \
            (LineRole.CONTENT, LineRole.SUBJECT)
        self.session.add_all([EventLine(event_id=event.id, unit_id=u.id, role=role_in, qty=q) for u, q in parents])
        self.session.add_all([EventLine(event_id=event.id, unit_id=u.id, role=role_out, qty=q) for u, q in children])
        self.session.flush()
        total_out = sum(q for _, q in children) or 1.0
        edges = []
        for parent, in_qty in parents:
            for child, out_qty in children:
                if parent.id == child.id or reaches(self.session, child.id, parent.id):
                    raise JoinRefused(f"{parent.code} → {child.code} would close a cycle in the genealogy.")
                edges.append(GenealogyEdge(parent_id=parent.id, child_id=child.id, kind=edge_kind, event_id=event.id,
                                           qty=round(in_qty * out_qty / total_out, 9)))
        self.session.add_all(edges)
        ReachWriter(self.session).link(edges)
        return event.id

    # -- helpers -------------------------------------------------------------------------------------------------
    def _fetch(self, model: Any, column: Any, values: set[str]) -> list[Any]:
        found: list[Any] = []
        wanted = sorted(values)
        for start in range(0, len(wanted), 900):
            found.extend(self.session.execute(select(model).where(column.in_(wanted[start:start + 900]))).scalars())
        return found

    def _named(self, doc: dict[str, Any], epc_key: str, qty_key: str, site_id: str) -> list[tuple[Unit, float]]:
        named = [(self._unit(str(uri), site_id), 1.0) for uri in doc.get(epc_key) or []]
        named += [(self._unit(str(q["epcClass"]), site_id), float(q.get("quantity", 1.0)))
                  for q in doc.get(qty_key) or []]
        return named

    def _unit(self, uri: str, site_id: str) -> Unit:
        """The unit an EPC names, made when Lotline does not know it yet."""
        if uri in self.units:
            return self.units[uri]
        ident = self.identities.get(uri, {})
        keys = gs1_keys(uri)
        mine = parse_lotline(uri)
        item = self._items.get(str(ident.get("gtin") or keys.get("01") or "")) or \
            self._items.get(str(ident.get("partNo") or ""))
        kind = UnitKind(ident["kind"]) if ident.get("kind") in {k.value for k in UnitKind} else \
            UnitKind.CONTAINER if "00" in keys else UnitKind.SERIAL if "21" in keys else \
            UnitKind.LOT if "10" in keys or uri.startswith("urn:epc:class:") else UnitKind.SERIAL
        code = str(ident.get("code") or (mine[1] if mine else "") or
                   "".join(f"({ai}){v}" for ai, v in keys.items()) or uri)[:96]
        unit = Unit(code=code, kind=kind, item_id=item.id if item else None, site_id=site_id,
                    lot_no=ident.get("lotNo") or keys.get("10"), serial=ident.get("serial") or keys.get("21"),
                    sscc=ident.get("sscc") or keys.get("00"), uom=str(ident.get("uom") or (item.uom if item else
                                                                                            "pcs")))
        self.session.add(unit)
        self.units[uri] = unit
        return unit

    def _event(self, doc: dict[str, Any], hash_id: str, event_type: EventType, site_id: str) -> Event:
        when = parse_time(str(doc["eventTime"]))
        event = Event(id=str(uuid4()), type=event_type, business_step=BUSINESS_STEP[event_type],
                      occurred_at=when, site_id=site_id, device_id="epcis-capture",
                      attributes={"epcis_hash": hash_id, "epcis_event_id": str(doc.get("eventID", ""))[:255]})
        self.session.add(event)
        note_event(self.session, event.id)
        chain.note(self.session, event)
        return event

    def _site_of(self, doc: dict[str, Any]) -> str:
        for place in (doc.get("bizLocation") or {}, doc.get("readPoint") or {}):
            uri = str(place.get("id", ""))
            if uri and uri not in self._sites:
                self._sites[uri] = self._find_site(uri) or ""
            if uri and self._sites[uri]:
                return self._sites[uri]
        if self.fallback_site_id is None:
            raise JoinRefused("The event names no place this Lotline knows, and it has no site to record it at.")
        return self.fallback_site_id

    def _find_site(self, uri: str) -> str | None:
        mine = parse_lotline(uri)
        if mine and mine[0] == "site":
            site = self.session.execute(select(Site).where(Site.code == mine[1])).scalars().first()
            return site.id if site else None
        if mine and mine[0] == "location":
            location = self.session.execute(select(Location).where(Location.code == mine[1])).scalars().first()
            return location.site_id if location else None
        gln = gs1_keys(uri).get("414")
        if not gln:
            return None
        site = self.session.execute(select(Site).where(Site.gln == gln)).scalars().first()
        if site is not None:
            return site.id
        location = self.session.execute(select(Location).where(Location.gln == gln)).scalars().first()
        return location.site_id if location else None

"""Lotline's own events as EPCIS 2.0 JSON-LD events (pure: works on rows already loaded).

receive, move, pick, ship, count, verify, disposition, return → ObjectEvent (OBSERVE; consume: DELETE);
pack / unpack → AggregationEvent (ADD / DELETE, parentID the container's SSCC); produce → TransformationEvent
(inputs → outputs). Serial units with a GTIN are SGTINs, containers SSCCs, lots with a GTIN LGTIN classes in a
quantity list; what has no GS1 key is named by a Lotline URN (urn:lotline:unit:<code>). Places are SGLNs where
they have a GLN. Each event carries `lotline:units`: the identity (kind, code, part no., lot, serial, SSCC, unit of
measure) of every unit it names, so another Lotline capturing it can make the same units.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from backend.epcis.event_hash import event_hash_id
from backend.epcis.identifiers import lgtin_uri, lotline_uri, sgln_uri, sgtin_uri, sscc_uri, vocabulary_uri
from backend.trace.models import EventLine
from shared_models.enums import EventType, LineRole, UnitKind
from shared_models.epc import EpcError
from shared_models.gs1 import GS1Error
from shared_models.masterdata import Customer, Item, Location, Site, Supplier
from shared_models.trace import Event, Unit

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
LOTLINE_NS = "https://lotline.dev/epcis/"
CONTEXT: list[Any] = [EPCIS_CONTEXT, {"lotline": LOTLINE_NS}]
# Lotline's units of measure → UN/ECE Recommendation 20 codes (what EPCIS quantities carry).
UOM_CODES = {"kg": "KGM", "g": "GRM", "t": "TNE", "pcs": "H87", "ea": "EA", "m": "MTR", "mm": "MMT", "l": "LTR",
             "ml": "MLT", "m2": "MTK", "m3": "MTQ"}
ACTIONS = {EventType.CONSUME: "DELETE", EventType.PACK: "ADD", EventType.UNPACK: "DELETE"}
DISPOSITIONS = {EventType.SHIP: "in_transit", EventType.RECEIVE: "in_progress", EventType.PRODUCE: "active",
                EventType.CONSUME: "dispensed"}


@dataclass(slots=True)
class Lookup:
    """The rows an export reads beside the events, by id."""

    units: Mapping[str, Unit]
    items: Mapping[str, Item]
    locations: Mapping[str, Location]
    sites: Mapping[str, Site]
    suppliers: Mapping[str, Supplier]
    customers: Mapping[str, Customer]
    prefix_length: int = 7   # the GS1 Company Prefix's length in the plant's GTINs, GLNs and SSCCs


def iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def unit_epc(unit: Unit, look: Lookup) -> tuple[str, bool]:
    """(URI, is an instance): an instance goes in an EPC list, a class (a lot) in a quantity list."""
    item = look.items.get(unit.item_id or "")
    try:
        if unit.kind is UnitKind.CONTAINER and unit.sscc:
            return sscc_uri(unit.sscc, look.prefix_length), True
        if unit.kind is UnitKind.SERIAL and item and item.gtin and unit.serial:
            return sgtin_uri(item.gtin, unit.serial, look.prefix_length), True
        if unit.kind is UnitKind.LOT and item and item.gtin and unit.lot_no:
            return lgtin_uri(item.gtin, unit.lot_no, look.prefix_length), False
    except (EpcError, GS1Error, ValueError):
        pass  # a key the prefix length does not fit: named by its Lotline URN instead
    return lotline_uri("unit", unit.code), unit.kind is not UnitKind.LOT


def place_uri(kind: str, code: str, gln: str | None, look: Lookup) -> str:
    if gln:
        try:
            return sgln_uri(gln, look.prefix_length)
        except (EpcError, GS1Error, ValueError):
            pass
    return lotline_uri(kind, code)


def party_uri(kind: str, code: str, gln: str | None) -> str:
    """A party: its GLN as a party GLN (Digital Link, AI 417), or its Lotline URN."""
    return f"https://id.gs1.org/417/{gln}" if gln else lotline_uri(kind, code)


def to_epcis(event: Event, lines: list[EventLine], look: Lookup) -> dict[str, Any]:
    """The EPCIS event for one Lotline event and its lines; its eventID is its CBV event hash id (CBV §8.9), the
    Lotline event's id goes in `lotline:event`."""
    doc: dict[str, Any] = {"type": "ObjectEvent", "eventTime": iso(event.occurred_at), "recordTime":
                           iso(event.recorded_at), "eventTimeZoneOffset": "+00:00"}
    sections: dict[str, tuple[list[str], list[dict[str, Any]]]] = {}
    units: dict[str, Unit] = {}
    for line in lines:
        unit = look.units[line.unit_id]
        units[unit.id] = unit
        uri, instance = unit_epc(unit, look)
        epcs, quantities = sections.setdefault(line.role.value, ([], []))
        if instance:
            epcs.append(uri)
        else:
            element: dict[str, Any] = {"epcClass": uri, "quantity": line.qty}
            if unit.uom in UOM_CODES:
                element["uom"] = UOM_CODES[unit.uom]
            quantities.append(element)
    none: tuple[list[str], list[dict[str, Any]]] = ([], [])
    if event.type is EventType.PRODUCE:
        doc["type"] = "TransformationEvent"
        _put(doc, "inputEPCList", "inputQuantityList", sections.get(LineRole.INPUT.value, none))
        _put(doc, "outputEPCList", "outputQuantityList", sections.get(LineRole.OUTPUT.value, none))
        doc["transformationID"] = f"urn:uuid:{event.id}"
    elif event.type in (EventType.PACK, EventType.UNPACK):
        doc["type"] = "AggregationEvent"
        parent = sections.get(LineRole.SUBJECT.value, none)[0] or [_container(event, look)]
        doc["parentID"] = parent[0]
        doc["action"] = ACTIONS[event.type]
        _put(doc, "childEPCs", "childQuantityList", sections.get(LineRole.CONTENT.value, none))
    else:
        doc["action"] = ACTIONS.get(event.type, "OBSERVE")
        epcs, quantities = sections.get(LineRole.SUBJECT.value, ([], []))
        content = sections.get(LineRole.CONTENT.value, none)
        inputs = sections.get(LineRole.INPUT.value, none)
        _put(doc, "epcList", "quantityList", (epcs + content[0] + inputs[0], quantities + content[1] + inputs[1]))
    doc["bizStep"] = vocabulary_uri(event.business_step or "other", "bizstep")
    disposition = event.disposition or DISPOSITIONS.get(event.type)
    if disposition:
        doc["disposition"] = vocabulary_uri(disposition, "disp")
    _places(doc, event, lines, look)
    _parties(doc, event, look)
    doc["lotline:units"] = [_identity(u, look) for u in sorted(units.values(), key=lambda u: u.code)]
    doc["lotline:event"] = {"id": f"urn:uuid:{event.id}", "type": event.type.value}
    return {"eventID": hash_of(doc), **doc}


def hash_of(doc: dict[str, Any]) -> str:
    return event_hash_id(doc, CONTEXT)


def _put(doc: dict[str, Any], epc_key: str, qty_key: str, section: tuple[list[str], list[dict[str, Any]]]) -> None:
    epcs, quantities = section
    if epcs or epc_key in ("epcList", "childEPCs", "inputEPCList", "outputEPCList"):
        doc[epc_key] = sorted(set(epcs))
    if quantities:
        doc[qty_key] = quantities


def _container(event: Event, look: Lookup) -> str:
    sscc = str(event.attributes.get("sscc", ""))
    try:
        return sscc_uri(sscc, look.prefix_length)
    except (EpcError, GS1Error, ValueError):
        return lotline_uri("unit", sscc or event.id)


def _places(doc: dict[str, Any], event: Event, lines: list[EventLine], look: Lookup) -> None:
    location_id = event.location_id or next((ln.to_location_id or ln.from_location_id for ln in lines
                                             if ln.to_location_id or ln.from_location_id), None)
    location = look.locations.get(location_id or "")
    if location is not None:
        doc["readPoint"] = {"id": place_uri("location", location.code, location.gln, look)}
    site = look.sites.get(event.site_id)
    if site is not None:
        doc["bizLocation"] = {"id": place_uri("site", site.code, site.gln, look)}


def _parties(doc: dict[str, Any], event: Event, look: Lookup) -> None:
    site = look.sites.get(event.site_id)
    here = party_uri("site", site.code, site.gln) if site else None
    supplier = look.suppliers.get(event.supplier_id or "")
    customer = look.customers.get(event.customer_id or "")
    sdt = "https://ref.gs1.org/cbv/SDT-owning_party"
    if supplier is not None:
        doc["sourceList"] = [{"type": sdt, "source": party_uri("supplier", supplier.code, supplier.gln)}]
        if here:
            doc["destinationList"] = [{"type": sdt, "destination": here}]
    if customer is not None:
        doc["destinationList"] = [{"type": sdt, "destination": party_uri("customer", customer.code, customer.gln)}]
        if here:
            doc["sourceList"] = [{"type": sdt, "source": here}]
    if event.reference:
        doc["bizTransactionList"] = [{"type": "https://ref.gs1.org/cbv/BTT-desadv" if event.type is EventType.SHIP
                                      else "https://ref.gs1.org/cbv/BTT-po",
                                      "bizTransaction": lotline_uri("reference", event.reference)}]


def _identity(unit: Unit, look: Lookup) -> dict[str, Any]:
    item = look.items.get(unit.item_id or "")
    found: dict[str, Any] = {"epc": unit_epc(unit, look)[0], "kind": unit.kind.value, "code": unit.code,
                             "uom": unit.uom}
    for key, value in (("partNo", item.part_no if item else None), ("gtin", item.gtin if item else None),
                       ("lotNo", unit.lot_no), ("serial", unit.serial), ("sscc", unit.sscc)):
        if value:
            found[key] = value
    if unit.lot_unit_id and unit.lot_unit_id in look.units:
        found["lot"] = look.units[unit.lot_unit_id].code
    return found

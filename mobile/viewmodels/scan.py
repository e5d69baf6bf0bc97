"""Scanning on the handheld: camera tap, continuous camera, keyboard wedge and typed codes, all to one ScanResult,
then resolved from the local replica first (the server only for what the replica lacks, when online)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from mobile.i18n import Msg
from mobile.platform.decoder import FrameDecoder, NativeDecoder
from mobile.scanner import KeyboardWedge, ScanError, ScanPipeline, ScanResult
from mobile.viewmodels.api import BackendApi, Offline, Refused
from mobile.viewmodels.replica import Replica, Resolved, ScanRefused, as_date

Value = str | Msg


class ScanInput:
    """The four ways a code arrives. Each returns a ScanResult, None when nothing was read (a frame without a
    code, a wedge key that does not end a scan, a repeat inside the debounce window), or raises ScanRefused.
    Pictures go through `decoder` (the platform's: zxing-cpp natively, its WebAssembly build in the browser);
    typed and wedge text through the pipeline's GS1 rules; both through one debouncer."""

    def __init__(self, pipeline: ScanPipeline | None = None, wedge: KeyboardWedge | None = None,
                 decoder: FrameDecoder | None = None) -> None:
        self.pipeline = pipeline or ScanPipeline()
        self.wedge = wedge or KeyboardWedge(gs_substitutes=("^]",))
        self.decoder = decoder or NativeDecoder(self.pipeline)

    async def from_frame(self, image: bytes, *, continuous: bool = False) -> ScanResult | None:
        """The first code in a camera picture, unless it repeats the last one reported within the debounce window
        (`continuous`: a frame of the live camera, read cheaply, and a code that stays in view is reported once)."""
        results = await self.decoder.decode(image, continuous=continuous)
        if not results:
            return None
        first = results[0]
        return first if self.pipeline.debouncer.accept(first.text, source="camera", extend=continuous) else None

    def from_text(self, text: str, *, source: str = "manual") -> ScanResult:
        try:
            return self.pipeline.scan_text(text, source=source)
        except ScanError as exc:
            raise ScanRefused(Msg.of("scan.empty")) from exc

    def from_key(self, key: str, *, ctrl: bool = False) -> ScanResult | None:
        text = self.wedge.press(key, ctrl=ctrl)
        return self.from_text(text, source="wedge") if text else None


async def lookup(replica: Replica, api: BackendApi | None, result: ScanResult) -> Resolved:
    """The replica's answer, else the server's (GET /api/resolve). Raises ScanRefused: malformed GS1 (naming the
    AI), ambiguous, or unknown (saying whether the server was asked)."""
    found = replica.resolve(result)
    if found is not None:
        return found
    shown = result.display_text
    if api is None:
        raise ScanRefused(Msg.of("scan.unknown_offline", code=shown))
    try:
        answer = await api.get("/api/resolve", {"code": result.text})
    except Offline as exc:
        raise ScanRefused(Msg.of("scan.unknown_offline", code=shown)) from exc
    except Refused as exc:
        if exc.status == 404:
            raise ScanRefused(Msg.of("scan.unknown", code=shown)) from exc
        if exc.code == "unreadable_code":
            raise ScanRefused(Msg.of("scan.unreadable", detail=exc.detail)) from exc
        raise ScanRefused(Msg.of("server.refused", detail=exc.detail)) from exc
    return _from_server(replica, answer, shown)


def _from_server(replica: Replica, answer: dict[str, Any], text: str) -> Resolved:
    kind = answer["kind"]
    if kind in ("lot", "serial", "container"):
        unit = {"id": answer["id"], "code": answer["label"], "kind": kind, "status": answer.get("status"),
                "lot_no": answer.get("lot_no"), "serial": answer.get("serial"),
                "expires_on": answer.get("expires_on")}
        part_no = answer["label"].split("/")[0] if "/" in answer["label"] else None
        item = replica.item_by_ref(part_no) if part_no else None
        return Resolved(kind, text, unit=unit, item=item, gs1=answer.get("gs1") or {}, source="server")
    if kind == "item":
        item = replica.item_by_ref(answer.get("part_no") or answer["label"]) or \
            {"id": answer["id"], "part_no": answer.get("part_no") or answer["label"], "name": ""}
        return Resolved("item", text, item=item, gs1=answer.get("gs1") or {}, source="server")
    location = replica.location(answer["label"]) or {"id": answer["id"], "code": answer["label"], "name": ""}
    return Resolved("location", text, location=location, gs1=answer.get("gs1") or {}, source="server")


@dataclass
class Summary:
    """A resolved code as lines to show: (label key, value). `warnings` are things the worker must see."""

    title: Msg
    lines: list[tuple[str, Value]] = field(default_factory=list)
    warnings: list[Msg] = field(default_factory=list)
    source: str = "replica"


def summarise(found: Resolved, replica: Replica, today: date) -> Summary:
    kind_msg = Msg.of(f"kind.{found.kind}")
    out = Summary(title=Msg.of("scan.title", kind=kind_msg, code=found.code), source=found.source)
    item, unit = found.item, found.unit
    if item is not None:
        out.lines.append(("field.item", f"{item.get('part_no', '')} {item.get('name', '')}".strip()))
    if unit is not None:
        if unit.get("lot_no"):
            out.lines.append(("field.lot", str(unit["lot_no"])))
        if unit.get("serial"):
            out.lines.append(("field.serial", str(unit["serial"])))
        if unit.get("sscc"):
            out.lines.append(("field.sscc", str(unit["sscc"])))
        if unit.get("status"):
            out.lines.append(("field.status", Msg.of(f"status.{unit['status']}")))
            if unit["status"] not in ("released",):
                out.warnings.append(Msg.of("scan.status_warning", status=Msg.of(f"status.{unit['status']}")))
        expires_on = as_date(unit.get("expires_on"))
        if expires_on is not None:
            out.lines.append(("field.expiry", expires_on.isoformat()))
            if expires_on < today:
                out.warnings.append(Msg.of("scan.expired", date=expires_on.isoformat()))
        supplier = replica.by_id("supplier", unit.get("supplier_id"))
        if supplier is not None:
            out.lines.append(("field.supplier", f"{supplier['code']} {supplier['name']}"))
        if unit.get("supplier_lot"):
            out.lines.append(("field.supplier_lot", str(unit["supplier_lot"])))
        for code, qty in found.stock:
            out.lines.append(("field.location", f"{code}: {qty:g} {unit.get('uom') or ''}".strip()))
        if found.source == "replica" and not found.stock and unit.get("kind") != "container":
            out.lines.append(("field.location", Msg.of("scan.no_stock_here")))
        container = replica.container_of(unit["id"]) if found.source == "replica" else None
        if container is not None:
            out.lines.append(("field.container", str(container["code"])))
        if unit.get("kind") == "container":
            out.lines.append(("field.contents", Msg.of("scan.contents", count=len(found.contents))))
    if found.location is not None:
        loc = found.location
        out.lines.append(("field.location", f"{loc['code']} {loc.get('name', '')}".strip()))
        if found.source == "replica":
            out.lines.append(("field.units_here", str(len(replica.stock_at(loc["id"])))))
    if found.source == "server":
        out.warnings.append(Msg.of("scan.from_server"))
    return out


@dataclass
class ScanState:
    continuous: bool = False
    last_text: str = ""
    summary: Summary | None = None
    error: Msg | None = None
    scans: int = 0


class ScanViewModel:
    """The scan screen: what a code is, from the replica first."""

    def __init__(self, replica: Replica, api: BackendApi | None, today: date) -> None:
        self.replica = replica
        self.api = api
        self.today = today
        self.state = ScanState()

    def toggle_continuous(self) -> None:
        self.state.continuous = not self.state.continuous

    async def show(self, result: ScanResult) -> None:
        self.state.scans += 1
        self.state.last_text = result.display_text
        try:
            found = await lookup(self.replica, self.api, result)
        except ScanRefused as exc:
            self.state.summary, self.state.error = None, exc.msg
            return
        self.state.summary, self.state.error = summarise(found, self.replica, self.today), None

    def refuse(self, msg: Msg) -> None:
        self.state.summary, self.state.error = None, msg

"""Origin lookup (逆向溯源) for field engineers: what the replica knows about a scanned unit at once, and the full
backward trace (materials, suppliers, lots) from the backend when online."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mobile.i18n import Msg
from mobile.scanner import ScanResult
from mobile.viewmodels.api import Offline, Refused
from mobile.viewmodels.context import Handheld
from mobile.viewmodels.flow import Flow
from mobile.viewmodels.replica import Resolved, ScanRefused
from mobile.viewmodels.scan import Summary, summarise


@dataclass(frozen=True, slots=True)
class TraceLine:
    depth: int
    code: str
    what: str               # part no. and name, or the unit kind
    supplier: str           # supplier code and its lot, for purchased material


@dataclass
class OriginState:
    code: str = ""
    summary: Summary | None = None
    trace: list[TraceLine] = field(default_factory=list)
    trace_source: str = ""  # "server" once the backend answered


class OriginViewModel(Flow):
    def __init__(self, hh: Handheld) -> None:
        super().__init__(hh)
        self.origin = OriginState()

    async def on_scan(self, result: ScanResult) -> None:
        self.clear()
        self.origin = OriginState(code=result.text.strip())
        try:
            found = self.hh.replica.resolve(result)
        except ScanRefused as exc:
            self.fail(exc.msg)
            return
        if found is not None:
            self.take(found)
            return
        await self.full_trace()  # not in the replica: the backend is the only place to ask

    def take(self, found: Resolved) -> None:
        self.origin.code = found.code
        self.origin.summary = summarise(found, self.hh.replica, self.hh.today())

    async def full_trace(self) -> bool:
        """GET /api/trace?direction=backward for the code on screen. Offline: says so, keeps the replica's view."""
        code = self.origin.code
        if not code:
            self.fail(Msg.of("origin.scan_first"))
            return False
        try:
            graph: dict[str, Any] = await self.hh.api.get("/api/trace", {"code": code, "direction": "backward"})
        except Offline:
            self.fail(Msg.of("origin.offline", code=code) if self.origin.summary is None
                      else Msg.of("origin.trace_offline"))
            return False
        except Refused as exc:
            self.fail(Msg.of("scan.unknown", code=code) if exc.status == 404
                      else Msg.of("server.refused", detail=exc.detail))
            return False
        self.origin.trace = [
            TraceLine(int(n.get("depth", 0)), n["code"],
                      f"{n.get('part_no') or ''} {n.get('item_name') or n.get('kind', '')}".strip(),
                      " ".join(x for x in (n.get("supplier"), n.get("supplier_lot")) if x))
            for n in sorted(graph.get("nodes", []), key=lambda n: (n.get("depth", 0), n["code"]))]
        self.origin.trace_source = "server"
        if self.origin.summary is None:
            root = graph.get("root") or {}
            self.origin.summary = Summary(title=Msg.of("scan.title", kind=Msg.of(f"kind.{root.get('kind', 'lot')}"),
                                                       code=root.get("code", code)), source="server")
        return True

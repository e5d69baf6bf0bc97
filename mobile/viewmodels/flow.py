"""What every shop-floor flow shares: scans come in, a refusal or a success message goes out."""

from __future__ import annotations

from dataclasses import dataclass, field

from mobile.i18n import Msg
from mobile.scanner import ScanResult
from mobile.viewmodels.context import CommandInvalid, Handheld
from mobile.viewmodels.replica import Resolved, ScanRefused
from mobile.viewmodels.scan import lookup


@dataclass
class FlowState:
    error: Msg | None = None             # the last thing refused, in the worker's words
    refusals: list[Msg] = field(default_factory=list)   # every reason a gate refused the action
    warnings: list[Msg] = field(default_factory=list)
    done: Msg | None = None              # the last thing recorded


class Flow:
    """Subclasses implement `take(found)` for a resolved scan and keep their form in `self.form`."""

    def __init__(self, hh: Handheld) -> None:
        self.hh = hh
        self.state = FlowState()

    # -- scans -------------------------------------------------------------------------------------------------
    async def on_scan(self, result: ScanResult) -> None:
        self.clear()
        try:
            found = await self.resolve(result)
        except ScanRefused as exc:
            self.fail(exc.msg)
            return
        self.take(found)

    async def resolve(self, result: ScanResult) -> Resolved:
        return await lookup(self.hh.replica, self.hh.api, result)

    def take(self, found: Resolved) -> None:
        raise NotImplementedError

    # -- outcomes ----------------------------------------------------------------------------------------------
    def clear(self) -> None:
        self.state.error = None
        self.state.refusals = []
        self.state.warnings = []
        self.state.done = None

    def fail(self, msg: Msg) -> None:
        self.state.error = msg

    def refuse(self, reasons: list[Msg]) -> None:
        self.state.error = Msg.of("gate.refused")
        self.state.refusals = reasons

    def invalid(self, exc: CommandInvalid) -> None:
        self.state.error = exc.msg


def number(text: str | float | None) -> float | None:
    """A quantity typed by a worker: '12', '12.5', '12,5' → float; blank → None. Raises ValueError otherwise."""
    if text is None:
        return None
    if isinstance(text, int | float):
        return float(text)
    cleaned = text.strip().replace(",", ".")
    return float(cleaned) if cleaned else None

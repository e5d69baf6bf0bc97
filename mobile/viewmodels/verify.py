"""Code verification (防伪 / 防窜货) for distributors: is this code one Lotline made, and was it shipped to us?

Asks the backend (POST /api/verify, with the distributor's region) when it can be reached; otherwise decides from
what the distributor's replica holds (the units shipped to them), or says it could not check."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mobile.i18n import Msg
from mobile.scanner import ScanResult
from mobile.viewmodels.api import Offline, Refused
from mobile.viewmodels.context import Handheld
from mobile.viewmodels.flow import Flow
from mobile.viewmodels.replica import Resolved, ScanRefused, malformed

GENUINE, DIVERTED, CLONE, UNKNOWN, UNCHECKED = "genuine", "diverted", "clone", "unknown", "unchecked"
STOP = "stop"    # a genuine code on a product that must not be used or sold (recalled, expired, …)
STOP_FLAGS = ("recalled", "blocked", "on_hold", "scrapped", "expired")
WARN_FLAGS = ("not_shipped_to_you", "diversion", "suspected_clone")
INFO_FLAGS = ("not_shipped", "other_site")
KNOWN_FLAGS = frozenset((*STOP_FLAGS, *WARN_FLAGS, *INFO_FLAGS))   # each has a string verify.flag.<code>


@dataclass(frozen=True)
class FlagLine:
    code: str
    severity: str    # stop (do not use or sell) | warn (report it) | info
    text: Msg


@dataclass
class Verdict:
    outcome: str     # genuine | stop | diverted | clone | unknown | unchecked
    code: str
    detail: Msg
    flags: list[FlagLine] = field(default_factory=list)

    @property
    def serious(self) -> bool:
        """A flag says not to use or sell the product: the screen shows it in the warning colour."""
        return any(f.severity == "stop" for f in self.flags)


def flag_line(raw: Any) -> FlagLine:
    """A flag as the backend sends it ({code, severity, message}), or as a bare code from an older backend.
    A code this handheld has no string for shows the backend's sentence."""
    entry = raw if isinstance(raw, dict) else {"code": str(raw)}
    code = str(entry.get("code") or "")
    default = "stop" if code in STOP_FLAGS else "info" if code in INFO_FLAGS else "warn"
    severity = str(entry.get("severity") or default)
    severity = severity if severity in ("stop", "warn", "info") else "warn"
    text = (Msg.of(f"verify.flag.{code}") if code in KNOWN_FLAGS
            else Msg.of("verify.flag.other", detail=str(entry.get("message") or code)))
    return FlagLine(code, severity, text)


class VerifyViewModel(Flow):
    def __init__(self, hh: Handheld) -> None:
        super().__init__(hh)
        self.verdict: Verdict | None = None
        customer = hh.replica.by_id("customer", hh.user.customer_id) or {}
        self.regions: list[str] = list(customer.get("regions") or [])
        self.region = self.regions[0] if self.regions else ""

    def set_region(self, region: str) -> None:
        self.region = region.strip()

    async def on_scan(self, result: ScanResult) -> None:
        self.clear()
        self.verdict = None
        if result.gs1_error is not None:
            self.fail(malformed(result))
            return
        code = result.display_text
        answer = await self._ask_server(result.text, code)
        if answer is not None:
            self.verdict = answer
            return
        try:
            found = self.hh.replica.resolve(result)
        except ScanRefused as exc:
            self.fail(exc.msg)
            return
        if found is not None and found.unit is not None:
            self.take(found)
            return
        self.verdict = await self._by_resolver(result.text, code)

    def take(self, found: Resolved) -> None:
        """Offline: a unit in the replica was shipped to this distributor; its row still says whether it is
        recalled, held or past its expiry date."""
        unit = found.unit or {}
        lines = [flag_line(unit.get("status"))] if unit.get("status") in STOP_FLAGS else []
        expires_on = str(unit.get("expires_on") or "")
        if expires_on and expires_on < self.hh.now().date().isoformat():
            lines.append(flag_line("expired"))
        if lines:
            self.verdict = Verdict(STOP, found.code, Msg.of("verify.stop", code=found.code), lines)
            return
        self.verdict = Verdict(GENUINE, found.code, Msg.of("verify.genuine_shipped", code=found.code))

    async def _ask_server(self, text: str, code: str) -> Verdict | None:
        """POST /api/verify (the backend records the check and judges clones and diversion); None when the
        backend has no such endpoint or cannot be reached."""
        body = {"id": str(self.hh.new_id()), "code": text, "region": self.region or "unknown",
                "device_id": self.hh.device_id, "occurred_at": self.hh.now().isoformat()}
        try:
            answer = await self.hh.api.post("/api/verify", body)
        except Offline:
            return None
        except Refused as exc:
            if exc.status in (404, 405):
                return None
            return Verdict(UNCHECKED, code, Msg.of("server.refused", detail=exc.detail))
        if not isinstance(answer, dict) or answer.get("result") not in (GENUINE, UNKNOWN):
            return None
        lines = [flag_line(f) for f in answer.get("flags") or []]
        codes = {f.code for f in lines}
        # The backend's sentences are English; with flags of its own the handheld speaks its user's language.
        detail = "" if "headline" in answer else str(answer.get("message") or "")
        if answer["result"] == UNKNOWN:
            return Verdict(UNKNOWN, code, Msg.of("verify.unknown", code=code, detail=detail))
        if any(f.severity == "stop" for f in lines):
            return Verdict(STOP, code, Msg.of("verify.stop", code=code), lines)
        if "not_shipped_to_you" in codes:
            return Verdict(DIVERTED, code, Msg.of("verify.diverted", code=code, detail=detail), lines)
        if "diversion" in codes:
            return Verdict(DIVERTED, code, Msg.of("verify.outside_territory", code=code, detail=detail), lines)
        if "suspected_clone" in codes:
            return Verdict(CLONE, code, Msg.of("verify.clone", code=code, detail=detail), lines)
        return Verdict(GENUINE, code, Msg.of("verify.genuine", code=code, detail=detail), lines)

    async def _by_resolver(self, text: str, code: str) -> Verdict:
        try:
            await self.hh.api.get("/api/resolve", {"code": text})
        except Offline:
            return Verdict(UNCHECKED, code, Msg.of("verify.offline", code=code))
        except Refused as exc:
            if exc.status == 404:
                return Verdict(UNKNOWN, code, Msg.of("verify.unknown", code=code, detail=""))
            return Verdict(UNCHECKED, code, Msg.of("server.refused", detail=exc.detail))
        # Lotline knows the code, but it is not among the units shipped to this distributor.
        return Verdict(DIVERTED, code, Msg.of("verify.diverted", code=code, detail=""))

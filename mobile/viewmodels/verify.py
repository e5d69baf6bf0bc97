"""Code verification (防伪 / 防窜货) for distributors: is this code one Lotline made, and was it shipped to us?

Asks the backend (POST /api/verify, with the distributor's region) when it can be reached; otherwise decides from
what the distributor's replica holds (the units shipped to them), or says it could not check."""

from __future__ import annotations

from dataclasses import dataclass

from mobile.i18n import Msg
from mobile.scanner import ScanResult
from mobile.viewmodels.api import Offline, Refused
from mobile.viewmodels.context import Handheld
from mobile.viewmodels.flow import Flow
from mobile.viewmodels.replica import Resolved, ScanRefused, malformed

GENUINE, DIVERTED, CLONE, UNKNOWN, UNCHECKED = "genuine", "diverted", "clone", "unknown", "unchecked"


@dataclass
class Verdict:
    outcome: str     # genuine | diverted | clone | unknown | unchecked
    code: str
    detail: Msg


class VerifyViewModel(Flow):
    def __init__(self, hh: Handheld) -> None:
        super().__init__(hh)
        self.verdict: Verdict | None = None
        customer = hh.replica.by_id("customer", hh.user.customer_id) or {}
        self.regions: list[str] = list(customer.get("regions") or [])
        self.region = self.regions[0] if self.regions else ""

    def set_region(self, region: str) -> None:
        self.region = region.strip()

    def on_scan(self, result: ScanResult) -> None:
        self.clear()
        self.verdict = None
        if result.gs1_error is not None:
            self.fail(malformed(result))
            return
        code = result.display_text
        answer = self._ask_server(result.text, code)
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
        self.verdict = self._by_resolver(result.text, code)

    def take(self, found: Resolved) -> None:
        self.verdict = Verdict(GENUINE, found.code, Msg.of("verify.genuine_shipped", code=found.code))

    def _ask_server(self, text: str, code: str) -> Verdict | None:
        """POST /api/verify (the backend records the check and judges clones and diversion); None when the
        backend has no such endpoint or cannot be reached."""
        body = {"id": str(self.hh.new_id()), "code": text, "region": self.region or "unknown",
                "device_id": self.hh.device_id, "occurred_at": self.hh.now().isoformat()}
        try:
            answer = self.hh.api.post("/api/verify", body)
        except Offline:
            return None
        except Refused as exc:
            if exc.status in (404, 405):
                return None
            return Verdict(UNCHECKED, code, Msg.of("server.refused", detail=exc.detail))
        if not isinstance(answer, dict) or answer.get("result") not in (GENUINE, UNKNOWN):
            return None
        flags = list(answer.get("flags") or [])
        detail = str(answer.get("message") or "")
        if answer["result"] == UNKNOWN:
            return Verdict(UNKNOWN, code, Msg.of("verify.unknown", code=code, detail=detail))
        if "diversion" in flags:
            return Verdict(DIVERTED, code, Msg.of("verify.diverted", code=code, detail=detail))
        if "suspected_clone" in flags:
            return Verdict(CLONE, code, Msg.of("verify.clone", code=code, detail=detail))
        return Verdict(GENUINE, code, Msg.of("verify.genuine", code=code, detail=detail))

    def _by_resolver(self, text: str, code: str) -> Verdict:
        try:
            self.hh.api.get("/api/resolve", {"code": text})
        except Offline:
            return Verdict(UNCHECKED, code, Msg.of("verify.offline", code=code))
        except Refused as exc:
            if exc.status == 404:
                return Verdict(UNKNOWN, code, Msg.of("verify.unknown", code=code, detail=""))
            return Verdict(UNCHECKED, code, Msg.of("server.refused", detail=exc.detail))
        # Lotline knows the code, but it is not among the units shipped to this distributor.
        return Verdict(DIVERTED, code, Msg.of("verify.diverted", code=code, detail=""))

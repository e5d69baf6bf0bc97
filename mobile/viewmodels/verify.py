"""Code verification (防伪 / 防窜货) for distributors: is this code one Lotline made, and was it shipped to us?

A signed code's (8030) signature is checked first, on the handheld, against the public keys it holds
(mobile/viewmodels/keys.py): forged or revoked is counterfeit with or without a network. Then it asks the backend
(POST /api/verify, with the distributor's region), which adds diversion and clone checks, when it can be reached;
otherwise it decides from what the distributor's replica holds (the units shipped to them), or says it could not
check."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mobile.i18n import Msg
from mobile.scanner import ScanResult
from mobile.viewmodels.api import Offline, Refused
from mobile.viewmodels.context import Handheld
from mobile.viewmodels.flow import Flow
from mobile.viewmodels.replica import Resolved, ScanRefused, malformed
from shared_models.gs1 import GS1Error

GENUINE, DIVERTED, CLONE, UNKNOWN, UNCHECKED = "genuine", "diverted", "clone", "unknown", "unchecked"
STOP = "stop"    # a genuine code on a product that must not be used or sold (recalled, expired, …)
COUNTERFEIT = "counterfeit"   # the code's (8030) signature does not hold (forged, or by a revoked key)
SIGNATURE_STOP_FLAGS = ("forged_signature", "revoked_key")
SIGNATURE_FLAG = {"forged": "forged_signature", "revoked": "revoked_key"}   # shared_models.coding.Verdict values
STOP_FLAGS = ("recalled", "blocked", "on_hold", "scrapped", "expired", *SIGNATURE_STOP_FLAGS)
WARN_FLAGS = ("not_shipped_to_you", "diversion", "suspected_clone", "unknown_key")
INFO_FLAGS = ("not_shipped", "other_site")
KNOWN_FLAGS = frozenset((*STOP_FLAGS, *WARN_FLAGS, *INFO_FLAGS))   # each has a string verify.flag.<code>


@dataclass(frozen=True)
class FlagLine:
    code: str
    severity: str    # stop (do not use or sell) | warn (report it) | info
    text: Msg


@dataclass
class Verdict:
    outcome: str     # genuine | counterfeit | stop | diverted | clone | unknown | unchecked
    code: str
    detail: Msg
    flags: list[FlagLine] = field(default_factory=list)
    reasons: list[Msg] = field(default_factory=list)   # why: the shipment, the earlier checks, the trips

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


def _km(value: Any) -> str:
    return f"{float(value):,.0f}"


def reasons_of(answer: dict[str, Any]) -> list[Msg]:
    """Why the backend flagged the product, as far as it told this user: which shipment and territory a
    diversion breaks, which clone tests tripped and which earlier checks (where, when, how far, how fast)."""
    codes = {str((f if isinstance(f, dict) else {"code": f}).get("code")) for f in answer.get("flags") or []}
    out: list[Msg] = []
    shipped = answer.get("shipped_to") or {}
    if "diversion" in codes and shipped:
        out.append(Msg.of("verify.why.shipment", customer=str(shipped.get("name") or shipped.get("customer")),
                          reference=str(shipped.get("reference") or ""), region=str(answer.get("region") or ""),
                          allowed=", ".join([*shipped.get("regions", []), *shipped.get("channels", [])]) or "—"))
    if "suspected_clone" in codes:
        for reason in answer.get("clone_reasons") or []:
            if reason == "too_many_checks":
                out.append(Msg.of("verify.why.too_many_checks", checks=str(answer.get("scans_in_window"))))
            elif reason == "too_many_regions":
                out.append(Msg.of("verify.why.too_many_regions",
                                  regions=", ".join(answer.get("regions_in_window") or [])))
        for earlier in answer.get("earlier_checks") or []:
            if earlier.get("implausible"):
                out.append(Msg.of("verify.why.travel", region=str(earlier.get("region")),
                                  at=str(earlier.get("occurred_at"))[:16].replace("T", " "),
                                  km=_km(earlier.get("distance_km")), kmh=_km(earlier.get("speed_kmh"))))
    return out


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
        signature = self._signature(result.text)  # decided here, with the keys this handheld holds
        if signature in SIGNATURE_FLAG:
            self.verdict = Verdict(COUNTERFEIT, code, Msg.of("verify.counterfeit", code=code),
                                   [flag_line(SIGNATURE_FLAG[signature])])
        answer = await self._ask_server(result.text, code)
        if answer is not None:  # the backend judged the signature too, with the newest keys, and clones, diversion
            self.verdict = answer
            return
        if self.verdict is not None:  # counterfeit, offline
            return
        try:
            found = self.hh.replica.resolve(result)
        except ScanRefused as exc:
            self.fail(exc.msg)
            return
        if found is not None and found.unit is not None:
            self.take(found)
        else:
            self.verdict = await self._by_resolver(result.text, code)
        if signature == "unknown_key" and self.verdict is not None:
            self.verdict.flags.append(flag_line("unknown_key"))

    def _signature(self, text: str) -> str | None:
        """The verdict on the code's (8030) signature against the held keys (genuine, forged, unknown_key,
        revoked); None for a code that carries none, or where this handheld cannot check one."""
        try:
            from shared_models.coding import verify_code
        except ImportError:  # the PWA: Pyodide has no `cryptography` wheel; the backend judges it when online
            return None
        try:
            check = verify_code(text, self.hh.keys.held())
        except GS1Error:
            return None
        return None if check.verdict.value == "unsigned" else check.verdict.value

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
        body = {"id": str(self.hh.new_id()), "code": text, "device_id": self.hh.device_id,
                "occurred_at": self.hh.now().isoformat()}
        if self.region or not self.hh.user.customer_id:
            body["region"] = self.region or "unknown"
        # else: no region picked; the backend goes by the regions of this distributor's own account
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
        why = reasons_of(answer)
        # The backend's sentences are English; with flags of its own the handheld speaks its user's language.
        detail = "" if "headline" in answer else str(answer.get("message") or "")
        if answer["result"] == UNKNOWN:
            return Verdict(UNKNOWN, code, Msg.of("verify.unknown", code=code, detail=detail))
        if codes & set(SIGNATURE_STOP_FLAGS):
            return Verdict(COUNTERFEIT, code, Msg.of("verify.counterfeit", code=code), lines, why)
        if any(f.severity == "stop" for f in lines):
            return Verdict(STOP, code, Msg.of("verify.stop", code=code), lines, why)
        if "not_shipped_to_you" in codes:
            return Verdict(DIVERTED, code, Msg.of("verify.diverted", code=code, detail=detail), lines, why)
        if "diversion" in codes:
            return Verdict(DIVERTED, code, Msg.of("verify.outside_territory", code=code, detail=detail), lines, why)
        if "suspected_clone" in codes:
            return Verdict(CLONE, code, Msg.of("verify.clone", code=code, detail=detail), lines, why)
        return Verdict(GENUINE, code, Msg.of("verify.genuine", code=code, detail=detail), lines, why)

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

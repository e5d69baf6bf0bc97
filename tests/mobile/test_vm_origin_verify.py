"""Origin lookup for engineers and code verification for distributors."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import flet as ft
import httpx

from mobile.i18n import Msg, Translator
from mobile.scanner import ScanPipeline
from mobile.viewmodels.origin import OriginViewModel
from mobile.viewmodels.verify import (
    CLONE,
    DIVERTED,
    GENUINE,
    STOP,
    UNCHECKED,
    UNKNOWN,
    FlagLine,
    Verdict,
    VerifyViewModel,
    flag_line,
)
from mobile.views import verify as verify_view
from mobile.views.common import ERROR, WARN, Kit
from shared_models.enums import Role
from tests.aio import Run, run_fixture  # noqa: F401
from tests.mobile.handheld_fixtures import make_handheld, server_api

SCAN = ScanPipeline()
GRAPH = {"root": {"id": "u1", "code": "FG-MTR-01/SN9", "kind": "serial", "status": "shipped", "depth": 0},
         "nodes": [{"id": "u1", "code": "FG-MTR-01/SN9", "kind": "serial", "status": "shipped", "depth": 0,
                    "part_no": "FG-MTR-01", "item_name": "Smart meter"},
                   {"id": "u2", "code": "RM-PC-01/PC2610-A", "kind": "lot", "status": "released", "depth": 2,
                    "part_no": "RM-PC-01", "item_name": "PC resin", "supplier": "SUP-NBP",
                    "supplier_lot": "NB-88121"}],
         "edges": [], "direction": "backward", "max_depth": 12, "total_nodes": 2}


def test_origin_comes_from_the_replica_when_present(run: Run[Any], tmp_path: Path) -> None:
    hh, _ = make_handheld(tmp_path, role=Role.ENGINEER)
    vm = OriginViewModel(hh)
    run(vm.on_scan(SCAN.scan_text("RM-PC-01/PC-A", source="manual")))
    assert vm.origin.summary is not None and vm.origin.summary.source == "replica"
    assert ("field.supplier", "SUP-NBP Ningbo Polymer") in vm.origin.summary.lines
    assert not run(vm.full_trace())  # offline: the replica's view stays
    assert vm.state.error == Msg.of("origin.trace_offline")


def test_origin_not_in_the_replica_asks_the_backend_for_the_backward_trace(run: Run[Any], tmp_path: Path) -> None:
    asked: list[dict[str, str]] = []

    def trace(request: httpx.Request) -> httpx.Response:
        asked.append(dict(request.url.params))
        return httpx.Response(200, json=GRAPH)

    hh, _ = make_handheld(tmp_path, role=Role.ENGINEER, api=server_api({("GET", "/api/trace"): trace}))
    vm = OriginViewModel(hh)
    run(vm.on_scan(SCAN.scan_text("FG-MTR-01/SN9", source="manual")))
    assert asked == [{"code": "FG-MTR-01/SN9", "direction": "backward"}]
    assert [(t.depth, t.code, t.supplier) for t in vm.origin.trace] == [
        (0, "FG-MTR-01/SN9", ""), (2, "RM-PC-01/PC2610-A", "SUP-NBP NB-88121")]


def test_origin_of_an_unknown_code_offline_says_the_network_is_needed(run: Run[Any], tmp_path: Path) -> None:
    hh, _ = make_handheld(tmp_path, role=Role.ENGINEER)
    vm = OriginViewModel(hh)
    run(vm.on_scan(SCAN.scan_text("FG-MTR-01/SN9", source="manual")))
    assert vm.state.error == Msg.of("origin.offline", code="FG-MTR-01/SN9")


def distributor(tmp_path: Path, api: object = None) -> VerifyViewModel:
    hh, _ = make_handheld(tmp_path, role=Role.DISTRIBUTOR, api=api)  # type: ignore[arg-type]
    return VerifyViewModel(hh)


def test_a_code_shipped_to_the_distributor_is_genuine(run: Run[Any], tmp_path: Path) -> None:
    vm = distributor(tmp_path)
    run(vm.on_scan(SCAN.scan_text("FG-MTR-01/SN1", source="manual")))
    assert vm.verdict is not None and vm.verdict.outcome == GENUINE


def test_verify_asks_the_backend_with_the_distributors_region(run: Run[Any], tmp_path: Path) -> None:
    asked: list[dict[str, object]] = []

    def verify(request: httpx.Request) -> httpx.Response:
        asked.append(json.loads(request.content))
        flags = {"FG-MTR-01/SN1": [], "FG-MTR-01/SN2": ["diversion"], "FG-MTR-01/SN3": ["suspected_clone"]}
        code = asked[-1]["code"]
        if code not in flags:
            return httpx.Response(200, json={"result": "unknown", "code": code, "flags": [], "message": "unknown"})
        return httpx.Response(200, json={"result": "genuine", "code": code, "flags": flags[code],
                                         "message": "shipped to CUS-SGJS"})

    vm = distributor(tmp_path, server_api({("POST", "/api/verify"): verify}))
    assert (vm.regions, vm.region) == (["Jiangsu", "Anhui"], "Jiangsu")
    vm.set_region("Anhui")
    outcomes = []
    for code in ("FG-MTR-01/SN1", "FG-MTR-01/SN2", "FG-MTR-01/SN3", "FAKE-1"):
        run(vm.on_scan(SCAN.scan_text(code, source="manual")))
        assert vm.verdict is not None
        outcomes.append(vm.verdict.outcome)
    assert outcomes == [GENUINE, DIVERTED, CLONE, UNKNOWN]
    assert {a["region"] for a in asked} == {"Anhui"} and all(a["device_id"] == "test-device" for a in asked)


def test_verify_falls_back_to_the_resolver_without_a_verify_endpoint(run: Run[Any], tmp_path: Path) -> None:
    found = server_api({("GET", "/api/resolve"): lambda r: httpx.Response(200, json={"kind": "serial",
                                                                                     "label": "x", "id": "1"})})
    vm = distributor(tmp_path / "a", found)
    run(vm.on_scan(SCAN.scan_text("FG-MTR-01/SN77", source="manual")))
    assert vm.verdict is not None and vm.verdict.outcome == DIVERTED
    vm = distributor(tmp_path / "b", server_api({}))
    run(vm.on_scan(SCAN.scan_text("FAKE-0001", source="manual")))
    assert vm.verdict is not None and vm.verdict.outcome == UNKNOWN
    vm = distributor(tmp_path / "c")
    run(vm.on_scan(SCAN.scan_text("FAKE-0001", source="manual")))
    assert vm.verdict is not None and vm.verdict.outcome == UNCHECKED
    run(vm.on_scan(SCAN.scan_text("(01)06901234000017(21)X", source="manual")))  # bad check digit
    assert vm.state.error is not None and vm.state.error.params["ai"] == "01"


# -- flags: what must not be used or sold, and what to report ----------------------------------------------------
def flag(code: str, severity: str) -> dict[str, str]:
    return {"code": code, "severity": severity, "message": f"{code} (the backend's sentence)"}


ANSWERS: dict[str, dict[str, object]] = {
    "FG-MTR-01/SN1": {"flags": [flag("recalled", "stop")], "headline": "Genuine code, but do not use or sell."},
    "FG-MTR-01/SN2": {"flags": [flag("not_shipped_to_you", "warn"), flag("not_shipped", "warn")],
                      "headline": "Genuine product, but not shipped to you: possible diversion."},
    "FG-MTR-01/SN3": {"flags": [flag("expired", "stop"), flag("diversion", "warn")], "headline": "…"},
    "FG-MTR-01/SN4": {"flags": [flag("tampered_seal", "warn")], "headline": "Genuine code, with warnings."},
    "FG-MTR-01/SN5": {"flags": [flag("other_site", "info")], "headline": "Genuine product."},
}


def flagged_backend() -> object:
    def verify(request: httpx.Request) -> httpx.Response:
        code = json.loads(request.content)["code"]
        return httpx.Response(200, json={"result": "genuine", "code": code, "message": "English text",
                                         **ANSWERS[code]})

    return server_api({("POST", "/api/verify"): verify})


def verdict_of(vm: VerifyViewModel, code: str) -> Verdict:
    asyncio.run(vm.on_scan(SCAN.scan_text(code, source="manual")))
    assert vm.verdict is not None
    return vm.verdict


def test_a_recalled_unit_is_do_not_use_with_its_flag_in_the_users_language(tmp_path: Path) -> None:
    v = verdict_of(distributor(tmp_path, flagged_backend()), "FG-MTR-01/SN1")
    assert (v.outcome, v.serious, v.detail) == (STOP, True, Msg.of("verify.stop", code="FG-MTR-01/SN1"))
    assert v.flags == [FlagLine("recalled", "stop", Msg.of("verify.flag.recalled"))]
    assert Translator("zh-CN")(v.flags[0].text).startswith("已召回") and "English" not in Translator("zh-CN")(v.detail)
    assert Translator("en")(Msg.of(f"verify.outcome.{v.outcome}")) == "Do not use or sell"


def test_goods_not_shipped_to_the_distributor_are_possible_diversion_with_each_flag(tmp_path: Path) -> None:
    v = verdict_of(distributor(tmp_path, flagged_backend()), "FG-MTR-01/SN2")
    assert (v.outcome, v.serious) == (DIVERTED, False)
    assert [(f.code, f.severity, f.text.key) for f in v.flags] == [
        ("not_shipped_to_you", "warn", "verify.flag.not_shipped_to_you"),
        ("not_shipped", "warn", "verify.flag.not_shipped")]


def test_a_stop_flag_outranks_diversion(tmp_path: Path) -> None:
    v = verdict_of(distributor(tmp_path, flagged_backend()), "FG-MTR-01/SN3")
    assert (v.outcome, [f.code for f in v.flags]) == (STOP, ["expired", "diversion"])


def test_a_flag_this_handheld_does_not_know_shows_the_backends_sentence(tmp_path: Path) -> None:
    v = verdict_of(distributor(tmp_path, flagged_backend()), "FG-MTR-01/SN4")
    assert v.flags == [FlagLine("tampered_seal", "warn",
                                Msg.of("verify.flag.other", detail="tampered_seal (the backend's sentence)"))]
    assert v.outcome == GENUINE and Translator("en")(v.flags[0].text) == "tampered_seal (the backend's sentence)"


def test_bare_flag_codes_from_an_older_backend_still_show_as_flags() -> None:
    assert flag_line("recalled") == FlagLine("recalled", "stop", Msg.of("verify.flag.recalled"))
    assert flag_line("diversion").severity == "warn" and flag_line("other_site").severity == "info"


def test_offline_a_recalled_or_expired_unit_in_the_replica_is_do_not_use(tmp_path: Path) -> None:
    vm = distributor(tmp_path)
    assert [(f.code, f.severity) for f in verdict_of(vm, "RM-PC-01/PC-RCL").flags] == [("recalled", "stop")]
    expired = verdict_of(vm, "RM-PC-01/PC-EXP")
    assert (expired.outcome, [f.code for f in expired.flags]) == (STOP, ["expired"])
    assert verdict_of(vm, "RM-PC-01/PC-A").outcome == GENUINE


class _Actions:
    """The app shell's side of the views: nothing to run here, the test only reads what was built."""

    def act(self, fn: Callable[..., Any], *args: Any, render: bool = True) -> Callable[[Any], Any]:
        return lambda _event: None

    def change(self, fn: Callable[[str], Any]) -> Callable[[Any], Any]:
        return lambda _event: None

    def focus(self, focused: bool) -> None:
        return None


def built(control: Any, identifier: str) -> Any:
    """The control wrapped in Semantics(identifier=…) somewhere under `control`."""
    if isinstance(control, ft.Semantics) and control.identifier == identifier:
        return control.content
    children = [getattr(control, "content", None), *(getattr(control, "controls", None) or [])]
    for child in children:
        if child is not None and (found := built(child, identifier)) is not None:
            return found
    return None


def test_the_verify_screen_shows_each_flag_in_its_colour(tmp_path: Path) -> None:
    vm = distributor(tmp_path, flagged_backend())
    verdict_of(vm, "FG-MTR-01/SN3")
    screen = verify_view.build(Kit(Translator("en"), _Actions()), vm)
    expired, diversion = built(screen, "verify-flag-expired"), built(screen, "verify-flag-diversion")
    assert (expired.controls[1].value, expired.controls[1].color) == ("Past its expiry date: do not use or sell it",
                                                                      ERROR)
    assert diversion.controls[1].color == WARN
    verdict = built(screen, "verify-verdict")
    assert verdict.bgcolor == ft.Colors.RED_50 and verdict.content.controls[0].color == ERROR


# -- why: the server's reasons, and signatures that do not hold --------------------------------------------------
WHY: dict[str, dict[str, object]] = {
    "FG-MTR-01/SN6": {"flags": [flag("forged_signature", "stop")], "signature": "forged"},
    "FG-MTR-01/SN7": {"flags": [flag("diversion", "warn"), flag("suspected_clone", "warn")], "region": "Guangdong",
                      "shipped_to": {"customer": "CUS-SGJS", "name": "State Grid Jiangsu", "reference": "DN-1",
                                     "regions": ["Jiangsu"], "channels": ["utility"]},
                      "scans_in_window": 3, "regions_in_window": ["Jiangsu", "Xinjiang", "Guangdong"],
                      "clone_reasons": ["too_many_regions", "implausible_travel"],
                      "earlier_checks": [
                          {"occurred_at": "2026-11-02T12:00:00+00:00", "region": "Jiangsu", "implausible": False},
                          {"occurred_at": "2026-11-02T13:30:00+00:00", "region": "Xinjiang", "distance_km": 3007.2,
                           "speed_kmh": 2004.8, "implausible": True}]},
}


def why_backend(asked: list[dict[str, object]]) -> object:
    def verify(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        asked.append(body)
        return httpx.Response(200, json={"result": "genuine", "code": body["code"], "headline": "x",
                                         **WHY[body["code"]]})

    return server_api({("POST", "/api/verify"): verify})


def test_a_forged_signature_is_counterfeit_not_merely_do_not_use(tmp_path: Path) -> None:
    v = verdict_of(distributor(tmp_path, why_backend([])), "FG-MTR-01/SN6")
    assert (v.outcome, v.serious, v.detail) == ("counterfeit", True, Msg.of("verify.counterfeit", code="FG-MTR-01/SN6"))
    assert Translator("zh-CN")(Msg.of("verify.outcome.counterfeit")) == "假冒"
    assert Translator("en")(v.flags[0].text).startswith("The signature does not match the code")


def test_the_screen_says_which_shipment_and_which_earlier_checks_in_both_languages(tmp_path: Path) -> None:
    v = verdict_of(distributor(tmp_path, why_backend([])), "FG-MTR-01/SN7")
    assert [m.key for m in v.reasons] == ["verify.why.shipment", "verify.why.too_many_regions", "verify.why.travel"]
    en, zh = Translator("en"), Translator("zh-CN")
    assert en(v.reasons[0]) == ("Shipped to State Grid Jiangsu on DN-1, authorized for Jiangsu, utility; checked in "
                                "Guangdong")
    assert en(v.reasons[2]) == ("Also checked in Xinjiang at 2026-11-02 13:30 UTC, 3,007 km away: that needs "
                                "2,005 km/h")
    assert zh(v.reasons[2]) == "2026-11-02 13:30 UTC 曾在 Xinjiang 被查验，相距 3,007 公里：需时速 2,005 公里"
    vm = distributor(tmp_path / "b", why_backend([]))
    verdict_of(vm, "FG-MTR-01/SN7")
    screen = verify_view.build(Kit(Translator("en"), _Actions()), vm)
    assert built(screen, "verify-why-1").value == "Checked in several regions: Jiangsu, Xinjiang, Guangdong"


def test_without_a_picked_region_the_backend_goes_by_the_distributors_account(tmp_path: Path) -> None:
    asked: list[dict[str, object]] = []
    vm = distributor(tmp_path, why_backend(asked))
    vm.set_region("")
    verdict_of(vm, "FG-MTR-01/SN6")
    assert "region" not in asked[0]

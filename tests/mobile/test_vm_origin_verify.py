"""Origin lookup for engineers and code verification for distributors."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from mobile.i18n import Msg
from mobile.scanner import ScanPipeline
from mobile.viewmodels.origin import OriginViewModel
from mobile.viewmodels.verify import CLONE, DIVERTED, GENUINE, UNCHECKED, UNKNOWN, VerifyViewModel
from shared_models.enums import Role
from tests.mobile.handheld_fixtures import make_handheld, server_api

SCAN = ScanPipeline()
GRAPH = {"root": {"id": "u1", "code": "FG-MTR-01/SN9", "kind": "serial", "status": "shipped", "depth": 0},
         "nodes": [{"id": "u1", "code": "FG-MTR-01/SN9", "kind": "serial", "status": "shipped", "depth": 0,
                    "part_no": "FG-MTR-01", "item_name": "Smart meter"},
                   {"id": "u2", "code": "RM-PC-01/PC2610-A", "kind": "lot", "status": "released", "depth": 2,
                    "part_no": "RM-PC-01", "item_name": "PC resin", "supplier": "SUP-NBP",
                    "supplier_lot": "NB-88121"}],
         "edges": [], "direction": "backward", "max_depth": 12, "total_nodes": 2}


def test_origin_comes_from_the_replica_when_present(tmp_path: Path) -> None:
    hh, _ = make_handheld(tmp_path, role=Role.ENGINEER)
    vm = OriginViewModel(hh)
    vm.on_scan(SCAN.scan_text("RM-PC-01/PC-A", source="manual"))
    assert vm.origin.summary is not None and vm.origin.summary.source == "replica"
    assert ("field.supplier", "SUP-NBP Ningbo Polymer") in vm.origin.summary.lines
    assert not vm.full_trace()  # offline: the replica's view stays
    assert vm.state.error == Msg.of("origin.trace_offline")


def test_origin_not_in_the_replica_asks_the_backend_for_the_backward_trace(tmp_path: Path) -> None:
    asked: list[dict[str, str]] = []

    def trace(request: httpx.Request) -> httpx.Response:
        asked.append(dict(request.url.params))
        return httpx.Response(200, json=GRAPH)

    hh, _ = make_handheld(tmp_path, role=Role.ENGINEER, api=server_api({("GET", "/api/trace"): trace}))
    vm = OriginViewModel(hh)
    vm.on_scan(SCAN.scan_text("FG-MTR-01/SN9", source="manual"))
    assert asked == [{"code": "FG-MTR-01/SN9", "direction": "backward"}]
    assert [(t.depth, t.code, t.supplier) for t in vm.origin.trace] == [
        (0, "FG-MTR-01/SN9", ""), (2, "RM-PC-01/PC2610-A", "SUP-NBP NB-88121")]


def test_origin_of_an_unknown_code_offline_says_the_network_is_needed(tmp_path: Path) -> None:
    hh, _ = make_handheld(tmp_path, role=Role.ENGINEER)
    vm = OriginViewModel(hh)
    vm.on_scan(SCAN.scan_text("FG-MTR-01/SN9", source="manual"))
    assert vm.state.error == Msg.of("origin.offline", code="FG-MTR-01/SN9")


def distributor(tmp_path: Path, api: object = None) -> VerifyViewModel:
    hh, _ = make_handheld(tmp_path, role=Role.DISTRIBUTOR, api=api)  # type: ignore[arg-type]
    return VerifyViewModel(hh)


def test_a_code_shipped_to_the_distributor_is_genuine(tmp_path: Path) -> None:
    vm = distributor(tmp_path)
    vm.on_scan(SCAN.scan_text("FG-MTR-01/SN1", source="manual"))
    assert vm.verdict is not None and vm.verdict.outcome == GENUINE


def test_verify_asks_the_backend_with_the_distributors_region(tmp_path: Path) -> None:
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
        vm.on_scan(SCAN.scan_text(code, source="manual"))
        assert vm.verdict is not None
        outcomes.append(vm.verdict.outcome)
    assert outcomes == [GENUINE, DIVERTED, CLONE, UNKNOWN]
    assert {a["region"] for a in asked} == {"Anhui"} and all(a["device_id"] == "test-device" for a in asked)


def test_verify_falls_back_to_the_resolver_without_a_verify_endpoint(tmp_path: Path) -> None:
    found = server_api({("GET", "/api/resolve"): lambda r: httpx.Response(200, json={"kind": "serial",
                                                                                     "label": "x", "id": "1"})})
    vm = distributor(tmp_path / "a", found)
    vm.on_scan(SCAN.scan_text("FG-MTR-01/SN77", source="manual"))
    assert vm.verdict is not None and vm.verdict.outcome == DIVERTED
    vm = distributor(tmp_path / "b", server_api({}))
    vm.on_scan(SCAN.scan_text("FAKE-0001", source="manual"))
    assert vm.verdict is not None and vm.verdict.outcome == UNKNOWN
    vm = distributor(tmp_path / "c")
    vm.on_scan(SCAN.scan_text("FAKE-0001", source="manual"))
    assert vm.verdict is not None and vm.verdict.outcome == UNCHECKED
    vm.on_scan(SCAN.scan_text("(01)06901234000017(21)X", source="manual"))  # bad check digit
    assert vm.state.error is not None and vm.state.error.params["ai"] == "01"

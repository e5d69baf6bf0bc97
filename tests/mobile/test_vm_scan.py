"""The scan screen resolves codes from the replica first: unit, lot, item, location, expiry, container; the server
only for what the replica lacks; malformed and unknown codes are refused in words."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from mobile.i18n import Msg, Translator
from mobile.scanner import ScanPipeline
from mobile.viewmodels.scan import ScanInput, ScanViewModel
from tests.aio import Run, run_fixture  # noqa: F401
from tests.mobile.handheld_fixtures import GTIN_MTR, GTIN_PC, TODAY, make_handheld, server_api

SCAN = ScanPipeline(debounce_ms=0)


def screen(tmp_path: Path, **kw: object) -> ScanViewModel:
    hh, _ = make_handheld(tmp_path, **kw)  # type: ignore[arg-type]
    return ScanViewModel(hh.replica, hh.api, TODAY)


def lines(vm: ScanViewModel) -> dict[str, str]:
    t = Translator("en")
    assert vm.state.summary is not None, vm.state.error
    return {label: t(value) if isinstance(value, Msg) else value for label, value in vm.state.summary.lines}


def test_lot_label_shows_item_lot_status_expiry_supplier_and_stock(run: Run[Any], tmp_path: Path) -> None:
    vm = screen(tmp_path)
    run(vm.show(SCAN.scan_text(f"(01){GTIN_PC}(10)PC-A", source="manual")))
    assert lines(vm) == {"field.item": "RM-PC-01 PC resin", "field.lot": "PC-A", "field.status": "Released",
                         "field.expiry": "2026-12-20", "field.supplier": "SUP-NBP Ningbo Polymer",
                         "field.supplier_lot": "NB-1", "field.location": "SZ-RM-01: 100 kg"}
    assert vm.state.summary is not None and vm.state.summary.source == "replica"
    assert vm.state.summary.warnings == []


def test_held_expired_unit_carries_warnings(run: Run[Any], tmp_path: Path) -> None:
    vm = screen(tmp_path)
    run(vm.show(SCAN.scan_text("RM-PC-01/PC-EXP", source="manual")))
    assert vm.state.summary is not None
    assert vm.state.summary.warnings == [Msg.of("scan.expired", date="2026-11-19")]
    run(vm.show(SCAN.scan_text("RM-PC-01/PC-HOLD", source="wedge")))
    assert vm.state.summary.warnings == [Msg.of("scan.status_warning", status=Msg.of("status.on_hold"))]


def test_serial_location_and_item_codes_resolve(run: Run[Any], tmp_path: Path) -> None:
    vm = screen(tmp_path)
    run(vm.show(SCAN.scan_text(f"(01){GTIN_MTR}(21)SN1", source="manual")))
    assert vm.state.summary is not None and lines(vm)["field.serial"] == "SN1"
    run(vm.show(SCAN.scan_text("(414)6901234000108", source="manual")))
    assert lines(vm)["field.location"] == "SZ-RCV SZ-RCV"
    run(vm.show(SCAN.scan_text(GTIN_PC[1:], source="wedge")))  # an EAN-13 as a wedge types it
    assert vm.state.summary.title == Msg.of("scan.title", kind=Msg.of("kind.item"), code="RM-PC-01")


def test_container_shows_its_contents(run: Run[Any], tmp_path: Path) -> None:
    hh, feeder = make_handheld(tmp_path)
    sscc = "106141410000000019"
    feeder.put({"unit": [{"id": "u-box", "code": sscc, "kind": "container", "sscc": sscc, "site_id": "site-sz",
                          "status": "released", "item_id": None}],
                "container_content": [{"id": "cc1", "container_id": "u-box", "unit_id": "u-FG-MTR-01/SN1"},
                                      {"id": "cc2", "container_id": "u-box", "unit_id": "u-FG-MTR-01/SN2"}]})
    vm = ScanViewModel(hh.replica, hh.api, TODAY)
    run(vm.show(SCAN.scan_text(f"(00){sscc}", source="manual")))
    assert lines(vm)["field.contents"] == "2 unit(s)"
    run(vm.show(SCAN.scan_text("FG-MTR-01/SN1", source="manual")))
    assert lines(vm)["field.container"] == sscc


def test_malformed_gs1_names_the_ai(run: Run[Any], tmp_path: Path) -> None:
    vm = screen(tmp_path)
    run(vm.show(SCAN.scan_text(f"(01){GTIN_PC[:-1]}9(10)PC-A", source="manual")))  # wrong check digit
    assert vm.state.summary is None and vm.state.error is not None
    assert (vm.state.error.key, vm.state.error.params["ai"]) == ("scan.malformed", "01")
    assert Translator("zh-CN")(vm.state.error).startswith("GS1 数据有误，应用标识符 AI (01)")


def test_unknown_code_offline_and_online(run: Run[Any], tmp_path: Path) -> None:
    vm = screen(tmp_path / "a")
    run(vm.show(SCAN.scan_text("NOT-A-CODE", source="manual")))
    assert vm.state.error == Msg.of("scan.unknown_offline", code="NOT-A-CODE")
    online = screen(tmp_path / "b", api=server_api({}))  # the server answers 404 for it too
    run(online.show(SCAN.scan_text("NOT-A-CODE", source="manual")))
    assert online.state.error == Msg.of("scan.unknown", code="NOT-A-CODE")


def test_what_the_replica_lacks_is_asked_of_the_server(run: Run[Any], tmp_path: Path) -> None:
    seen: list[str] = []

    def resolve(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.params["code"])
        return httpx.Response(200, json={"kind": "lot", "label": "RM-PC-01/OTHER-SITE", "id": "u-x",
                                         "status": "released", "lot_no": "OTHER-SITE", "expires_on": "2027-01-01"})

    vm = screen(tmp_path, api=server_api({("GET", "/api/resolve"): resolve}))
    run(vm.show(SCAN.scan_text("RM-PC-01/OTHER-SITE", source="manual")))
    assert seen == ["RM-PC-01/OTHER-SITE"]
    assert vm.state.summary is not None and vm.state.summary.source == "server"
    assert lines(vm)["field.lot"] == "OTHER-SITE"
    run(vm.show(SCAN.scan_text("RM-PC-01/PC-A", source="manual")))  # in the replica: the server is not asked
    assert seen == ["RM-PC-01/OTHER-SITE"]


def test_camera_frames_wedge_keys_and_typed_text_all_give_scan_results(run: Run[Any], tmp_path: Path) -> None:
    import io

    from PIL import Image

    from mobile.scanner.labels import qr_label

    scan_input = ScanInput(ScanPipeline(debounce_ms=1500))
    buf = io.BytesIO()
    Image.fromarray(qr_label("RM-PC-01/PC-A", scale=6).image).save(buf, "JPEG")
    frame = buf.getvalue()
    assert run(scan_input.from_frame(frame)) is not None
    first = run(scan_input.from_frame(frame, continuous=True))
    assert first is None or first.text == "RM-PC-01/PC-A"  # the tap above already reported it: debounced
    assert [scan_input.from_key(k) for k in "SZ-RM-01"] == [None] * 8
    typed = scan_input.from_key("Enter")
    assert typed is not None and (typed.text, typed.source) == ("SZ-RM-01", "wedge")
    assert scan_input.from_text(" SZ-RM-01 ").source == "manual"
    with pytest.raises(Exception) as refused:
        scan_input.from_text("   ")
    assert getattr(refused.value, "msg", None) == Msg.of("scan.empty")
    assert json.dumps(typed.summary()) == '{"kind": "code", "text": "SZ-RM-01"}'

"""Inspection on the handheld: the plan's form, pass/fail per sample, defect photos stripped of EXIF and kept under
a size limit, sent when online and kept on the handheld (and said so) when not."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from PIL import Image

from mobile.i18n import Msg
from mobile.scanner import ScanPipeline
from mobile.viewmodels.inspection import InspectionViewModel
from mobile.viewmodels.photos import MAX_PHOTO_BYTES, PhotoRefused, shrunk_jpeg
from shared_models.enums import Role
from tests.aio import Run, run_fixture  # noqa: F401
from tests.mobile.handheld_fixtures import make_handheld, queued, server_api

SCAN = ScanPipeline()
GOOD = {"MFI": "10.2", "MOISTURE": "0.01", "PELLETS": "clean", "PACKAGING": "pass"}


def photo_with_exif(size: tuple[int, int] = (2400, 1800)) -> bytes:
    rng = np.random.default_rng(7)
    image = Image.fromarray(rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"      # Make
    exif[0x0110] = "Model X"         # Model
    exif[0x0112] = 6                 # Orientation: rotate 90
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95, exif=exif.tobytes())
    return out.getvalue()


def inspecting(tmp_path: Path, api: object = None) -> InspectionViewModel:
    hh, _ = make_handheld(tmp_path, role=Role.INSPECTOR, api=api)  # type: ignore[arg-type]
    vm = InspectionViewModel(hh)
    asyncio.run(vm.on_scan(SCAN.scan_text("RM-PC-01/PC-A", source="manual")))
    assert vm.state.error is None and vm.form.plan_code == "IQC-RM-PC-01"
    return vm


def test_photos_lose_their_exif_are_turned_upright_and_fit_the_size_limit() -> None:
    raw = photo_with_exif()
    assert Image.open(io.BytesIO(raw)).getexif()
    clean = shrunk_jpeg(raw)
    stored = Image.open(io.BytesIO(clean))
    assert not stored.getexif() and b"PhoneMaker" not in clean
    assert stored.size[0] < stored.size[1]          # the orientation tag was applied, then dropped
    assert len(clean) <= MAX_PHOTO_BYTES and max(stored.size) <= 1600
    try:
        shrunk_jpeg(b"not a picture")
    except PhotoRefused as exc:
        assert exc.msg == Msg.of("photo.not_image")
    else:
        raise AssertionError("not refused")


def test_plan_form_judges_each_sample_and_names_the_failing_characteristic(tmp_path: Path) -> None:
    vm = inspecting(tmp_path)  # offline: the plans Lotline ships
    assert vm.plans.origin == "bundled"
    assert [c.code for c in vm.characteristics] == ["MFI", "MOISTURE", "PELLETS", "PACKAGING", "COA_NO"]
    for code, value in GOOD.items():
        vm.set_answer(code, value)
    assert vm.evaluate() == "pass"
    vm.add_sample()
    assert vm.evaluate() is None  # the second sample has no answers yet
    assert vm.outcomes[1].problems["MFI"].key == "inspect.problem.missing_answer"
    for code, value in {**GOOD, "MFI": "13.5", "PELLETS": "black_specks"}.items():
        vm.set_answer(code, value)
    assert vm.evaluate() == "fail"
    assert vm.outcomes[1].failed == ["MFI", "PELLETS"]


def test_offline_inspection_with_photos_waits_on_the_handheld_and_says_so(run: Run[Any], tmp_path: Path) -> None:
    vm = inspecting(tmp_path)
    for code, value in GOOD.items():
        vm.set_answer(code, value)
    assert run(vm.add_photo("PACKAGING", photo_with_exif((800, 600))))
    assert run(vm.submit()), vm.state.error
    assert vm.state.done is not None and vm.state.done.key == "inspect.saved_local"
    assert (vm.state.done.params["photos"], vm.state.done.params["pending"]) == (1, 1)
    (kept,) = vm.outbox.list("pending")
    assert (kept.data["unit"], kept.data["plan"], kept.data["stage"], kept.photos) == \
        ("RM-PC-01/PC-A", "IQC-RM-PC-01", "iqc", 1)
    assert kept.data["answers"] == [{"MFI": 10.2, "MOISTURE": 0.01, "PELLETS": "clean", "PACKAGING": True}]
    (photo,) = vm.outbox.photos(kept.id)
    assert not Image.open(io.BytesIO(photo[3])).getexif()
    assert vm.hh.store.pending_count() == 0  # its photos must reach the backend before it may


def test_offline_inspection_without_photos_goes_into_the_sync_queue(run: Run[Any], tmp_path: Path) -> None:
    vm = inspecting(tmp_path)
    for code, value in GOOD.items():
        vm.set_answer(code, value)
    assert run(vm.submit()), vm.state.error
    assert vm.state.done == Msg.of("inspect.queued", unit="RM-PC-01/PC-A", verdict=Msg.of("verdict.pass"))
    (command,) = queued(vm.hh)
    assert (command["kind"], command["unit"], command["plan"], command["photos"]) == \
        ("inspect", "RM-PC-01/PC-A", "IQC-RM-PC-01", [])
    assert [s.state for s in vm.outbox.list()] == ["queued"]


def test_incomplete_inspection_is_not_submitted(run: Run[Any], tmp_path: Path) -> None:
    vm = inspecting(tmp_path)
    vm.set_answer("MFI", "10")
    assert not run(vm.submit())
    assert vm.state.error == Msg.of("inspect.incomplete")
    assert vm.outbox.list() == []


def test_online_inspection_uploads_its_photos_then_joins_the_sync_queue(run: Run[Any], tmp_path: Path) -> None:
    uploads: list[bytes] = []

    def photos(request: httpx.Request) -> httpx.Response:
        uploads.append(request.content)
        photo_id = request.content.split(b'name="photo_id"\r\n\r\n')[1].split(b"\r\n")[0].decode()
        return httpx.Response(201, json={"id": photo_id, "characteristic": "MFI"})

    plans = [{"code": "IQC-RM-PC-01", "name": "IQC resin", "item": "RM-PC-01", "stage": "iqc", "aql": "1.0",
              "level": "II", "active": True, "defect_codes": [],
              "characteristics": [{"code": "MFI", "name": "MFI", "kind": "numeric", "lower": 8, "upper": 12}]}]
    api = server_api({("GET", "/api/quality/plans"): lambda r: httpx.Response(200, json=plans),
                      ("POST", "/api/quality/photos"): photos})
    vm = inspecting(tmp_path, api)
    assert vm.plans.origin == "server"
    vm.set_answer("MFI", "13")
    assert run(vm.add_photo("MFI", photo_with_exif((640, 480))))
    local_id = vm.form.photos[0].id
    assert run(vm.submit()), vm.state.error
    assert vm.state.done == Msg.of("inspect.queued", unit="RM-PC-01/PC-A", verdict=Msg.of("verdict.fail"))
    assert len(uploads) == 1 and b"image/jpeg" in uploads[0] and b"PhoneMaker" not in uploads[0]
    (command,) = queued(vm.hh)
    assert command["photos"] == [{"characteristic": "MFI", "sample_index": 0, "photo_id": local_id}]
    assert command["answers"] == [{"MFI": 13.0}]


def test_a_backend_without_the_photo_api_keeps_the_inspection_waiting(run: Run[Any], tmp_path: Path) -> None:
    vm = inspecting(tmp_path, server_api({}))
    for code, value in GOOD.items():
        vm.set_answer(code, value)
    assert run(vm.add_photo("PACKAGING", photo_with_exif((320, 240))))
    assert run(vm.submit())
    assert vm.state.done is not None and vm.state.done.key == "inspect.saved_local"
    assert len(vm.outbox.list("pending")) == 1 and vm.hh.store.pending_count() == 0

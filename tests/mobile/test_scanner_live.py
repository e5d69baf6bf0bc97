"""Continuous camera mode: a blank frame or a frame the plain pass reads costs that pass alone; labels only a retry
reads are still found, on crops of code-like patches, within a budget; tap-to-scan keeps its whole retry chain."""

from __future__ import annotations

import random
from typing import Any

import cv2
import numpy as np
import pytest

from mobile.platform.decoder import NativeDecoder
from mobile.scanner import Decoder, LiveDecoder, RetryBudget, ScanPipeline, to_gray
from mobile.scanner.distort import cluttered_background, make_scene, place_label
from mobile.scanner.labels import Label, barcode_label, qr_label, random_label
from mobile.scanner.live import PATCH_COST, RETRY_COST
from tests.aio import Run, run_fixture  # noqa: F401

SERIAL_HRI = "(01)09506000134352(17)271231(10)LOT42(21)SN0001"


def pipeline(budget: RetryBudget | None = None) -> ScanPipeline:
    return ScanPipeline(Decoder(zbar_fallback=False), debounce_ms=0, retry_budget=budget)


def scene(label: Label, distortion: str, seed: int) -> np.ndarray:
    return make_scene(label, distortion, random.Random(seed))


def attempts(pipe: ScanPipeline) -> list[str]:
    assert pipe.last_decoding is not None
    return [a.name for a in pipe.last_decoding.attempts]


def clutter(n: int, seed: int = 500) -> list[np.ndarray]:
    return [cluttered_background(random.Random(seed + i)) for i in range(n)]


def blank_frames() -> list[np.ndarray]:
    gy, gx = np.mgrid[0:720, 0:1280].astype(np.float32)
    wall = (100 + 60 * gx / 1280 + 40 * gy / 720).astype(np.uint8)  # a shaded wall: light, no detail
    return [np.full((720, 1280), v, dtype=np.uint8) for v in (0, 40, 128, 220, 255)] + [wall]


def test_blank_frames_cost_one_plain_pass_each_and_never_a_retry() -> None:
    pipe = pipeline()
    for frame in blank_frames() * 5:
        assert pipe.read(frame, continuous=True) == []
        assert attempts(pipe) == ["plain"]
    assert pipe.live.budget.spent == 0  # not even a patch search


@pytest.mark.parametrize("shape", [(1, 1), (4, 4), (5, 9)])
def test_a_frame_a_few_pixels_across_is_read_without_error(shape: tuple[int, int]) -> None:
    pipe = pipeline()
    assert pipe.read(np.arange(shape[0] * shape[1], dtype=np.uint8).reshape(shape) * 40, continuous=True) == []
    assert attempts(pipe) == ["plain"]


def test_tap_to_scan_still_runs_every_retry_on_a_blank_frame() -> None:
    pipe = pipeline()
    assert pipe.read(blank_frames()[2]) == []
    assert attempts(pipe) == ["plain", "rotated", "inverted", "contrast"]


def test_a_frame_the_plain_pass_reads_costs_that_pass_alone() -> None:
    pipe = pipeline()
    label = barcode_label("DataMatrix", SERIAL_HRI, gs1=True, scale=4)
    for seed in range(3):
        (result,) = pipe.read(scene(label, "clean", seed), continuous=True)
        assert (result.text, result.attempt) == (label.expected_text, "plain")
        assert attempts(pipe) == ["plain"]
    assert pipe.live.budget.spent == 0


@pytest.mark.parametrize(("fmt", "distortion", "cheap"), [
    ("Code128", "rotate90", "turned"), ("EAN13", "rotate90", "turned"), ("DataMatrix", "rotate90", "turned"),
    ("QRCode", "inverted", "negative"), ("DataMatrix", "inverted", "negative"),
])
def test_a_label_only_a_retry_reads_is_found_on_its_first_frame_by_a_cheap_retry_on_its_patch(
        fmt: str, distortion: str, cheap: str) -> None:
    rng = random.Random(1)
    label = random_label(fmt, rng)
    frame = make_scene(label, distortion, rng)
    gray = to_gray(frame)
    assert not Decoder(attempts=("plain",), zbar_fallback=False).decode(gray).symbols
    assert Decoder(zbar_fallback=False).decode(gray).attempt in ("rotated", "inverted")  # tap-to-scan's retry
    pipe = pipeline()
    results = pipe.read(frame, continuous=True)
    assert [(r.text, r.attempt) for r in results] == [(label.expected_text, cheap)]
    assert pipe.last_decoding is not None
    assert all(a.pixels < gray.size for a in pipe.last_decoding.attempts[1:])  # on a patch, not the whole frame


def test_the_retry_that_read_a_held_label_goes_first_on_the_next_frame() -> None:
    rng = random.Random(1)
    label = random_label("Code128", rng)
    frame = make_scene(label, "rotate90", rng)
    pipe = pipeline(RetryBudget(share=5.0, burst=50.0))  # plenty: a retry on every frame
    for _ in range(3):
        assert [r.text for r in pipe.read(frame, continuous=True)] == [label.expected_text]
        assert attempts(pipe) == ["plain", "turned"]


def test_a_label_comes_within_a_few_frames_after_sweeping_over_clutter() -> None:
    """The sweep spends the budget on the clutter's patches; the label still comes while it is held in view."""
    pipe = pipeline()
    found = []
    for i, (fmt, distortion) in enumerate([("UPCA", "rotate90"), ("DataMatrix", "inverted"), ("PDF417", "inverted")]):
        for frame in clutter(5, seed=100 * i):
            pipe.read(frame, continuous=True)
        rng = random.Random(7 + i)
        label = random_label(fmt, rng)
        frame = make_scene(label, distortion, rng)
        found.append(next(n for n in range(1, 11) if any(
            r.text == label.expected_text for r in pipe.read(frame, continuous=True))))
    assert max(found) <= 10


def test_retries_on_frames_without_a_code_stay_within_the_budget() -> None:
    budget = RetryBudget()
    pipe = pipeline(budget)
    frames = clutter(30)
    work = 0.0
    for frame in frames:  # a different scene every frame: the worst case, nothing is remembered
        assert pipe.read(frame, continuous=True) == []
        assert pipe.last_decoding is not None
        work += sum(RETRY_COST[a.name] * a.pixels / (1280 * 720) for a in pipe.last_decoding.attempts[1:])
    assert work > 0  # it does look at the clutter's patches
    dearest = max(RETRY_COST.values())  # one retry may overdraw a positive balance by up to its own cost
    assert work + PATCH_COST <= budget.spent <= budget.share * len(frames) + budget.burst + dearest
    assert budget.spent < 0.2 * len(frames)  # tap-to-scan would spend ~16 plain passes a frame here


def test_a_patch_every_retry_failed_on_is_left_alone_while_it_stays_in_view() -> None:
    budget = RetryBudget(share=5.0, burst=50.0)  # plenty: only the patch memory can stop the retries
    pipe = pipeline(budget)
    frame = to_gray(clutter(1, seed=503)[0])  # three patches
    pipe.read(frame, continuous=True)
    assert len(attempts(pipe)) > 1  # the first sight of its patches gets every retry
    for _ in range(5):
        pipe.read(frame, continuous=True)
        assert attempts(pipe) == ["plain"]


def test_corners_of_a_label_read_on_a_patch_are_in_frame_pixels() -> None:
    label = barcode_label("Code128", "LOT-2024-0042", scale=3)
    backdrop = cluttered_background(random.Random(3))
    frame, corners = place_label(label.image, backdrop, random.Random(4), module_px=3, label_module_px=3,
                                 angle_deg=90)
    (result,) = pipeline().read(frame, continuous=True)
    assert result.attempt == "turned" and result.corners is not None
    xs, ys = [x for x, _ in corners], [y for _, y in corners]
    assert all(min(xs) - 2 <= x <= max(xs) + 2 and min(ys) - 2 <= y <= max(ys) + 2 for x, y in result.corners)


def test_a_decoder_without_retries_makes_continuous_mode_plain_only() -> None:
    live = LiveDecoder(Decoder(attempts=("plain",), zbar_fallback=False))
    rng = random.Random(1)
    gray = to_gray(make_scene(random_label("Code128", rng), "rotate90", rng))
    assert live.retries == ()
    decoding = live.decode(gray)
    assert (decoding.symbols, [a.name for a in decoding.attempts]) == ((), ["plain"])


def test_the_native_decoder_reads_a_camera_jpeg_in_continuous_mode(run: Run[Any]) -> None:
    pipe = pipeline()
    decoder = NativeDecoder(pipe)
    ok, blank = cv2.imencode(".jpg", np.full((720, 1280, 3), 90, dtype=np.uint8))
    assert ok
    assert run(decoder.decode(blank.tobytes(), continuous=True)) == []
    assert attempts(pipe) == ["plain"]
    ok, jpeg = cv2.imencode(".jpg", np.pad(qr_label("BIN-A03", scale=5).image, 60, constant_values=235))
    assert ok
    (result,) = run(decoder.decode(jpeg.tobytes(), continuous=True))
    assert (result.text, result.attempt) == ("BIN-A03", "plain")


# -- the retry budget ----------------------------------------------------------------------------------------------
def test_a_budget_earns_its_share_each_frame_up_to_its_burst() -> None:
    budget = RetryBudget(share=0.1, burst=0.3)
    assert budget.balance == 0.3
    budget.spend(0.3)
    assert not budget.open
    for _ in range(10):
        budget.earn()
    assert budget.balance == pytest.approx(0.3)


def test_a_retry_dearer_than_the_balance_leaves_a_debt_later_frames_pay_back() -> None:
    budget = RetryBudget(share=0.25, burst=0.5)
    budget.spend(2.0)
    frames = 0
    while not budget.open:
        budget.earn()
        frames += 1
    assert frames == 7 and budget.spent == 2.0  # -1.5 back above zero after 7 frames of 0.25


@pytest.mark.parametrize(("share", "burst"), [(0.0, 1.0), (0.5, 0.2)])
def test_a_budget_that_could_never_pay_is_refused(share: float, burst: float) -> None:
    with pytest.raises(ValueError, match="share"):
        RetryBudget(share=share, burst=burst)

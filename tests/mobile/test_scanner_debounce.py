"""The camera reports a code it keeps seeing once; typed input is never held back."""

from __future__ import annotations

import numpy as np
import pytest

from mobile.scanner import Debouncer, Decoder, ScanPipeline
from mobile.scanner.labels import barcode_label


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def advance_ms(self, ms: float) -> None:
        self.now += ms / 1000


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_same_code_within_the_window_is_reported_once(clock: FakeClock) -> None:
    debouncer = Debouncer(1500, clock=clock)
    assert debouncer.accept("A")
    clock.advance_ms(1499)
    assert not debouncer.accept("A")


def test_same_code_after_the_window_is_reported_again(clock: FakeClock) -> None:
    debouncer = Debouncer(1500, clock=clock)
    assert debouncer.accept("A")
    clock.advance_ms(1500)
    assert debouncer.accept("A")


def test_different_code_is_reported_immediately_and_resets(clock: FakeClock) -> None:
    debouncer = Debouncer(1500, clock=clock)
    assert debouncer.accept("A")
    clock.advance_ms(10)
    assert debouncer.accept("B")
    clock.advance_ms(10)
    assert debouncer.accept("A")


def test_wedge_and_manual_input_is_never_debounced(clock: FakeClock) -> None:
    debouncer = Debouncer(1500, clock=clock)
    assert debouncer.accept("A")
    assert debouncer.accept("A", source="wedge")
    assert debouncer.accept("A", source="manual")
    assert not debouncer.accept("A")  # the camera's window is untouched by typed input


def test_zero_window_disables_debouncing(clock: FakeClock) -> None:
    debouncer = Debouncer(0, clock=clock)
    assert debouncer.accept("A") and debouncer.accept("A")


def test_negative_window_is_refused() -> None:
    with pytest.raises(ValueError, match=">= 0"):
        Debouncer(-1)


@pytest.fixture
def frames() -> dict[str, np.ndarray]:
    def frame(text: str) -> np.ndarray:
        return np.pad(barcode_label("Code128", text, scale=3).image, 40, constant_values=235)

    return {"A": frame("LOT-A"), "B": frame("LOT-B"), "blank": np.full((200, 300), 235, dtype=np.uint8)}


def test_scan_reports_a_held_code_again_once_the_window_has_passed(clock: FakeClock, frames: dict) -> None:
    pipeline = ScanPipeline(Decoder(zbar_fallback=False), clock=clock)
    assert pipeline.scan(frames["A"]) is not None
    clock.advance_ms(500)
    assert pipeline.scan(frames["A"]) is None
    clock.advance_ms(1000)
    assert pipeline.scan(frames["A"]) is not None


def test_feed_reports_a_code_held_in_view_only_once(clock: FakeClock, frames: dict) -> None:
    pipeline = ScanPipeline(Decoder(zbar_fallback=False), clock=clock)
    seen = []
    for _ in range(10):  # 10 frames, 400 ms apart: 3.6 s with the code always in view
        seen.append(pipeline.feed(frames["A"]))
        clock.advance_ms(400)
    assert [r.text for r in seen if r is not None] == ["LOT-A"]


def test_feed_reports_a_code_that_returns_after_leaving_view_for_the_window(clock: FakeClock, frames: dict) -> None:
    pipeline = ScanPipeline(Decoder(zbar_fallback=False), clock=clock)
    assert pipeline.feed(frames["A"]) is not None
    clock.advance_ms(1600)
    assert pipeline.feed(frames["blank"]) is None
    assert pipeline.feed(frames["A"]) is not None


def test_feed_reports_a_new_code_at_once(clock: FakeClock, frames: dict) -> None:
    pipeline = ScanPipeline(Decoder(zbar_fallback=False), clock=clock)
    assert pipeline.feed(frames["A"]).text == "LOT-A"
    clock.advance_ms(50)
    assert pipeline.feed(frames["B"]).text == "LOT-B"

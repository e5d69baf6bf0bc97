"""Continuous mode in the PWA's decoder (zxing-wasm): the plain attempt on every frame, the retries in turn within the
budget. The reader here is a stand-in answered by zxing-cpp, the library zxing-wasm is compiled from; the real one
runs in tests/browser/test_pwa_decoder.py."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np
import zxingcpp

from mobile.platform.browser_decoder import RETRY_COST, WasmDecoder
from mobile.scanner import RetryBudget
from mobile.scanner.labels import barcode_label, qr_label
from tests.aio import Run, run_fixture  # noqa: F401

PICTURES: dict[bytes, np.ndarray] = {}


def picture(name: str, gray: np.ndarray) -> bytes:
    """Stands for the camera's JPEG: the reader finds the gray image under these bytes."""
    key = f"picture:{name}".encode()
    PICTURES[key] = gray
    return key


async def canvas_invert(image: bytes, css_filter: str) -> bytes:
    assert css_filter == "invert(1)"
    key = image + b"|inverted"
    PICTURES[key] = 255 - PICTURES[image]
    return key


@dataclass
class Reader:
    """zxing-wasm's readBarcodes answered by zxing-cpp; `calls` counts the attempts by name."""

    calls: Counter[str] = field(default_factory=Counter)

    async def readBarcodes(self, data: bytes, options: dict[str, Any]) -> list[Any]:
        turned = options["tryRotate"]
        self.calls["inverted" if data.endswith(b"|inverted") else "retry" if turned else "plain"] += 1
        formats = zxingcpp.BarcodeFormats(tuple(zxingcpp.BarcodeFormat[f] for f in options["formats"]))
        found = zxingcpp.read_barcodes(PICTURES[data], formats=formats, try_rotate=options["tryRotate"],
                                       try_invert=options["tryInvert"], text_mode=zxingcpp.TextMode.Plain)
        return [SimpleNamespace(
            text=b.text, format=b.format.name, symbologyIdentifier=b.symbology_identifier,
            contentType=b.content_type.name, isValid=True, error="",
            position=SimpleNamespace(**{k: SimpleNamespace(x=getattr(b.position, a).x, y=getattr(b.position, a).y)
                                        for k, a in (("topLeft", "top_left"), ("topRight", "top_right"),
                                                     ("bottomRight", "bottom_right"), ("bottomLeft", "bottom_left"))}))
            for b in found]


def decoder(reader: Reader, budget: RetryBudget | None = None) -> WasmDecoder:
    return WasmDecoder(reader, filtered=canvas_invert, budget=budget)


BLANK = picture("blank", np.full((360, 640), 200, dtype=np.uint8))
QR = picture("qr", np.pad(qr_label("BIN-A03", scale=4).image, 60, constant_values=235))
INVERTED = picture("inverted-dm", 255 - np.pad(barcode_label("DataMatrix", "RACK 7", scale=4).image, 60,
                                               constant_values=235))


def test_tap_to_scan_in_the_browser_still_runs_every_attempt_on_a_blank_frame(run: Run[Any]) -> None:
    reader = Reader()
    assert run(decoder(reader).decode(BLANK)) == []
    assert reader.calls == {"plain": 1, "retry": 1, "inverted": 1}


def test_continuous_mode_in_the_browser_spends_on_retries_no_more_than_the_budget(run: Run[Any]) -> None:
    reader, budget = Reader(), RetryBudget()
    live = decoder(reader, budget)
    frames = 60
    for _ in range(frames):
        assert run(live.decode(BLANK, continuous=True)) == []
    assert reader.calls["plain"] == frames
    retry_work = sum(RETRY_COST[name] * n for name, n in reader.calls.items() if name != "plain")
    assert 0 < retry_work == budget.spent <= budget.share * frames + budget.burst + max(RETRY_COST.values())
    assert reader.calls["retry"] + reader.calls["inverted"] <= 6  # tap-to-scan would have made 120 retries


def test_a_frame_the_plain_attempt_reads_costs_that_attempt_alone_in_the_browser(run: Run[Any]) -> None:
    reader, budget = Reader(), RetryBudget()
    live = decoder(reader, budget)
    for _ in range(5):
        (result,) = run(live.decode(QR, continuous=True))
        assert (result.text, result.attempt) == ("BIN-A03", "plain")
    assert reader.calls == {"plain": 5} and budget.spent == 0


def test_a_label_only_a_retry_reads_comes_while_it_is_held_in_view_in_the_browser(run: Run[Any]) -> None:
    reader = Reader()
    live = decoder(reader)
    for _ in range(30):  # empty frames first: the budget is spent as a working camera leaves it
        run(live.decode(BLANK, continuous=True))
    held = next(n for n in range(1, 41) if run(live.decode(INVERTED, continuous=True)))
    assert held <= 40
    (result,) = run(decoder(Reader()).decode(INVERTED))  # tap-to-scan: at once
    assert result.text == "RACK 7" and result.attempt in ("retry", "inverted")

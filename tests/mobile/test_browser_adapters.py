"""The PWA's decoder and photo adapters against stand-ins for the browser's surface: zxing-wasm's reader module (here
backed by zxing-cpp, the library it is compiled from) and the canvas. The real browser runs them in
tests/browser/test_pwa_decoder.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
import zxingcpp

from mobile.i18n import Msg
from mobile.platform.browser_decoder import ATTEMPTS, WasmDecoder
from mobile.platform.browser_photos import CanvasPhotos
from mobile.platform.decoder import NativeDecoder
from mobile.scanner import ScanPipeline
from mobile.scanner.formats import FORMATS
from mobile.scanner.labels import barcode_label
from mobile.viewmodels.photos import MAX_PHOTO_BYTES, MAX_SIDE_PX, PhotoRefused
from mobile.viewmodels.replica import ScanRefused
from tests.aio import Run, run_fixture  # noqa: F401

TODAY = dt.date(2026, 1, 15)
SERIAL_HRI = "(01)09506000134352(17)271231(10)LOT42(21)SN0001"


# -- a stand-in for zxing-wasm's reader module -------------------------------------------------------------------------
@dataclass
class Point:
    x: int
    y: int


@dataclass
class Position:
    topLeft: Point  # zxing-wasm's names
    topRight: Point
    bottomRight: Point
    bottomLeft: Point


@dataclass
class ReadResult:
    text: str
    format: str
    symbologyIdentifier: str
    contentType: str
    position: Position
    isValid: bool = True
    error: str = ""


def frame(fmt: str, hri: str, *, gs1: bool = True) -> bytes:
    """Stands for the camera's bytes: the reader stand-in gets the gray image back by this key."""
    image = np.pad(barcode_label(fmt, hri, gs1=gs1, scale=2).image, 60, constant_values=235)  # < 1280 px
    key = f"{fmt}|{hri}|{gs1}".encode()
    IMAGES[key] = image
    return key


IMAGES: dict[bytes, np.ndarray] = {}
FILTERED: list[str] = []


async def canvas_filter(image: bytes, css_filter: str) -> bytes:
    """Stands for the canvas drawing the picture through a CSS filter: only invert(1) is asked for."""
    assert css_filter == "invert(1)"
    FILTERED.append(css_filter)
    key = image + b"|inverted"
    IMAGES[key] = 255 - IMAGES[image]
    return key


def decoder(reader: ZxingReaderModule | None = None, **kw: Any) -> WasmDecoder:
    return WasmDecoder(reader or ZxingReaderModule(), filtered=canvas_filter, **kw)


@dataclass
class ZxingReaderModule:
    """zxing-wasm's `readBarcodes(input, options)` answered by zxing-cpp (the same C++ library) on the image that
    `frame()` registered; bytes it does not know are answered as zxing-wasm answers a picture it cannot open.
    `blind_until` makes the first n calls find nothing (a frame only the retry can read)."""

    blind_until: int = 0
    calls: list[dict[str, Any]] = field(default_factory=list)

    async def readBarcodes(self, data: bytes, options: dict[str, Any]) -> list[ReadResult]:
        self.calls.append(options)
        if data not in IMAGES:
            return [ReadResult("", "", "", "Text", Position(*[Point(0, 0)] * 4), isValid=False,
                               error="Failed to load image from memory")]
        if len(self.calls) <= self.blind_until:
            return []
        assert options["textMode"] == "Plain"
        found = zxingcpp.read_barcodes(
            IMAGES[data], formats=zxingcpp.BarcodeFormats(tuple(zxingcpp.BarcodeFormat[f] for f in options["formats"])),
            try_rotate=options["tryRotate"], try_invert=options["tryInvert"], text_mode=zxingcpp.TextMode.Plain)
        return [ReadResult(b.text, b.format.name, b.symbology_identifier, b.content_type.name, Position(
            *(Point(p.x, p.y) for p in (b.position.top_left, b.position.top_right, b.position.bottom_right,
                                        b.position.bottom_left)))) for b in found]


def comparable(result: Any) -> tuple[Any, ...]:
    return (result.text, result.format, result.symbology_id, result.content_type, result.gs1, result.gs1_error,
            result.gs1_error_code, result.corners)


@pytest.mark.parametrize(("fmt", "aim"), [("DataMatrix", "]d2"), ("QRCode", "]Q3"), ("Code128", "]C1")])
def test_wasm_results_read_as_the_native_pipelines_do(run: Run[Any], fmt: str, aim: str) -> None:
    image = frame(fmt, SERIAL_HRI)
    browser = run(decoder(today=TODAY).decode(image))
    native = run(NativeDecoder(ScanPipeline(debounce_ms=0, today=TODAY)).decode(IMAGES[image]))
    assert [comparable(r) for r in browser] == [comparable(r) for r in native]
    assert browser[0].symbology_id == aim and browser[0].gs1 is not None
    assert browser[0].gs1.as_dict() == {"01": "09506000134352", "17": "271231", "10": "LOT42", "21": "SN0001"}
    assert (browser[0].source, browser[0].attempt) == ("camera", "plain")


def test_reader_is_asked_for_the_native_formats_as_plain_text_upright_first(run: Run[Any]) -> None:
    reader = ZxingReaderModule()
    run(decoder(reader).decode(frame("DataMatrix", "RACK 7", gs1=False)))
    assert len(reader.calls) == 1
    first = reader.calls[0]
    assert (first["formats"], first["textMode"]) == (list(FORMATS), "Plain")
    assert (first["tryRotate"], first["tryInvert"], first["tryHarder"]) == (False, False, True)


def test_a_frame_the_upright_pass_misses_is_retried_with_zxings_rotation_and_inversion(run: Run[Any]) -> None:
    reader = ZxingReaderModule(blind_until=1)
    results = run(decoder(reader, today=TODAY).decode(frame("QRCode", SERIAL_HRI)))
    assert [r.attempt for r in results] == ["retry"]
    assert (reader.calls[1]["tryRotate"], reader.calls[1]["tryInvert"]) == (True, True)


def test_a_frame_without_a_code_is_an_empty_list_after_every_attempt(run: Run[Any]) -> None:
    reader = ZxingReaderModule(blind_until=99)
    assert run(decoder(reader).decode(frame("QRCode", SERIAL_HRI))) == []
    assert len(reader.calls) == len(ATTEMPTS)


def test_an_inverted_linear_code_is_read_after_the_canvas_inverts_the_picture(run: Run[Any]) -> None:
    image = frame("Code128", "LOT-2024-0042", gs1=False)
    IMAGES[image] = 255 - IMAGES[image]  # light bars on a dark label: zxing's own tryInvert misses these
    reader = ZxingReaderModule()
    results = run(decoder(reader).decode(image))
    assert [(r.text, r.attempt) for r in results] == [("LOT-2024-0042", "inverted")]
    assert FILTERED[-1] == "invert(1)" and len(reader.calls) == 3


def test_bytes_that_are_not_a_picture_are_refused_in_words(run: Run[Any]) -> None:
    with pytest.raises(ScanRefused) as refused:
        run(decoder().decode(b"not a jpeg"))
    assert refused.value.msg == Msg.of("scan.not_an_image", detail="Failed to load image from memory")


def test_an_ean13_with_a_leading_zero_reports_upca_as_natively(run: Run[Any]) -> None:
    (result,) = run(decoder().decode(frame("UPCA", "03600029145", gs1=False)))
    assert (result.format, result.symbology_id) == ("UPCA", "]E0")
    assert result.gs1 is not None and result.gs1.gtin == "00036000291452"


def test_a_bad_gtin_check_digit_reads_as_the_gs1_error_naming_ai_01(run: Run[Any]) -> None:
    (result,) = run(decoder().decode(frame("DataMatrix", "(01)09506000134353(10)LOT42")))
    assert result.gs1 is None and result.gs1_error_code == "bad_check_digit"


def test_without_the_browsers_reader_the_camera_says_the_decoder_did_not_load(run: Run[Any]) -> None:
    with pytest.raises(ScanRefused) as refused:
        run(WasmDecoder().decode(b"\xff\xd8 a jpeg"))  # outside Pyodide there is no `js` module to import it with
    assert refused.value.msg.key == "camera.failed"


def test_an_unknown_format_is_refused_when_the_decoder_is_made() -> None:
    with pytest.raises(ValueError, match="Aztec"):
        decoder(formats=["QRCode", "Aztec"])


# -- a stand-in for the canvas -------------------------------------------------------------------------------------
@dataclass
class Bitmap:
    width: int
    height: int
    closed: bool = False

    def close(self) -> None:
        self.closed = True


@dataclass
class FakeCanvas:
    """A JPEG of `bytes_per_px_q` × pixels × quality bytes (so size falls with quality and area, as a real one's)."""

    picture: Bitmap
    bytes_per_px_q: float = 0.0
    drawn: list[tuple[int, int, int]] = field(default_factory=list)

    async def open(self, data: bytes) -> Bitmap:
        if data != b"photo":
            raise PhotoRefused(Msg.of("photo.not_image"))
        return self.picture

    async def jpeg(self, picture: Any, width: int, height: int, quality: int) -> bytes:
        assert picture is self.picture
        self.drawn.append((width, height, quality))
        return b"\xff" * int(width * height * quality * self.bytes_per_px_q)


def test_a_large_photo_is_drawn_at_most_the_pillow_cap_on_its_long_side(run: Run[Any]) -> None:
    canvas = FakeCanvas(Bitmap(4000, 3000))
    run(CanvasPhotos(canvas).clean(b"photo"))
    assert canvas.drawn == [(MAX_SIDE_PX, MAX_SIDE_PX * 3 // 4, 85)]


def test_a_small_photo_keeps_its_size(run: Run[Any]) -> None:
    canvas = FakeCanvas(Bitmap(800, 600))
    run(CanvasPhotos(canvas).clean(b"photo"))
    assert canvas.drawn == [(800, 600, 85)]


def test_quality_then_size_step_down_until_the_jpeg_fits_the_byte_cap(run: Run[Any]) -> None:
    canvas = FakeCanvas(Bitmap(1600, 1200), bytes_per_px_q=MAX_PHOTO_BYTES / (1600 * 1200 * 40))
    out = run(CanvasPhotos(canvas).clean(b"photo"))
    assert len(out) <= MAX_PHOTO_BYTES
    assert canvas.drawn[-1] == (1200, 900, 65)  # 85…45 at full size were too big; 3/4 the size at 65 fits
    assert canvas.picture.closed


def test_a_photo_that_never_fits_is_refused_and_its_bitmap_closed(run: Run[Any]) -> None:
    canvas = FakeCanvas(Bitmap(1600, 1200), bytes_per_px_q=1.0)
    with pytest.raises(PhotoRefused) as refused:
        run(CanvasPhotos(canvas).clean(b"photo"))
    assert refused.value.msg.key == "photo.too_big"
    assert canvas.picture.closed


def test_bytes_that_are_not_a_photo_are_refused(run: Run[Any]) -> None:
    with pytest.raises(PhotoRefused) as refused:
        run(CanvasPhotos(FakeCanvas(Bitmap(1, 1))).clean(b"<html>"))
    assert refused.value.msg.key == "photo.not_image"

"""Camera frames decode to the right symbology, AIM id and GS1 data; misses and bad input behave."""

from __future__ import annotations

import datetime as dt
import random

import cv2
import numpy as np
import pytest

from mobile.scanner import Decoder, ScanError, ScanPipeline, to_gray, zbar_available
from mobile.scanner.distort import place_label
from mobile.scanner.labels import Label, barcode_label, qr_label

TODAY = dt.date(2026, 1, 15)
SERIAL_HRI = "(01)09506000134352(17)271231(10)LOT42(21)SN0001"


def on_canvas(image: np.ndarray, pad: int = 60, paper: int = 235) -> np.ndarray:
    """The label on a plain light-gray card, as a gray frame."""
    return np.pad(image, pad, constant_values=paper)


@pytest.fixture
def pipeline() -> ScanPipeline:
    return ScanPipeline(Decoder(zbar_fallback=False), today=TODAY, debounce_ms=0)


LABELS = {
    "EAN13": lambda: barcode_label("EAN13", "400638133393", scale=3),
    "EAN8": lambda: barcode_label("EAN8", "9638507", scale=3),
    "UPCA": lambda: barcode_label("UPCA", "03600029145", scale=3),
    "UPCE": lambda: barcode_label("UPCE", "0123456", scale=3),
    "Code128": lambda: barcode_label("Code128", "LOT-2024-0042", scale=3),
    "QRCode": lambda: qr_label("https://lotline.example/lots/42", scale=4),
    "MicroQRCode": lambda: qr_label("BIN-A03", micro=True, scale=5),
    "DataMatrix": lambda: barcode_label("DataMatrix", "RACK 7", scale=5),
    "PDF417": lambda: barcode_label("PDF417", "PO 4711 LINE 3", scale=3),
}


@pytest.mark.parametrize("fmt", LABELS)
def test_each_symbology_decodes_from_a_generated_label(pipeline: ScanPipeline, fmt: str) -> None:
    label: Label = LABELS[fmt]()
    result = pipeline.scan(on_canvas(label.image))
    assert result is not None
    assert (result.format, result.text, result.attempt) == (fmt, label.expected_text, "plain")


@pytest.mark.parametrize(("fmt", "aim"), [("DataMatrix", "]d2"), ("QRCode", "]Q3"), ("Code128", "]C1")])
def test_gs1_symbols_come_back_with_symbology_id_and_parsed_ais(pipeline: ScanPipeline, fmt: str, aim: str) -> None:
    result = pipeline.scan(on_canvas(barcode_label(fmt, SERIAL_HRI, gs1=True, scale=4).image))
    assert result is not None
    assert (result.symbology_id, result.content_type, result.gs1_error) == (aim, "GS1", None)
    assert result.gs1 is not None
    assert result.gs1.as_dict() == {"01": "09506000134352", "17": "271231", "10": "LOT42", "21": "SN0001"}
    assert result.gs1.expiry == dt.date(2027, 12, 31)
    assert "\x1d21SN0001" in result.text  # FNC1 after the variable-length lot arrives as GS


def test_rectangular_gs1_datamatrix_reports_dmre_id_and_still_parses(pipeline: ScanPipeline) -> None:
    label = barcode_label("DataMatrix", SERIAL_HRI, gs1=True, scale=4, square=False)
    result = pipeline.scan(on_canvas(label.image))
    assert result is not None and result.gs1 is not None
    assert (result.symbology_id, result.gs1.serial) == ("]d8", "SN0001")  # ISO/IEC 21471: DMRE adds 6


def test_gs1_128_sscc_parses_as_ai_00(pipeline: ScanPipeline) -> None:
    result = pipeline.scan(on_canvas(barcode_label("Code128", "(00)106141411234567897", gs1=True, scale=3).image))
    assert result is not None and result.gs1 is not None
    assert result.gs1.sscc == "106141411234567897"


def test_bad_gtin_check_digit_gives_gs1_error_naming_ai_01(pipeline: ScanPipeline) -> None:
    label = barcode_label("DataMatrix", "(01)09506000134353(10)LOT42", gs1=True, scale=5)
    result = pipeline.scan(on_canvas(label.image))
    assert result is not None
    assert result.gs1 is None and result.gs1_error_code == "bad_check_digit"
    assert "(01)" in result.gs1_error and result.is_gs1 and not result.valid


def test_ean13_reads_as_gtin_item(pipeline: ScanPipeline) -> None:
    result = pipeline.scan(on_canvas(LABELS["EAN13"]().image))
    assert result is not None and result.gs1 is not None
    assert (result.symbology_id, result.gs1.gtin) == ("]E0", "04006381333931")


def test_code128_upright_90_degrees_needs_the_rotated_attempt(pipeline: ScanPipeline) -> None:
    frame = np.ascontiguousarray(np.rot90(on_canvas(LABELS["Code128"]().image)))
    assert not Decoder(attempts=("plain",), zbar_fallback=False).decode(frame).symbols
    result = pipeline.scan(frame)
    assert result is not None
    assert (result.text, result.attempt) == ("LOT-2024-0042", "rotated")
    assert [a.name for a in pipeline.last_decoding.attempts] == ["plain", "rotated"]


def test_datamatrix_turned_90_degrees_needs_the_rotated_attempt(pipeline: ScanPipeline) -> None:
    label = barcode_label("DataMatrix", SERIAL_HRI, gs1=True, scale=4)
    scene = np.full((480, 640, 3), 140, dtype=np.uint8)
    frame, _corners = place_label(label.image, scene, random.Random(3), module_px=3, label_module_px=4, angle_deg=90)
    assert not Decoder(attempts=("plain",), zbar_fallback=False).decode(to_gray(frame)).symbols
    result = pipeline.scan(frame)
    assert result is not None and result.gs1 is not None
    assert result.attempt == "rotated"


def test_white_on_black_label_needs_the_inverted_attempt(pipeline: ScanPipeline) -> None:
    frame = 255 - on_canvas(LABELS["QRCode"]().image)
    assert not Decoder(attempts=("plain", "rotated"), zbar_fallback=False).decode(frame).symbols
    result = pipeline.scan(frame)
    assert result is not None
    assert (result.text, result.attempt) == ("https://lotline.example/lots/42", "inverted")


def test_blank_frame_returns_none_after_every_attempt(pipeline: ScanPipeline) -> None:
    assert pipeline.scan(np.full((720, 1280), 200, dtype=np.uint8)) is None
    assert [a.name for a in pipeline.last_decoding.attempts] == ["plain", "rotated", "inverted", "contrast"]


def test_bytes_that_are_not_an_image_raise_scan_error_naming_the_problem(pipeline: ScanPipeline) -> None:
    with pytest.raises(ScanError, match="not an image OpenCV can decode"):
        pipeline.scan(b"\x00\x01garbage, not a JPEG")


def test_empty_frame_bytes_raise_scan_error(pipeline: ScanPipeline) -> None:
    with pytest.raises(ScanError, match="empty"):
        pipeline.scan(b"")


def test_float_array_raises_scan_error_naming_the_dtype(pipeline: ScanPipeline) -> None:
    with pytest.raises(ScanError, match="float64"):
        pipeline.scan(np.zeros((10, 10)))


def test_jpeg_bytes_from_the_camera_decode(pipeline: ScanPipeline) -> None:
    gray = on_canvas(barcode_label("DataMatrix", SERIAL_HRI, gs1=True, scale=5).image)
    frame = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
    ok, jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 80])
    assert ok
    result = pipeline.scan(jpeg.tobytes())
    assert result is not None and result.gs1 is not None and result.source == "camera"


def test_pil_image_decodes(pipeline: ScanPipeline) -> None:
    from PIL import Image

    result = pipeline.scan(Image.fromarray(on_canvas(LABELS["PDF417"]().image)).convert("RGB"))
    assert result is not None and result.format == "PDF417"


def test_large_frame_is_downscaled_and_corners_come_back_in_frame_pixels() -> None:
    label = barcode_label("QRCode", SERIAL_HRI, gs1=True, scale=12)
    frame = np.full((1440, 2560), 230, dtype=np.uint8)
    h, w = label.image.shape
    frame[1000 : 1000 + h, 2000 : 2000 + w] = label.image
    result = ScanPipeline(Decoder(zbar_fallback=False), max_side=1280, debounce_ms=0).scan(frame)
    assert result is not None and result.corners is not None
    x, y = result.corners[0]
    assert 1990 <= x <= 2000 + 12 * 5 and 990 <= y <= 1000 + 12 * 5  # inside the quiet zone + finder


@pytest.mark.skipif(not zbar_available(), reason="pyzbar fallback needs the zbar library (Debian libzbar0)")
@pytest.mark.parametrize("fmt", ["EAN13", "UPCA", "UPCE", "Code128", "QRCode"])
def test_zbar_fallback_reads_in_zxing_text_form_when_zxing_attempts_are_off(fmt: str) -> None:
    pipeline = ScanPipeline(Decoder(attempts=(), zbar_fallback=True), debounce_ms=0)
    label = LABELS[fmt]()
    result = pipeline.scan(on_canvas(label.image))
    assert result is not None
    assert (result.attempt, result.text) == ("zbar", label.expected_text)


@pytest.mark.skipif(not zbar_available(), reason="pyzbar fallback needs the zbar library (Debian libzbar0)")
def test_zbar_fallback_gs1_128_parses_without_an_aim_id() -> None:
    pipeline = ScanPipeline(Decoder(attempts=(), zbar_fallback=True), today=TODAY, debounce_ms=0)
    result = pipeline.scan(on_canvas(barcode_label("Code128", SERIAL_HRI, gs1=True, scale=3).image))
    assert result is not None and result.gs1 is not None
    assert result.gs1.serial == "SN0001"


@pytest.mark.skipif(zbar_available(), reason="checks the behaviour without the zbar library")
def test_requiring_zbar_without_its_library_fails_loudly() -> None:
    with pytest.raises(RuntimeError, match="zbar"):
        Decoder(zbar_fallback=True)

"""Typed and scanned codes say plainly what they identify."""

from __future__ import annotations

import datetime as dt

import pytest

from mobile.scanner import Decoder, ScanError, ScanPipeline

TODAY = dt.date(2026, 1, 15)


@pytest.fixture
def pipeline() -> ScanPipeline:
    return ScanPipeline(Decoder(zbar_fallback=False), today=TODAY)


def test_gtin_with_serial_is_a_serial(pipeline: ScanPipeline) -> None:
    result = pipeline.scan_text("]d2" + "0109506000134352" + "17271231" + "10LOT42\x1d21SN0001")
    assert result.summary() == {
        "kind": "serial",
        "gtin": "09506000134352",
        "serial": "SN0001",
        "lot": "LOT42",
        "expiry": dt.date(2027, 12, 31),
        "ais": {"01": "09506000134352", "17": "271231", "10": "LOT42", "21": "SN0001"},
    }
    assert result.symbology_id == "]d2" and result.text.startswith("0109")


def test_gtin_with_lot_is_a_lot(pipeline: ScanPipeline) -> None:
    summary = pipeline.scan_text("(01)09506000134352(10)LOT42").summary()
    assert (summary["kind"], summary["lot"], summary["expiry"]) == ("lot", "LOT42", None)


def test_gtin_alone_is_an_item(pipeline: ScanPipeline) -> None:
    assert pipeline.scan_text("0109506000134352").summary()["kind"] == "item"


def test_sscc_is_a_container(pipeline: ScanPipeline) -> None:
    summary = pipeline.scan_text("00106141411234567897").summary()
    assert (summary["kind"], summary["sscc"]) == ("container", "106141411234567897")


def test_gln_414_is_a_location(pipeline: ScanPipeline) -> None:
    summary = pipeline.scan_text("(414)9506000134352(254)BIN7").summary()
    assert (summary["kind"], summary["gln"], summary["extension"]) == ("location", "9506000134352", "BIN7")


def test_plain_text_is_a_code(pipeline: ScanPipeline) -> None:
    result = pipeline.scan_text("LOT-2024-0042", source="manual")
    assert result.summary() == {"kind": "code", "text": "LOT-2024-0042"}
    assert (result.gs1, result.gs1_error, result.source) == (None, None, "manual")


def test_untagged_ean13_from_a_wedge_is_an_item_not_ai_400(pipeline: ScanPipeline) -> None:
    summary = pipeline.scan_text("4006381333931\r\n").summary()
    assert (summary["kind"], summary["gtin"]) == ("item", "04006381333931")


def test_digital_link_uri_is_parsed(pipeline: ScanPipeline) -> None:
    summary = pipeline.scan_text("https://id.gs1.org/01/09506000134352/10/LOT42").summary()
    assert (summary["kind"], summary["lot"]) == ("lot", "LOT42")


def test_malformed_gs1_is_invalid_and_names_the_ai(pipeline: ScanPipeline) -> None:
    result = pipeline.scan_text("]C10109506000134353")
    summary = result.summary()
    assert summary["kind"] == "invalid" and "(01)" in summary["error"]
    assert result.gs1_error_code == "bad_check_digit"


def test_wrong_expiry_date_names_ai_17(pipeline: ScanPipeline) -> None:
    result = pipeline.scan_text("(01)09506000134352(17)271341")
    assert result.gs1_error is not None and "(17)" in result.gs1_error


def test_empty_typed_text_raises_scan_error(pipeline: ScanPipeline) -> None:
    with pytest.raises(ScanError, match="empty"):
        pipeline.scan_text("\r\n")


def test_scan_text_refuses_the_camera_source(pipeline: ScanPipeline) -> None:
    with pytest.raises(ScanError, match="'wedge' or 'manual'"):
        pipeline.scan_text("LOT-1", source="camera")


def test_typed_text_is_never_debounced(pipeline: ScanPipeline) -> None:
    assert pipeline.scan_text("LOT-1").text == pipeline.scan_text("LOT-1").text == "LOT-1"


def test_upc_e_typed_with_its_aim_id_expands_to_the_upc_a_gtin(pipeline: ScanPipeline) -> None:
    assert pipeline.scan_text("]E001234565").gs1.gtin == "00012345000065"

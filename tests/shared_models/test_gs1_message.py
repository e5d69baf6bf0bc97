"""GS1Message accessors, duplicate handling and the Gen Specs 4.14 pair rules."""

import datetime as dt

import pytest

from shared_models.gs1 import Element, GS1Error, GS1Message, parse

TODAY = dt.date(2025, 6, 1)
GTIN = "09506000134352"  # check digit 2 (sum 78)
SSCC = "106141412345678908"  # check digit 8 (sum 132)
GLN = "9521234000006"  # check digit 6 (sum 44)


def test_typed_helpers_of_a_trade_item_label():
    msg = parse("(01)09506000134352(11)250102(15)260300(17)261231(10)L1(21)S1", today=TODAY)
    assert (msg.gtin, msg.lot, msg.serial) == (GTIN, "L1", "S1")
    assert msg.production_date == dt.date(2025, 1, 2)
    assert msg.best_before == dt.date(2026, 3, 31)
    assert msg.expiry == dt.date(2026, 12, 31)


def test_expiry_keeps_raw_value_when_day_is_00():
    msg = parse(f"(01){GTIN}(17)260200", today=TODAY)
    assert (msg.get("17"), msg.expiry) == ("260200", dt.date(2026, 2, 28))


def test_logistic_label_sscc_content_and_count():
    msg = parse(f"(00){SSCC}(02){GTIN}(37)24", today=TODAY)
    assert (msg.sscc, msg.content, msg.quantity) == (SSCC, GTIN, 24)


def test_quantity_falls_back_to_variable_count_30():
    assert parse(f"(01){GTIN}(30)12", today=TODAY).quantity == 12


def test_gln_role_helpers():
    msg = parse(f"(410){GLN}(414){GLN}(417){GLN}", today=TODAY)
    assert msg.ship_to == msg.gln == msg.party == GLN


def test_absent_ai_gives_none_and_is_not_contained():
    msg = parse(f"(00){SSCC}(02){GTIN}(37)1(10)A", today=TODAY)
    assert msg.get("21") is None and msg.expiry is None and msg.gtin is None
    assert "10" in msg and "21" not in msg


def test_elements_stay_in_scan_order():
    msg = parse("(21)S(10)L(01)09506000134352", today=TODAY)
    assert [el.ai for el in msg.elements] == ["21", "10", "01"]
    assert list(msg.as_dict()) == ["21", "10", "01"]


def test_element_exposes_definition():
    assert parse(f"(01){GTIN}(10)A", today=TODAY).element("10").definition.data_title == "BATCH/LOT"


def test_same_ai_with_identical_value_is_kept_once():
    msg = parse(f"(01){GTIN}(10)A(21)B(10)A", today=TODAY)
    assert [el.ai for el in msg.elements] == ["01", "10", "21"]


def test_01_and_02_together_is_invalid_pair():
    with pytest.raises(GS1Error) as exc:
        parse(f"(01){GTIN}(02){GTIN}(37)5", today=TODAY)
    assert exc.value.code == "invalid_pair"
    assert "(01)" in str(exc.value) and "(02)" in str(exc.value)


def test_01_with_count_37_is_invalid_pair():
    with pytest.raises(GS1Error) as exc:
        parse(f"(01){GTIN}(37)5", today=TODAY)
    assert exc.value.code == "invalid_pair"


def test_serial_21_with_tpx_235_is_invalid_pair():
    with pytest.raises(GS1Error) as exc:
        parse(f"(01){GTIN}(21)1(235)X", today=TODAY)
    assert exc.value.code == "invalid_pair"


def test_02_without_37_is_missing_ai():
    with pytest.raises(GS1Error) as exc:
        parse(f"(00){SSCC}(02){GTIN}", today=TODAY)
    assert (exc.value.code, exc.value.ai) == ("missing_ai", "02")
    assert "(37)" in str(exc.value)


def test_37_without_02_is_missing_ai():
    with pytest.raises(GS1Error) as exc:
        parse(f"(00){SSCC}(37)5", today=TODAY)
    assert (exc.value.code, exc.value.ai) == ("missing_ai", "37")


def test_254_requires_414():
    with pytest.raises(GS1Error) as exc:
        parse("(254)X1", today=TODAY)
    assert exc.value.code == "missing_ai"


def test_message_constructed_from_pairs_validates_values():
    with pytest.raises(GS1Error):
        GS1Message((("01", "09506000134353"),))


def test_empty_message_is_rejected():
    with pytest.raises(GS1Error) as exc:
        GS1Message(())
    assert exc.value.code == "too_short"


def test_element_equality_ignores_derived_fields():
    assert Element("17", "251231", today=TODAY) == Element("17", "251231", today=dt.date(2030, 1, 1))


def test_glns_lists_every_gln_under_its_role():
    msg = parse(f"(410){GLN}(416){GLN}", today=TODAY)
    assert msg.glns() == {"ship_to": GLN, "production_location": GLN}

"""RFID labels: ZPL encodes the unit's EPC (^RS8 ^RFW,H) on RFID printers only, with the EPC Tag Data Standard's
worked examples as the bytes written, sent to a real TCP listener and compared byte for byte."""

from __future__ import annotations

import asyncio

import pytest

from backend.errors import InvalidInput
from backend.labels.worker import send_tcp
from backend.labels.zpl import render_zpl, rfid_write
from shared_models.epc import Epc96, parse_tag_uri
from shared_models.epc_gs1 import sgtin, sscc
from tests.backend.test_labels_printing import Listener, wait_until
from tests.backend.test_labels_render import laid_out

# TDS 2.x worked examples (the same as tests/shared_models/test_epc.py), filter value 3.
SGTIN_96 = "3074257BF7194E4000001A85"   # urn:epc:tag:sgtin-96:3.0614141.812345.6789
SSCC_96 = "3174257BF4499602D2000000"    # urn:epc:tag:sscc-96:3.0614141.1234567890


def test_the_tag_write_carries_the_tds_sgtin_96_and_sscc_96_hex() -> None:
    unit = Epc96(sgtin("80614141123458", "6789", 7), filter=3)       # (01)80614141123458(21)6789
    pallet = Epc96(sscc("106141412345678908", 7), filter=3)          # (00)106141412345678908
    assert rfid_write(unit) == f"^RS8^RFW,H,2,12,1^FD{SGTIN_96}^FS"
    assert rfid_write(pallet) == f"^RS8^RFW,H,2,12,1^FD{SSCC_96}^FS"
    assert parse_tag_uri("urn:epc:tag:sgtin-96:3.0614141.812345.6789") == unit


def test_an_rfid_printer_gets_one_tag_write_per_label_right_after_the_label_setup() -> None:
    layout = laid_out("product-datamatrix", 300)
    epc = Epc96(sgtin("80614141123458", "6789", 7), filter=3)
    plain = render_zpl([layout])
    tagged = render_zpl([layout], epcs=[epc])
    head = b"^XA^CI28^PW650^LL472^LH0,0"
    assert plain.startswith(head) and tagged.startswith(head)
    # Exactly the plain label with the tag write inserted after the setup: nothing else changes.
    assert tagged == head + f"^RS8^RFW,H,2,12,1^FD{SGTIN_96}^FS".encode("ascii") + plain[len(head):]
    assert tagged.count(b"^RFW") == 1


def test_a_non_rfid_printer_gets_no_tag_commands() -> None:
    layouts = [laid_out("gs1-logistic-sscc", 203)]
    for zpl in (render_zpl(layouts), render_zpl(layouts, epcs=None), render_zpl(layouts, epcs=[None])):
        assert b"^RFW" not in zpl and b"^RS" not in zpl


def test_a_batch_encodes_each_label_with_its_own_epc_in_order() -> None:
    layout = laid_out("gs1-logistic-sscc", 203)
    epcs = [Epc96(sscc("106141412345678908", 7), filter=3), None,
            Epc96(sgtin("80614141123458", "6790", 7), filter=3)]
    labels = render_zpl([layout] * 3, epcs=epcs).decode("utf-8").split("^XZ\n")[:-1]
    assert [label.count("^RFW") for label in labels] == [1, 0, 1]
    assert f"^FD{SSCC_96}^FS" in labels[0]
    assert "^FD3074257BF7194E4000001A86^FS" in labels[2]   # serial 6790 = 0x1A86


def test_rfid_labels_refuse_copies_and_a_wrong_number_of_epcs() -> None:
    layout = laid_out("gs1-logistic-sscc", 203)
    epc = Epc96(sscc("106141412345678908", 7), filter=3)
    with pytest.raises(InvalidInput, match=r"one tag per unit .* not 2 copies"):
        render_zpl([layout], copies=2, epcs=[epc])
    with pytest.raises(InvalidInput, match="1 EPCs for 2 labels"):
        render_zpl([layout, layout], epcs=[epc])


def test_the_tag_write_reaches_a_tcp_printer_byte_for_byte() -> None:
    payload = render_zpl([laid_out("gs1-logistic-sscc", 203)],
                         epcs=[Epc96(sscc("106141412345678908", 7), filter=3)])
    with Listener() as printer:
        asyncio.run(send_tcp("127.0.0.1", printer.port, payload, 5.0))
        wait_until(lambda: printer.received, "the printer to receive the label")
        assert printer.received == [payload]
    assert f"^RS8^RFW,H,2,12,1^FD{SSCC_96}^FS".encode("ascii") in payload

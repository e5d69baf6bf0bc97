"""A batch RFID read: many hex EPC lines at once become the distinct EPCs seen, with every bad line named."""

from __future__ import annotations

import pytest

from shared_models.epc import EpcError, parse_tag_uri
from shared_models.epc_reads import read_batch

SGTIN = "3074257BF7194E4000001A85"   # TDS worked examples
SSCC = "3174257BF4499602D2000000"


def test_repeats_count_once_in_first_read_order_with_reader_fields_after_the_epc() -> None:
    output = f"{SSCC}\r\n{SGTIN},ant=1,rssi=-52\n\n{SSCC.lower()}\t2\nurn:epc:tag:sgtin-96:3.0614141.812345.6789\n"
    batch = read_batch(output)
    assert [e.to_hex() for e in batch.epcs] == [SSCC, SGTIN]
    assert (batch.reads, batch.bad) == (4, ())
    assert batch.identities[1] == parse_tag_uri("urn:epc:tag:sgtin-96:3.0614141.812345.6789").identity


def test_bad_lines_are_named_by_number_and_reason_and_the_good_ones_kept() -> None:
    batch = read_batch([SGTIN, "3074257BF7194E4000001A8", "FF74257BF7194E4000001A85", "hello"])
    assert [e.to_hex() for e in batch.epcs] == [SGTIN]
    assert [(b.line, b.code) for b in batch.bad] == [(2, "bad_hex"), (3, "unknown_header"), (4, "bad_hex")]
    assert "not 24 hex digits" in batch.bad[0].reason


def test_a_read_too_large_is_refused_whole() -> None:
    with pytest.raises(EpcError, match="3 lines in one batch read; at most 2") as caught:
        read_batch([SGTIN] * 3, max_lines=2)
    assert caught.value.code == "batch_too_large"

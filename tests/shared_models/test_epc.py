"""EPC Tag Data Standard: SGTIN-96, SSCC-96, SGLN-96, GRAI-96 binary ↔ tag URI ↔ pure identity ↔ GS1 keys.

The four vectors are the TDS's worked examples (company prefix 0614141, filter 3, partition 5). Each was checked
bit by bit from the partition tables before use; for SGTIN-96:
  0x30 | filter 011 | partition 101 | 0614141 in 24 bits 0000 1001 0101 1110 1111 1101
       | 812345 in 20 bits 1100 0110 0101 0011 1001 | 6789 in 38 bits
  = 0011 0000 0111 0100 0010 0101 0111 1011 1111 0111 0001 1001 0100 1110 01|00 0000 … 0001 1010 1000 0101
  = 30 74 25 7B F7 19 4E 40 00 00 1A 85.
SSCC-96 puts 1234567890 in 34 bits and 24 zero bits after it; SGLN-96 12345 in 17 bits and the extension 5678
in 41; GRAI-96 12345 in 20 bits and the serial 5678 in 38.
"""

from __future__ import annotations

import pytest

from shared_models.epc import (
    SCHEMES,
    Epc96,
    EpcError,
    EpcIdentity,
    EpcKind,
    decode_hex,
    decode_int,
    parse_epc,
    parse_identity_uri,
    parse_tag_uri,
)
from shared_models.epc_gs1 import gs1_elements, gs1_message, identity_of, sgln, sgtin, sscc
from shared_models.gs1 import parse

VECTORS = [
    ("3074257BF7194E4000001A85", "urn:epc:tag:sgtin-96:3.0614141.812345.6789",
     "urn:epc:id:sgtin:0614141.812345.6789", [("01", "80614141123458"), ("21", "6789")]),
    ("3174257BF4499602D2000000", "urn:epc:tag:sscc-96:3.0614141.1234567890",
     "urn:epc:id:sscc:0614141.1234567890", [("00", "106141412345678908")]),
    ("3274257BF46072000000162E", "urn:epc:tag:sgln-96:3.0614141.12345.5678",
     "urn:epc:id:sgln:0614141.12345.5678", [("414", "0614141123452"), ("254", "5678")]),
    ("3374257BF40C0E400000162E", "urn:epc:tag:grai-96:3.0614141.12345.5678",
     "urn:epc:id:grai:0614141.12345.5678", [("8003", "006141411234525678")]),
]


@pytest.mark.parametrize(("hexa", "tag", "pure", "keys"), VECTORS)
def test_tds_worked_examples_decode(hexa: str, tag: str, pure: str, keys: list[tuple[str, str]]) -> None:
    epc = decode_hex(hexa)
    assert (epc.tag_uri, epc.identity.uri, gs1_elements(epc)) == (tag, pure, keys)


@pytest.mark.parametrize(("hexa", "tag", "pure", "keys"), VECTORS)
def test_tds_worked_examples_encode(hexa: str, tag: str, pure: str, keys: list[tuple[str, str]]) -> None:
    assert parse_tag_uri(tag).to_hex() == hexa
    assert Epc96(parse_identity_uri(pure), filter=3).to_hex() == hexa
    assert Epc96(identity_of(parse("".join(f"({a}){v}" for a, v in keys)), 7), filter=3).to_hex() == hexa


def test_a_readers_line_in_lower_case_with_blanks_decodes() -> None:
    assert decode_hex("  3074257bf7194e4000001a85\n").identity.serial == "6789"
    assert parse_epc("3074257BF7194E4000001A85") == parse_epc("urn:epc:tag:sgtin-96:3.0614141.812345.6789")


def test_gtin_and_serial_map_to_the_sgtin_with_the_indicator_digit_first() -> None:
    assert sgtin("80614141123458", "6789", 7).uri == "urn:epc:id:sgtin:0614141.812345.6789"
    assert sgtin("0614141123452", "1", 7).uri == "urn:epc:id:sgtin:0614141.012345.1"   # a GTIN-13


def test_sscc_and_gln_map_back() -> None:
    assert sscc("106141412345678908", 7).uri == "urn:epc:id:sscc:0614141.1234567890"
    assert sgln("0614141123452", 7).uri == "urn:epc:id:sgln:0614141.12345.0"
    assert gs1_elements(sgln("0614141123452", 7)) == [("414", "0614141123452")]  # extension 0: the GLN alone


@pytest.mark.parametrize("kind", list(EpcKind))
@pytest.mark.parametrize("cp_digits", range(6, 13))
def test_every_partition_round_trips_at_its_largest_values(kind: EpcKind, cp_digits: int) -> None:
    scheme = SCHEMES[kind]
    partition = next(p for p, row in enumerate(scheme.partitions) if row[1] == cp_digits)
    _cp_bits, _digits, _ref_bits, ref_digits = scheme.partitions[partition]
    serial = {EpcKind.SSCC: "", EpcKind.SGLN: str(2**41 - 1)}.get(kind, str(2**38 - 1))
    epc = Epc96(EpcIdentity(kind, "9" * cp_digits, "9" * ref_digits, serial), filter=7)
    value = epc.to_int()
    assert value >> 88 == scheme.header and (value >> 82) & 7 == partition
    assert decode_hex(epc.to_hex()) == epc
    assert parse_tag_uri(epc.tag_uri) == epc
    assert parse_identity_uri(epc.identity.uri) == epc.identity
    assert gs1_message(epc)  # a valid GS1 key (check digits, lengths)


def test_partition_tables_add_up() -> None:
    totals = {EpcKind.SGTIN: (44, 13), EpcKind.SSCC: (58, 17), EpcKind.SGLN: (41, 12), EpcKind.GRAI: (44, 12)}
    for kind, scheme in SCHEMES.items():
        assert len(scheme.partitions) == 7
        for cp_bits, cp_digits, ref_bits, ref_digits in scheme.partitions:
            assert (cp_bits + ref_bits, cp_digits + ref_digits) == totals[kind]
            assert 10**cp_digits <= 2**cp_bits and 10**ref_digits <= 2**ref_bits
        assert 8 + 3 + 3 + totals[kind][0] + scheme.tail_bits == 96


def test_alphanumeric_serials_are_pure_identities_but_not_96_bit_tags() -> None:
    ident = parse_identity_uri("urn:epc:id:sgtin:0614141.812345.A%2FB%25")
    assert ident.serial == "A/B%"
    assert ident.uri == "urn:epc:id:sgtin:0614141.812345.A%2FB%25"
    with pytest.raises(EpcError, match="sgtin-198"):
        Epc96(ident)


@pytest.mark.parametrize(("serial", "code"), [("0123", "not_encodable"), (str(2**38), "not_encodable")])
def test_serials_96_bits_cannot_carry(serial: str, code: str) -> None:
    with pytest.raises(EpcError) as info:
        Epc96(EpcIdentity(EpcKind.SGTIN, "0614141", "812345", serial))
    assert info.value.code == code


@pytest.mark.parametrize(("text", "code"), [
    ("3074257BF7194E4000001A8", "bad_hex"),                      # 23 digits
    ("3574257BF7194E4000001A85", "unknown_header"),              # 0x35: not a scheme here
    ("307C257BF7194E4000001A85", "bad_partition"),               # partition 7
    ("urn:epc:tag:sgtin-96:8.0614141.812345.6789", "bad_filter"),
    ("urn:epc:tag:sgtin-64:3.0614141.812345.6789", "unknown_scheme"),
    ("urn:epc:tag:sgtin-96:3.0614141.81234.6789", "bad_reference"),  # 7 + 5 digits is not 13
    ("urn:epc:id:sgtin:06141.8123456.6789", "bad_company_prefix"),
    ("urn:epc:id:sscc:0614141.1234567890.1", "bad_uri"),
    ("urn:epc:id:gid:95100000.12345.400", "unknown_scheme"),
])
def test_bad_epcs_are_refused_with_a_code(text: str, code: str) -> None:
    with pytest.raises(EpcError) as info:
        parse_epc(text)
    assert info.value.code == code


def test_a_company_prefix_with_more_digits_than_its_partition_is_refused() -> None:
    # SGTIN-96, partition 6 (6-digit prefix in 20 bits): 2^20-1 = 1048575 has 7 digits.
    value = (0x30 << 88) | (6 << 82) | ((2**20 - 1) << 62)
    with pytest.raises(EpcError, match="more digits than partition 6"):
        decode_int(value)

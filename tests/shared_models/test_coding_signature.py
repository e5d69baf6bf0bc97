"""(8030) signatures checked offline, as the handheld does: genuine, forged, unknown key, revoked, unsigned; every
scanner form; rotation; the exact string that is signed."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared_models.coding import (
    SIGNATURE_AI,
    VALUE_CHARS,
    KeyStatus,
    PublicKey,
    Verdict,
    b64url,
    canonical_string,
    from_b64url,
    key_id,
    signed_bytes,
    signed_message,
    verify_code,
)
from shared_models.gs1 import CSET64, GS1Error, GS1Message, build_digital_link, parse, parse_digital_link

# RFC 8032 section 7.1, TEST 1: the algorithm is plain Ed25519 (not Ed25519ph or ctx).
RFC_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
RFC_SIGNATURE = bytes.fromhex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e"
                              "39701cf9b46bd25bf5f0595bbe24655141438e7a100b")
METER = (("01", "06901234000016"), ("10", "L7"), ("21", "SN0001"))


def private(seed: int) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32)


def public(key: Ed25519PrivateKey, status: KeyStatus = KeyStatus.ACTIVE) -> PublicKey:
    kid = key_id(key.public_key())
    return PublicKey(kid, b64url(key.public_key().public_bytes_raw()), status)


def keyring(*keys: PublicKey) -> dict[str, PublicKey]:
    return {k.kid: k for k in keys}


def signed(key: Ed25519PrivateKey, elements: tuple[tuple[str, str], ...] = METER) -> GS1Message:
    return signed_message(GS1Message(elements), key)  # type: ignore[arg-type]


A, B = private(1), private(2)


def test_the_algorithm_is_rfc_8032_ed25519() -> None:
    key = Ed25519PrivateKey.from_private_bytes(RFC_SECRET)
    assert key.public_key().public_bytes_raw() == RFC_PUBLIC
    assert key.sign(b"") == RFC_SIGNATURE


def test_the_signature_value_is_key_id_then_86_characters_within_90() -> None:
    value = signed(A).get(SIGNATURE_AI) or ""
    assert len(value) == VALUE_CHARS == 90
    assert set(value) <= CSET64
    assert value[:4] == key_id(A.public_key())
    assert len(from_b64url(value[4:])) == 64


def test_what_is_signed_is_the_key_id_and_the_covered_elements_in_ai_order() -> None:
    code = signed(A, (("01", "06901234000016"), ("21", "A(21)B"), ("10", "L7"), ("400", "PO-9")))
    canonical = "(01)06901234000016(10)L7(21)A\\(21)B"   # (400) is not covered; "(" before digits is escaped
    assert canonical_string(code) == canonical
    kid, signature = (code.get(SIGNATURE_AI) or "")[:4], (code.get(SIGNATURE_AI) or "")[4:]
    A.public_key().verify(from_b64url(signature), signed_bytes(kid, canonical))
    assert signed_bytes(kid, canonical) == (kid + canonical).encode()


def test_signatures_are_deterministic() -> None:
    assert signed(A).hri() == signed(A).hri()


@pytest.mark.parametrize("form", ["hri", "raw", "aim", "digital_link"])
def test_a_genuine_code_reads_genuine_in_every_scanner_form(form: str) -> None:
    code = signed(A)
    text = {"hri": code.hri(), "raw": code.to_raw(), "aim": "]d2" + code.to_raw(),
            "digital_link": build_digital_link(code, "https://id.example.com")}[form]
    check = verify_code(text, keyring(public(A)))
    assert (check.verdict, check.kid) == (Verdict.GENUINE, key_id(A.public_key())), check.reason


def test_an_sscc_signs_alone() -> None:
    assert verify_code(signed(A, (("00", "106141412345678908"),)), keyring(public(A))).genuine


def test_the_digital_link_carries_the_signature_and_parses_back() -> None:
    link = build_digital_link(signed(A), "https://id.example.com")
    assert f"?{SIGNATURE_AI}=" in link
    assert parse_digital_link(link).message.get(SIGNATURE_AI) == signed(A).get(SIGNATURE_AI)


@pytest.mark.parametrize(("ai", "value"), [("21", "SN0002"), ("10", "L8"), ("01", "06901234000023")])
def test_a_changed_covered_element_is_forged(ai: str, value: str) -> None:
    tampered = [(e.ai, value if e.ai == ai else e.value) for e in signed(A).elements]
    check = verify_code(GS1Message(tuple(tampered)), keyring(public(A)))  # type: ignore[arg-type]
    assert check.verdict is Verdict.FORGED
    assert value in (check.canonical or "")


def test_a_removed_lot_is_forged_and_an_added_uncovered_element_is_not() -> None:
    code = signed(A)
    without_lot = GS1Message(tuple(e for e in code.elements if e.ai != "10"))
    with_order = GS1Message((*code.elements, ("400", "PO-9")))  # type: ignore[arg-type]
    assert verify_code(without_lot, keyring(public(A))).verdict is Verdict.FORGED
    assert verify_code(with_order, keyring(public(A))).verdict is Verdict.GENUINE


def test_a_signature_copied_to_another_serial_is_forged() -> None:
    other = signed(A, (("01", "06901234000016"), ("10", "L7"), ("21", "SN0002")))
    copied = parse(other.hri().replace("SN0002", "SN0001"))
    assert verify_code(copied, keyring(public(A))).verdict is Verdict.FORGED


def test_a_signature_by_another_key_under_a_known_key_id_is_forged() -> None:
    by_b = signed(B).get(SIGNATURE_AI) or ""
    claimed = key_id(A.public_key()) + by_b[4:]
    code = GS1Message((*METER, (SIGNATURE_AI, claimed)))  # type: ignore[arg-type]
    assert verify_code(code, keyring(public(A), public(B))).verdict is Verdict.FORGED


def test_a_key_the_device_does_not_hold_is_unknown() -> None:
    check = verify_code(signed(B), keyring(public(A)))
    assert (check.verdict, check.kid) == (Verdict.UNKNOWN_KEY, key_id(B.public_key()))
    assert "sync the keys" in check.reason


def test_a_revoked_key_reads_revoked_and_a_retired_one_still_genuine() -> None:
    assert verify_code(signed(A), keyring(public(A, KeyStatus.REVOKED))).verdict is Verdict.REVOKED
    assert verify_code(signed(A), keyring(public(A, KeyStatus.RETIRED))).verdict is Verdict.GENUINE


def test_rotation_keeps_old_codes_genuine_and_signs_new_ones_with_the_new_key() -> None:
    old_code = signed(A)
    keys = keyring(public(A, KeyStatus.RETIRED), public(B))
    new_code = signed(B)
    assert verify_code(old_code, keys).genuine and verify_code(new_code, keys).genuine
    assert (old_code.get(SIGNATURE_AI) or "")[:4] != (new_code.get(SIGNATURE_AI) or "")[:4]


def test_a_forged_signature_of_a_revoked_key_is_forged_not_revoked() -> None:
    code = parse(signed(A).hri().replace("SN0001", "SN0009"))
    assert verify_code(code, keyring(public(A, KeyStatus.REVOKED))).verdict is Verdict.FORGED


def test_keys_as_synced_json_work_too() -> None:
    key = public(A)
    synced = {key.kid: {"public_key": key.public_key, "status": "revoked"}}
    assert verify_code(signed(A), synced).verdict is Verdict.REVOKED


def test_a_code_without_8030_is_unsigned() -> None:
    check = verify_code("(01)06901234000016(21)SN0001", keyring(public(A)))
    assert (check.verdict, check.kid) == (Verdict.UNSIGNED, None)


@pytest.mark.parametrize("value", ["short", "x" * 89])
def test_a_signature_of_the_wrong_length_is_forged(value: str) -> None:
    code = GS1Message((*METER, (SIGNATURE_AI, value)))  # type: ignore[arg-type]
    assert verify_code(code, keyring(public(A))).verdict is Verdict.FORGED


def test_a_signature_with_stray_low_bits_in_its_last_character_is_forged() -> None:
    """86 characters carry 516 bits for 64 bytes: the last character's 4 spare bits must be zero, as a signer makes
    them, or one signature would have 16 spellings."""
    value = signed(A).get(SIGNATURE_AI) or ""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    twisted = value[:-1] + alphabet[alphabet.index(value[-1]) ^ 1]
    assert from_b64url(twisted[4:]) == from_b64url(value[4:])
    code = GS1Message((*METER, (SIGNATURE_AI, twisted)))  # type: ignore[arg-type]
    assert verify_code(code, keyring(public(A))).verdict is Verdict.FORGED


def test_8030_needs_a_serialised_key() -> None:
    with pytest.raises(GS1Error, match="8030"):
        signed(A, (("01", "06901234000016"), ("10", "L7")))


def test_unreadable_text_raises_rather_than_answering() -> None:
    with pytest.raises(GS1Error):
        verify_code("(01)06901234000017(21)X", keyring(public(A)))

"""Signed anti-diversion codes in GS1 AI (8030) (DIGSIG), Ed25519, checked the same way by the server and, offline,
by the handheld. Pure: no I/O; the caller hands over the public keys it holds.

What is signed, exactly:
- The *canonical element string* of a unit: the elements of SIGNED_AIS present in the code, in ascending AI order,
  written "(AI)value" with a "(" in a value that would read as an AI written "\\(" (GS1 HRI escaping), e.g.
  "(01)06901234000016(10)L7(21)SN0001". Other AIs on the same label (a count, a price) are not covered.
- The signed message is the UTF-8 bytes of the key id followed by that string: "k3Y_(01)06901234000016(21)SN0001".
- The (8030) value is the 4-character key id then the 64-byte signature in URL-safe base64 without padding
  (86 characters): 90 characters, all in GS1 CSET 64, the most (8030) holds. So the key id travels inside the
  signature element, and a verifier needs nothing but the code and the public keys.
A key id is the first 3 bytes of SHA-256 over the raw 32-byte public key, URL-safe base64 (4 characters).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from shared_models.gs1 import GS1Message, parse_any
from shared_models.gs1.message import escape_hri_value

SIGNATURE_AI = "8030"
KID_CHARS = 4
SIGNATURE_CHARS = 86   # 64 bytes, URL-safe base64, unpadded
VALUE_CHARS = KID_CHARS + SIGNATURE_CHARS
# The serialised keys (8030) may sign (GS1 Barcode Syntax Dictionary, 8030 req=) and the attributes a diverter
# would want to change: lot, production date, expiry.
SIGNED_AIS = frozenset({"00", "01", "03", "10", "11", "17", "21", "253", "255", "8003", "8004", "8006", "8010",
                        "8011", "8017", "8018"})


class KeyStatus(StrEnum):
    ACTIVE = "active"      # signs new codes, verifies
    RETIRED = "retired"    # rotated out: verifies codes it signed, signs nothing new
    REVOKED = "revoked"    # compromised or withdrawn: what it signed is answered "revoked"


class Verdict(StrEnum):
    GENUINE = "genuine"
    FORGED = "forged"            # a signature that does not match the code (tampered, or made with another key)
    UNKNOWN_KEY = "unknown_key"  # signed with a key this verifier has not got (sync the keys, or a fake)
    REVOKED = "revoked"          # a correct signature by a revoked key
    UNSIGNED = "unsigned"        # the code carries no (8030)


@dataclass(frozen=True, slots=True)
class PublicKey:
    """A verifying key as the server lists it: raw Ed25519 public key, URL-safe base64 (43 characters)."""

    kid: str
    public_key: str
    status: KeyStatus = KeyStatus.ACTIVE

    @classmethod
    def of(cls, kid: str, value: PublicKey | Mapping[str, str]) -> PublicKey:
        if isinstance(value, PublicKey):
            return value
        return cls(kid, value["public_key"], KeyStatus(value.get("status", KeyStatus.ACTIVE)))


@dataclass(frozen=True, slots=True)
class SignatureCheck:
    verdict: Verdict
    reason: str                    # a sentence the verify screen shows
    kid: str | None = None
    canonical: str | None = None   # what the signature covers

    @property
    def genuine(self) -> bool:
        return self.verdict is Verdict.GENUINE


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def from_b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_id(public_key: Ed25519PublicKey | bytes) -> str:
    raw = public_key if isinstance(public_key, bytes) else public_key.public_bytes_raw()
    return b64url(hashlib.sha256(raw).digest()[:3])


def canonical_string(message: GS1Message) -> str:
    """The signed elements of a code, in the fixed order described above; raises ValueError when none is there."""
    signed = sorted((el for el in message.elements if el.ai in SIGNED_AIS), key=lambda el: el.ai)
    if not signed:
        raise ValueError("the code carries no element a signature covers (a serialised GS1 key)")
    return "".join(f"({el.ai}){escape_hri_value(el.value)}" for el in signed)


def signed_bytes(kid: str, canonical: str) -> bytes:
    return (kid + canonical).encode("utf-8")


def signature_value(message: GS1Message, private_key: Ed25519PrivateKey) -> str:
    """The (8030) value for a code (its elements without an 8030): key id + signature, 90 characters."""
    kid = key_id(private_key.public_key())
    signature = private_key.sign(signed_bytes(kid, canonical_string(message)))
    return kid + b64url(signature)


def signed_message(message: GS1Message, private_key: Ed25519PrivateKey) -> GS1Message:
    """The code with its (8030) appended (any (8030) it carried is replaced)."""
    bare = tuple(el for el in message.elements if el.ai != SIGNATURE_AI)
    unsigned = GS1Message(bare, associations=False)
    return GS1Message((*bare, (SIGNATURE_AI, signature_value(unsigned, private_key))))  # type: ignore[arg-type]


def verify_code(code: str | GS1Message, keys: Mapping[str, PublicKey | Mapping[str, str]]) -> SignatureCheck:
    """Genuine / forged / unknown key / revoked / unsigned for a scanned code (element string in any scanner form,
    or a Digital Link URI), against the public keys the caller holds, by key id. Raises GS1Error when the text is
    not a valid GS1 code at all (the scan itself is unreadable, which says nothing about a signature)."""
    message = code if isinstance(code, GS1Message) else parse_any(code)
    value = message.get(SIGNATURE_AI)
    if value is None:
        return SignatureCheck(Verdict.UNSIGNED, "The code carries no digital signature (8030).")
    canonical = canonical_string(message)
    if len(value) != VALUE_CHARS:
        return SignatureCheck(Verdict.FORGED, f"The signature has {len(value)} characters, not {VALUE_CHARS}: it was "
                              "not made by Lotline.", canonical=canonical)
    kid, signature = value[:KID_CHARS], value[KID_CHARS:]
    if kid not in keys:
        return SignatureCheck(Verdict.UNKNOWN_KEY, f"Signed with key {kid}, which this device does not hold: sync "
                              "the keys, or treat the product as suspect.", kid, canonical)
    key = PublicKey.of(kid, keys[kid])
    try:
        raw = from_b64url(signature)
        if b64url(raw) != signature:  # the last character's unused bits set: not the encoding a signer makes
            raise InvalidSignature
        Ed25519PublicKey.from_public_bytes(from_b64url(key.public_key)).verify(raw, signed_bytes(kid, canonical))
    except (InvalidSignature, ValueError):
        return SignatureCheck(Verdict.FORGED, f"The signature does not match {canonical}: the code was altered or "
                              "copied from another product.", kid, canonical)
    if key.status is KeyStatus.REVOKED:
        return SignatureCheck(Verdict.REVOKED, f"The signature is correct but key {kid} has been revoked: the code "
                              "may have been made with a stolen key.", kid, canonical)
    return SignatureCheck(Verdict.GENUINE, f"Signature by key {kid} matches {canonical}.", kid, canonical)


__all__ = [
    "KID_CHARS", "SIGNATURE_AI", "SIGNED_AIS", "VALUE_CHARS", "KeyStatus", "PublicKey", "SignatureCheck", "Verdict",
    "b64url", "canonical_string", "from_b64url", "key_id", "signature_value", "signed_bytes", "signed_message",
    "verify_code",
]

"""Signing keys for access tokens: RS256 key pairs with stable key ids, published as a JWKS.

Rotation adds a new key that signs from then on; older keys keep verifying until retired, so devices
holding tokens signed by them stay logged in.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass(frozen=True, slots=True)
class SigningKey:
    kid: str
    private_pem: bytes

    @property
    def private_key(self) -> rsa.RSAPrivateKey:
        return _parsed(self.private_pem)

    def public_jwk(self) -> dict[str, Any]:
        numbers = self.private_key.public_key().public_numbers()
        return {"kty": "RSA", "alg": "RS256", "use": "sig", "kid": self.kid,
                "n": _b64url_uint(numbers.n), "e": _b64url_uint(numbers.e)}


@functools.lru_cache(maxsize=16)
def _parsed(pem: bytes) -> rsa.RSAPrivateKey:
    """Parsing a PEM key costs ~36 ms; every authenticated request needs it, so each key is parsed once."""
    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def _new_key() -> SigningKey:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return SigningKey(kid=hashlib.sha256(der).hexdigest()[:16], private_pem=pem)


class KeyRing:
    """Keys kept in `<data>/keys/`, newest first; the first one signs."""

    def __init__(self, directory: Path) -> None:
        self._dir = directory
        self._keys: list[SigningKey] = []
        self._load()
        if not self._keys:
            self.rotate()

    def _load(self) -> None:
        index = self._dir / "index.json"
        if not index.exists():
            return
        kids = json.loads(index.read_text())
        self._keys = [SigningKey(kid, (self._dir / f"{kid}.pem").read_bytes()) for kid in kids]

    def _save(self) -> None:
        self._dir.mkdir(parents=True, exist_ok=True)
        for key in self._keys:
            path = self._dir / f"{key.kid}.pem"
            if not path.exists():
                path.write_bytes(key.private_pem)
                path.chmod(0o600)
        (self._dir / "index.json").write_text(json.dumps([k.kid for k in self._keys]))

    @property
    def current(self) -> SigningKey:
        return self._keys[0]

    def get(self, kid: str) -> SigningKey | None:
        return next((k for k in self._keys if k.kid == kid), None)

    def rotate(self) -> SigningKey:
        key = _new_key()
        self._keys.insert(0, key)
        self._save()
        return key

    def retire(self, kid: str) -> None:
        if kid == self.current.kid:
            raise ValueError("the current signing key cannot be retired; rotate first")
        self._keys = [k for k in self._keys if k.kid != kid]
        self._save()

    def jwks(self) -> dict[str, Any]:
        return {"keys": [k.public_jwk() for k in self._keys]}

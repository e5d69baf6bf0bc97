"""The private halves of code-signing keys: one PKCS#8 PEM file per key under <data>/code-keys/, readable by the
server's user only (as backend/auth/keys.py keeps the token keys). The database holds the public halves."""

from __future__ import annotations

import functools
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from backend.coding.errors import SigningKeyMissing
from shared_models.coding import from_b64url


class CodeKeyStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, kid: str) -> Path:
        # Key ids are case-sensitive base64; file names on some file systems are not: name files by the id's bytes.
        return self.directory / f"{from_b64url(kid).hex()}.pem"

    def save(self, kid: str, key: Ed25519PrivateKey) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.directory.chmod(0o700)
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        path = self.path(kid)
        partial = path.with_suffix(".tmp")
        partial.write_bytes(pem)
        partial.chmod(0o600)
        partial.replace(path)  # never a half-written key under its real name

    def load(self, kid: str) -> Ed25519PrivateKey:
        """Raises SigningKeyMissing when this server's data folder lacks the key (another server made it)."""
        path = self.path(kid)
        try:
            return _parsed(path.read_bytes())
        except FileNotFoundError as exc:
            raise SigningKeyMissing(f"Signing key {kid} is not in {self.directory} on this server: copy the key "
                                    "folder from the server that made it, or rotate.", kid=kid) from exc


@functools.lru_cache(maxsize=16)
def _parsed(pem: bytes) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, Ed25519PrivateKey)
    return key

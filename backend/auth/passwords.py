"""Password hashing with argon2id (argon2-cffi), rehashing when parameters move on."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
_decoys: dict[int, str] = {}  # id(hasher) -> a hash of a random secret, made with that hasher's parameters


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise ValueError("a password needs at least 8 characters")
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def verify_decoy(password: str) -> None:
    """The work of one verification against a hash of a random secret (always fails). A log-in for an unknown or
    inactive user calls it, so it answers as slowly as a wrong password: the time taken does not tell an attacker
    which usernames exist."""
    decoy = _decoys.get(id(_hasher))
    if decoy is None:
        decoy = _decoys[id(_hasher)] = _hasher.hash(secrets.token_urlsafe(24))
    verify_password(decoy, password)

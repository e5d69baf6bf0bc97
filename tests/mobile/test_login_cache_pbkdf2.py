"""The offline log-in's password hash in a browser: Pyodide's hashlib has no pbkdf2_hmac (no OpenSSL), so the same
PBKDF2-HMAC-SHA256 runs in Python there; it must give hashlib's answer."""

from __future__ import annotations

import hashlib

import pytest

from mobile.viewmodels.context import pbkdf2_sha256_in_python


@pytest.mark.parametrize("password", [b"lotline-demo", b"", "密码".encode() * 30])  # short, empty, longer than a block
def test_pbkdf2_in_python_gives_hashlibs_answer(password: bytes) -> None:
    assert pbkdf2_sha256_in_python(password, b"0123456789abcdef", 1000) == \
        hashlib.pbkdf2_hmac("sha256", password, b"0123456789abcdef", 1000)

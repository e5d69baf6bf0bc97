"""Passwords are hashed with argon2id at RFC 9106's parameters: the suite's cheap hasher never reaches production."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from argon2 import PasswordHasher, Type, extract_parameters, profiles

ROOT = Path(__file__).resolve().parents[2]


def test_production_hashes_with_rfc_9106_low_memory_argon2id_and_rehashes_weaker_hashes() -> None:
    # A fresh interpreter, as the server starts: tests/conftest.py swaps in a cheap hasher for the suite only.
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("correct horse")
    code = ("import json, sys; from backend.auth.passwords import hash_password, needs_rehash, verify_password; "
            "h = hash_password('correct horse'); "
            "print(json.dumps([h, verify_password(h, 'correct horse'), needs_rehash(h), needs_rehash(sys.argv[1])]))")
    done = subprocess.run([sys.executable, "-c", code, weak], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    hashed, verifies, strong_needs_rehash, weak_needs_rehash = json.loads(done.stdout)
    params = extract_parameters(hashed)
    assert params == profiles.RFC_9106_LOW_MEMORY
    assert (params.type, params.time_cost, params.memory_cost, params.parallelism) == (Type.ID, 3, 64 * 1024, 4)
    assert (verifies, strong_needs_rehash, weak_needs_rehash) == (True, False, True)


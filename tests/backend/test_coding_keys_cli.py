"""`lotline code-keys list|create|rotate|revoke` on a real SQLite data folder: clear output, clear refusals, keys
that a server then signs and verifies with, and every change in the audit trail as the system's."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from backend.audit.models import AuditEntry
from backend.auth.principal import SYSTEM
from backend.cli.main import app
from backend.coding.signing_service import SigningService
from backend.db import make_engine
from shared_models.gs1 import GS1Message

runner = CliRunner()
# PostgreSQL: these commands share every line with the API's SigningService, tested on both databases in
# test_coding_api.py; here the command line itself is under test, on the embedded database it defaults to.


@pytest.fixture
def data(tmp_path: Path) -> Path:
    result = runner.invoke(app, ["db", "upgrade", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    return tmp_path


def cli(data: Path, *args: str) -> Any:
    return runner.invoke(app, ["code-keys", *args, "--data-dir", str(data)], env={"COLUMNS": "200"})


def listed(data: Path) -> list[dict[str, Any]]:
    result = cli(data, "list", "--json")
    assert result.exit_code == 0, result.output
    return list(json.loads(result.output))


def test_create_rotate_and_list_say_which_key_signs(data: Path) -> None:
    empty = cli(data, "list")
    assert empty.exit_code == 0 and "No code-signing keys yet" in empty.output
    first = cli(data, "create", "--json")
    assert first.exit_code == 0, first.output
    kid = json.loads(first.output)["kid"]
    [key] = listed(data)
    assert (key["kid"], key["status"], key["private_key_here"]) == (kid, "active", True)
    [pem] = (data / "code-keys").glob("*.pem")
    assert stat.S_IMODE(pem.stat().st_mode) == 0o600
    again = cli(data, "create")
    assert again.exit_code == 1 and f"key_exists: code key {kid} signs already" in again.output
    rotated = cli(data, "rotate")
    assert rotated.exit_code == 0, rotated.output
    new = listed(data)[0]["kid"]
    assert f"Now signing codes with key {new}; key {kid} is retired" in rotated.output
    assert {k["kid"]: k["status"] for k in listed(data)} == {new: "active", kid: "retired"}
    table = cli(data, "list")
    assert table.exit_code == 0 and new in table.output and "retired" in table.output


def test_revoke_needs_a_reason_names_an_unknown_key_and_makes_its_codes_verify_revoked(data: Path) -> None:
    assert cli(data, "create").exit_code == 0
    [key] = listed(data)
    engine = make_engine(f"sqlite:///{data / 'lotline.db'}")
    with Session(engine) as session:
        signing = SigningService(session, SYSTEM, data / "code-keys")
        signed = signing.sign_elements(GS1Message((("01", "06901234000016"), ("21", "SN1"))))
        assert signing.verify(signed.hri()).verdict == "genuine"
    blank = cli(data, "revoke", key["kid"], "--reason", "  ")
    assert blank.exit_code == 1 and "reason_required" in blank.output
    assert cli(data, "revoke", key["kid"]).exit_code == 2  # typer: the option is required
    unknown = cli(data, "revoke", "ZZZZ", "--reason", "leaked")
    assert unknown.exit_code == 1 and "not_found: No signing key 'ZZZZ'." in unknown.output
    done = cli(data, "revoke", key["kid"], "--reason", "laptop stolen")
    assert done.exit_code == 0, done.output
    assert f"Key {key['kid']} is revoked" in done.output and "No key signs now" in done.output
    twice = cli(data, "revoke", key["kid"], "--reason", "other")
    assert twice.exit_code == 0 and "revoked already" in twice.output and "(laptop stolen)" in twice.output
    with Session(engine) as session:
        assert SigningService(session, SYSTEM, data / "code-keys").verify(signed.hri()).verdict == "revoked"
    rotated = cli(data, "rotate", "--json")  # with none signing, rotate makes one
    assert rotated.exit_code == 0 and json.loads(rotated.output)["retired"] is None
    engine.dispose()


def test_every_key_change_is_in_the_audit_trail_as_the_system(data: Path) -> None:
    assert cli(data, "create").exit_code == 0
    assert cli(data, "rotate").exit_code == 0
    first, second = sorted(listed(data), key=lambda k: k["created_at"])
    assert cli(data, "revoke", first["kid"], "--reason", "leaked").exit_code == 0
    engine = make_engine(f"sqlite:///{data / 'lotline.db'}")
    with Session(engine) as session:
        trail = [(e.entity_key, e.action, e.after.get("status") if e.after else None, e.actor_username)
                 for e in session.exec(select(AuditEntry).where(AuditEntry.entity_type == "signing_key")
                                       .order_by(col(AuditEntry.id))).all()]
    engine.dispose()
    assert trail == [(first["kid"], "create", "active", "system"),
                     (second["kid"], "create", "active", "system"),      # one flush: new rows first
                     (first["kid"], "transition", "retired", "system"),
                     (first["kid"], "transition", "revoked", "system")]

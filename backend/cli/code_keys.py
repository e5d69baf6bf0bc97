"""`lotline code-keys list|create|rotate|revoke`: the Ed25519 keys that sign GS1 (8030) codes (backend/coding).
Private halves are files under <data-dir>/code-keys/; the database holds the public halves handhelds verify with.
Every change is in the audit trail as the system's. (`lotline keys rotate` is the log-in token keys.)"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.table import Table

from backend.cli.options import DatabaseUrl, DataDir, console, settings_for

code_keys_app = typer.Typer(help="Code-signing keys for GS1 (8030) signatures: list, create, rotate, revoke.",
                            no_args_is_help=True)
Json = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


@contextmanager
def _signing(data_dir: Any, database_url: str | None) -> Iterator[Any]:
    """The signing service on the named database as the system; a domain error becomes one red line and exit 1."""
    from backend.auth.principal import SYSTEM
    from backend.coding.signing_service import SigningService
    from backend.db import make_engine, session_scope
    from backend.errors import DomainError

    settings = settings_for(data_dir, database_url)
    engine = make_engine(settings.url)
    try:
        with session_scope(engine) as session:
            yield SigningService(session, SYSTEM, settings.data_dir / "code-keys")
    except DomainError as exc:
        console.print(f"[red]{exc.code}[/]: {exc.detail}")
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()


def _row(key: Any, service: Any) -> dict[str, Any]:
    return {"kid": key.kid, "status": key.status.value, "created_at": key.created_at.isoformat(),
            "retired_at": key.retired_at.isoformat() if key.retired_at else None,
            "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
            "revoked_reason": key.revoked_reason, "public_key": key.public_key,
            "private_key_here": service.store.path(key.kid).exists()}


def _active(service: Any) -> Any:
    from shared_models.coding import KeyStatus

    return next((k for k in service.list_keys() if k.status is KeyStatus.ACTIVE), None)


@code_keys_app.command("list")
def keys_list(as_json: Json = False, data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Every code-signing key, newest first: which one signs, which are retired (still verify) or revoked."""
    with _signing(data_dir, database_url) as service:
        rows = [_row(k, service) for k in service.list_keys()]
    if as_json:
        console.print_json(json.dumps(rows))
        return
    if not rows:
        console.print("No code-signing keys yet; `lotline code-keys create` makes the first.")
        return
    table = Table("kid", "status", "created", "retired", "revoked (reason)", "private key here")
    for r in rows:
        revoked = f"{r['revoked_at'][:19]} ({r['revoked_reason']})" if r["revoked_at"] else ""
        table.add_row(r["kid"], r["status"], r["created_at"][:19], (r["retired_at"] or "")[:19], revoked,
                      "yes" if r["private_key_here"] else "[yellow]no: copy it from the server that made it[/]")
    console.print(table)


def _new_key(service: Any, *, first: bool, as_json: bool) -> None:
    before = _active(service)
    if first and before is not None:
        console.print(f"[red]key_exists[/]: code key {before.kid} signs already; `lotline code-keys rotate` replaces "
                      "it.")
        raise typer.Exit(1)
    key = service.rotate()
    if as_json:
        console.print_json(json.dumps({**_row(key, service), "retired": before.kid if before else None}))
    elif before is None:
        console.print(f"Now signing codes with key {key.kid} (private half in {service.store.path(key.kid)}).")
    else:
        console.print(f"Now signing codes with key {key.kid}; key {before.kid} is retired and still verifies what "
                      "it signed.")


@code_keys_app.command("create")
def keys_create(as_json: Json = False, data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Make the first code-signing key; refused when a key signs already (rotate replaces it)."""
    with _signing(data_dir, database_url) as service:
        _new_key(service, first=True, as_json=as_json)


@code_keys_app.command("rotate")
def keys_rotate(as_json: Json = False, data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Sign with a new key from now on; the one signing before is retired and keeps verifying what it signed.
    With no key signing (none yet, or it was revoked) it makes one."""
    with _signing(data_dir, database_url) as service:
        _new_key(service, first=False, as_json=as_json)


@code_keys_app.command("revoke")
def keys_revoke(kid: Annotated[str, typer.Argument(help="The 4-character key id (see `lotline code-keys list`).")],
                reason: Annotated[str, typer.Option("--reason", help="Why: kept with the key and shown to "
                                                                      "whoever verifies a code it signed.")],
                as_json: Json = False, data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """From now on every code the key signed verifies as revoked (a leaked key). Revoking the key that signs
    leaves none signing until `rotate`."""
    from backend.coding.models import CodeSigningKey
    from shared_models.coding import KeyStatus

    reason = reason.strip()
    if not reason:
        console.print("[red]reason_required[/]: give --reason: it is shown wherever a code this key signed is "
                      "verified.")
        raise typer.Exit(1)
    with _signing(data_dir, database_url) as service:
        before = service.session.get(CodeSigningKey, kid)
        was = before.status if before is not None else None
        key = service.revoke(kid, reason)
        row = _row(key, service)
    if as_json:
        console.print_json(json.dumps({**row, "already_revoked": was is KeyStatus.REVOKED}))
    elif was is KeyStatus.REVOKED:
        console.print(f"Key {kid} was revoked already on {row['revoked_at'][:19]} ({key.revoked_reason}); "
                      "nothing changed.")
    else:
        tail = " No key signs now: `lotline code-keys rotate` makes one." if was is KeyStatus.ACTIVE else ""
        console.print(f"Key {kid} is revoked: codes it signed now verify as revoked.{tail}")

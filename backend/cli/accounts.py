"""`lotline user-add`, `user-end-logins` and `keys rotate`: who may log in, and the keys their tokens are signed
with."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from backend.cli.options import DatabaseUrl, DataDir, console, settings_for
from backend.db import make_engine, session_scope


def user_add(username: str, role: str, password: Annotated[str, typer.Option(prompt=True, hide_input=True)],
             site: str | None = None, customer: str | None = None, data_dir: DataDir = None,
             database_url: DatabaseUrl = None) -> None:
    """Create a user (role: admin, qa_manager, inspector, picker, engineer, distributor)."""
    from backend.auth.service import create_user
    from shared_models.enums import Role

    settings = settings_for(data_dir, database_url)
    with session_scope(make_engine(settings.url)) as session:
        user = create_user(session, username=username, password=password, role=Role(role), site_code=site,
                           customer_code=customer)
    console.print(json.dumps({"id": user.id, "username": user.username, "role": user.role.value}))


def user_end_logins(username: str, deactivate: Annotated[bool, typer.Option(
        "--deactivate", help="Also deactivate the account (it can log in again only once reactivated).")] = False,
        data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """End every log-in of a user now (a lost handheld, a leaver): their tokens answer 401 from the next request."""
    from backend.auth.service import deactivate_user, revoke_tokens
    from backend.errors import DomainError

    settings = settings_for(data_dir, database_url)
    with session_scope(make_engine(settings.url)) as session:
        try:
            user = deactivate_user(session, username) if deactivate else revoke_tokens(session, username)
        except DomainError as exc:
            console.print(f"[red]{exc.detail}[/]")
            raise typer.Exit(1) from exc
        console.print(json.dumps({"username": user.username, "active": user.active,
                                  "token_generation": user.token_generation}))


def keys_rotate(data_dir: DataDir = None) -> None:
    """Start signing with a new key; tokens signed by older keys stay valid until they expire."""
    from backend.auth.keys import KeyRing

    settings = settings_for(data_dir, None)
    key = KeyRing(settings.data_dir / "keys").rotate()
    console.print(f"now signing with key {key.kid}")

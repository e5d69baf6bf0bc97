"""The `lotline` command: demo, serve, build-app, db upgrade, seed, trace, recall-scope, users, keys, audit, check,
verify-log, backup and restore. `main` is the entry point (pyproject.toml [project.scripts])."""

from __future__ import annotations

import typer

from backend.cli.accounts import keys_rotate, user_add, user_end_logins
from backend.cli.code_keys import code_keys_app
from backend.cli.database import backup, check, db_upgrade, restore, seed, verify_log
from backend.cli.options import console
from backend.cli.queries import audit_trail, recall_scope, trace
from backend.cli.serve import build_app, demo, serve

app = typer.Typer(help="Lotline quality traceability (质量追溯系统).", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.")
keys_app = typer.Typer(help="Token signing keys.")
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")

db_app.command("upgrade")(db_upgrade)
app.command()(seed)
app.command("build-app")(build_app)
app.command()(serve)
app.command()(demo)
app.command()(trace)
app.command("recall-scope")(recall_scope)
app.command("user-add")(user_add)
app.command("user-end-logins")(user_end_logins)
app.command()(check)
app.command("verify-log")(verify_log)
app.command("audit")(audit_trail)
app.command()(backup)
app.command()(restore)
keys_app.command("rotate")(keys_rotate)
app.add_typer(code_keys_app, name="code-keys")


def main() -> None:
    """Entry point: domain errors print as one clear line and exit 1, not as a traceback."""
    from backend.errors import DomainError

    try:
        app()
    except DomainError as exc:
        console.print(f"[red]{exc.code}[/]: {exc.detail}")
        raise SystemExit(1) from exc

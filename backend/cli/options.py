"""What the `lotline` commands share: the console, the options that name the database, and the settings they
name."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from backend.config import Settings

console = Console()

DataDir = Annotated[Path | None, typer.Option("--data-dir", envvar="LOTLINE_DATA_DIR",
                                              help="Folder for the embedded SQLite file and keys.")]
DatabaseUrl = Annotated[str | None, typer.Option("--database-url", envvar="LOTLINE_DATABASE_URL",
                                                 help="postgresql://… to run on PostgreSQL instead.")]
Tls = Annotated[bool, typer.Option("--tls", help="Serve HTTPS with a local certificate authority (phones on the "
                                                  "plant Wi-Fi: the PWA needs a secure context).")]
Schema = Annotated[str | None, typer.Option("--schema", help="PostgreSQL: the schema Lotline uses "
                                                            "(default: the connection's current schema).")]


def settings_for(data_dir: Path | None, database_url: str | None) -> Settings:
    """The settings the options name, with the session listeners every writer needs switched on: writes made from
    the command line reach handhelds (the op log) and ERP (the outbox), and are in the audit trail, as the
    system's."""
    from backend import hooks
    from backend.audit import service as audit
    from backend.outbox import recorder as outbox
    from backend.sync.runtime import install_recorder

    install_recorder()
    hooks.install()
    audit.install()
    outbox.install()
    return Settings.from_env(data_dir=data_dir, database_url=database_url)

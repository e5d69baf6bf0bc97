"""Why a backup or a restore stopped: each says what to do next."""

from __future__ import annotations

from backend.errors import Conflict, DomainError


class BackupError(DomainError):
    code = "backup_error"


class BackupToolMissing(BackupError):
    code = "backup_tool_missing"

    def __init__(self, tool: str) -> None:
        super().__init__(f"{tool} was not found on PATH; install the PostgreSQL client (the same major version as "
                         f"the server or newer) and try again.", tool=tool)


class BackupToolTooOld(BackupError):
    code = "backup_tool_too_old"

    def __init__(self, tool: str, client_major: int, needed_major: int, what: str) -> None:
        super().__init__(f"{tool} is PostgreSQL {client_major} but the {what} is PostgreSQL {needed_major}; install "
                         f"a PostgreSQL {needed_major} client (or newer) and try again.",
                         tool=tool, client=client_major, needed=needed_major)


class BackupFailed(BackupError):
    code = "backup_failed"


class BackupUnreadable(BackupError):
    code = "backup_unreadable"

    def __init__(self, path: object, why: str) -> None:
        super().__init__(f"{path} is not a Lotline backup we can read: {why}.", path=str(path))


class BackupCorrupt(BackupError):
    code = "backup_corrupt"

    def __init__(self, path: object, expected: str, actual: str) -> None:
        super().__init__(f"{path} is damaged: its database file's SHA-256 is {actual[:16]}…, the manifest says "
                         f"{expected[:16]}…. Nothing was restored; use another copy.", path=str(path))


class BackupFromNewerCode(BackupError):
    code = "backup_from_newer_code"

    def __init__(self, revision: str | None, head: str | None) -> None:
        super().__init__(f"The backup's schema is at revision {revision}, which this Lotline (at {head}) does not "
                         f"know: restore it with the Lotline version that made it.", revision=revision, head=head)


class BackupOtherDatabase(BackupError):
    code = "backup_other_database"


class RestoreFailed(BackupError):
    code = "restore_failed"


class DatabaseInUse(Conflict):
    code = "database_in_use"

    def __init__(self, detail: str) -> None:
        super().__init__(f"{detail} Stop the Lotline server first, or pass --yes to restore anyway.")

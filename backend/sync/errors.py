"""Errors of the upload: an op refused with its own code, and a database that is away for now."""

from __future__ import annotations

from backend.errors import DomainError


class TemporaryFailure(Exception):
    """The database is unreachable or busy: answer 5xx and let the client retry the batch."""


class OpRefused(DomainError):
    """An uploaded op the sync layer refuses before any service sees it (unknown table or kind, a DELETE of an
    event, master data the caller may not change); `code` is the verdict's code."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code  # type: ignore[misc]

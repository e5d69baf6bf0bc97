"""Errors of the FSMA 204 spreadsheet request."""

from __future__ import annotations

from backend.errors import InvalidInput


class InvalidFsmaRequest(InvalidInput):
    code = "invalid_fsma_request"

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(f"{field}: {detail}", field=field)


__all__ = ["InvalidFsmaRequest"]

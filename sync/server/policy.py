"""What the backend tells the sync layer: which rows are synced, how they look, which buckets they are in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from sqlalchemy import Connection


class SyncPolicy(Protocol):
    def object_type(self, obj: Any) -> str | None:
        """The synced table name of an ORM object, or None when the object is not synced."""

    def model_type(self, model: type) -> str | None:
        """The synced table name of an ORM model class, or None when its rows are not synced."""

    def row_data(self, obj: Any) -> dict[str, Any]:
        """The columns a client receives, JSON-ready."""

    def row_values(self, model: type, row: Mapping[str, Any]) -> dict[str, Any]:
        """`row_data` of a complete row given as a mapping of column values."""

    def buckets_for(self, conn: Connection, object_type: str, rows: list[dict[str, Any]]) -> list[set[str]]:
        """Every bucket each row (all of `object_type`) belongs in now, in the order given. Called once per
        table for all the rows a transaction changed, so a rule that reads the database reads for all of them."""

"""Gates as data (server-only table; handhelds get the shipped rules as a file)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Field, SQLModel

from shared_models.types import json_dict, json_list, new_id


class GateRule(SQLModel, table=True):
    """A gate as data: which actions it guards, which check it runs, with what parameters."""

    __tablename__ = "gate_rule"
    id: str = Field(default_factory=new_id, primary_key=True)
    code: str = Field(max_length=64, unique=True)
    actions: list[str] = json_list()          # receive_to_stock, move, pick, ship, consume, operation_report
    check: str = Field(max_length=64)          # the name of a pure check in shared_models/gates.py
    params: dict[str, Any] = json_dict()
    enabled: bool = Field(default=True)
    message_en: str = Field(default="", max_length=300)
    message_zh: str = Field(default="", max_length=300)

"""What the gate-rule API takes and answers."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from backend.gates.models import GateRule


class GateRulePublic(BaseModel):
    code: str
    actions: list[str]
    check: str
    params: dict[str, Any]
    enabled: bool
    message_en: str
    message_zh: str


class GateRuleUpdate(BaseModel):
    """Only the fields sent change; `params` are merged into the rule's current parameters."""

    model_config = ConfigDict(extra="forbid")
    enabled: bool | None = None
    actions: list[str] | None = None
    params: dict[str, Any] | None = None
    message_en: str | None = Field(default=None, max_length=300)
    message_zh: str | None = Field(default=None, max_length=300)


def gate_public(row: GateRule) -> GateRulePublic:
    return GateRulePublic(code=row.code, actions=list(row.actions), check=row.check, params=dict(row.params),
                          enabled=row.enabled, message_en=row.message_en, message_zh=row.message_zh)

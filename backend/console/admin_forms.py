"""What the admin, master-data and rules pages' forms send."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from backend.errors import InvalidInput


class _Form(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")


class UserCreateForm(_Form):
    username: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    display_name: str = Field(default="", max_length=200)
    role: str = Field(min_length=1, max_length=32)
    password: str = Field(min_length=1, max_length=256)
    site: str = Field(default="", max_length=32)
    customer: str = Field(default="", max_length=32)
    locale: str = Field(default="zh-CN", pattern=r"^(zh-CN|en)$")


class PasswordForm(_Form):
    password: str = Field(min_length=1, max_length=256)


class PrinterForm(_Form):
    name: str = Field(min_length=1, max_length=64)
    kind: str = Field(min_length=1, max_length=32)
    host: str = Field(default="", max_length=255)
    port: int = Field(default=9100, ge=1, le=65535)
    dpi: int = 203
    media: str = Field(default="roll", min_length=1, max_length=64)
    site: str = Field(default="", max_length=32)


class RuleForm(_Form):
    """A gate or warning rule's change: switched on or off, and its parameters as a JSON object."""

    enabled: str = Field(default="", max_length=8)       # "on" when the box is ticked
    params: str = Field(default="", max_length=20_000)
    severity: str = Field(default="", max_length=16)

    def params_object(self, rule: str) -> dict[str, Any] | None:
        """The parameters given, or None when the field was left out; raises InvalidInput for anything but a
        JSON object."""
        if not self.params:
            return None
        try:
            value = json.loads(self.params)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"Rule {rule}: params are not JSON ({exc.msg}, line {exc.lineno} column "
                               f"{exc.colno}).", rule=rule) from exc
        if not isinstance(value, dict):
            raise InvalidInput(f"Rule {rule}: params must be a JSON object ({{\"name\": value, …}}).", rule=rule)
        return value

"""What the console's forms send."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class LoginForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    csrf: str = Field(min_length=1, max_length=100)
    next: str = Field(default="", max_length=500)


class OpenRecallForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)
    code: str = Field(min_length=1, max_length=400)
    title: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=2000)


class TransitionForm(BaseModel):
    """One nonconformance transition; the fields a transition may require come as form fields of the same name."""

    model_config = ConfigDict(str_strip_whitespace=True)
    transition: str = Field(min_length=1, max_length=64)
    approved_by: str = Field(default="", max_length=200)
    reason: str = Field(default="", max_length=2000)
    note: str = Field(default="", max_length=2000)

    def fields(self) -> dict[str, str]:
        return {k: v for k, v in (("approved_by", self.approved_by), ("reason", self.reason), ("note", self.note))
                if v}

"""What the warnings API takes and answers, the parameters of each rule kind, and a rule's `notify`."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from backend.warnings.models import QualityWarning, WarningRule
from shared_models.bounds import INT64_MAX
from shared_models.enums import InspectionStage, WarningState

SECRET_MASK = "********"


# -- parameters, one model per rule kind ------------------------------------------------------------------------
class RuleParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConsecutiveFailures(RuleParams):
    n: int = Field(default=3, ge=2, le=1000)
    per: Literal["lot", "supplier", "item"] = "supplier"
    stage: InspectionStage | None = None
    lookback_days: int = Field(default=90, ge=1, le=3650)


class PassRateBelow(RuleParams):
    min_pass_rate: float = Field(default=0.95, gt=0, le=1)
    per: Literal["supplier", "item"] = "supplier"
    window_days: int | None = Field(default=30, ge=1, le=3650)
    last_n: int | None = Field(default=None, ge=1, le=100000)
    min_inspections: int = Field(default=5, ge=1, le=INT64_MAX)
    stage: InspectionStage | None = None

    @model_validator(mode="after")
    def _one_window(self) -> PassRateBelow:
        if (self.window_days is None) == (self.last_n is None):
            raise ValueError("give either window_days or last_n (set the other to null)")
        return self


class ExpiryWithin(RuleParams):
    days: int = Field(default=30, ge=0, le=3650)
    include_expired: bool = True


class ParamOutOfSpec(RuleParams):
    consecutive: int = Field(default=3, ge=1, le=10000)
    lookback_hours: int = Field(default=24, ge=1, le=24 * 365)


class FromEvents(RuleParams):
    lookback_days: int = Field(default=2, ge=1, le=365)   # how far back the sweep looks; the fast path sees all


class Clone(FromEvents):
    max_scans: int = Field(default=5, ge=1, le=INT64_MAX)               # more verifications than this in the window
    regions: int = Field(default=2, ge=2, le=INT64_MAX)                 # or this many different regions in the window
    window_hours: int = Field(default=72, ge=1, le=24 * 365)


class StocktakeDiscrepancy(FromEvents):
    pct: float = Field(default=5.0, ge=0, le=100000)      # |adjustment| / book at count, in percent


# -- who hears about a rule's warnings ----------------------------------------------------------------------------
class WebhookTarget(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(pattern=r"^https?://", max_length=500)
    secret: str | None = Field(default=None, min_length=1, max_length=200)


class NotifyConfig(BaseModel):
    """A rule's `notify`: webhooks (a URL, or {url, secret}), e-mail addresses, and a secret for its webhooks."""

    model_config = ConfigDict(extra="forbid")
    webhooks: list[WebhookTarget] = Field(default_factory=list, max_length=20)
    emails: list[str] = Field(default_factory=list, max_length=50)
    secret: str | None = Field(default=None, min_length=1, max_length=200)

    @field_validator("webhooks", mode="before")
    @classmethod
    def _urls_as_targets(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [{"url": v} if isinstance(v, str) else v for v in value]
        return value

    @field_validator("emails")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        for address in value:
            if "@" not in address or len(address) > 254 or any(c.isspace() for c in address):
                raise ValueError(f"'{address}' is not an e-mail address")
        return value

    def secret_for(self, url: str) -> str | None:
        for target in self.webhooks:
            if target.url == url and target.secret:
                return target.secret
        return self.secret

    def masked(self) -> dict[str, Any]:
        """For showing: secrets replaced by a mask, which `NotifyConfig.merged` reads as 'keep the old one'."""
        data = self.model_dump(exclude_none=True)
        for target in data["webhooks"]:
            if "secret" in target:
                target["secret"] = SECRET_MASK
        if "secret" in data:
            data["secret"] = SECRET_MASK
        return data

    def merged(self, old: NotifyConfig) -> NotifyConfig:
        """This config with masked secrets taken from `old`."""
        webhooks = [t.model_copy(update={"secret": old.secret_for(t.url)}) if t.secret == SECRET_MASK else t
                    for t in self.webhooks]
        secret = old.secret if self.secret == SECRET_MASK else self.secret
        return self.model_copy(update={"webhooks": webhooks, "secret": secret})


# -- the API ------------------------------------------------------------------------------------------------------
class WarningPublic(BaseModel):
    id: str
    rule_id: str
    rule_code: str
    kind: str
    dedupe_key: str
    state: WarningState
    severity: str
    message: str
    context: dict[str, Any]
    opened_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    closed_at: datetime | None
    closed_by: str | None


class WarningRulePublic(BaseModel):
    id: str
    code: str
    kind: str
    params: dict[str, Any]
    severity: str
    enabled: bool
    notify: dict[str, Any]    # secrets masked; send the mask back to keep them
    name_en: str
    name_zh: str


class WarningRuleUpdate(BaseModel):
    """Only the fields sent change; `params` are merged into the rule's current ones, `notify` replaces."""

    model_config = ConfigDict(extra="forbid")
    enabled: bool | None = None
    params: dict[str, Any] | None = None
    severity: Literal["minor", "major", "critical"] | None = None
    notify: dict[str, Any] | None = None
    name_en: str | None = Field(default=None, max_length=200)
    name_zh: str | None = Field(default=None, max_length=200)


class CloseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(default="", max_length=1000)


def warning_public(warning: QualityWarning, rule: WarningRule) -> WarningPublic:
    return WarningPublic(id=warning.id, rule_id=rule.id, rule_code=rule.code, kind=rule.kind,
                         dedupe_key=warning.dedupe_key, state=warning.state, severity=warning.severity,
                         message=warning.message, context=dict(warning.context), opened_at=warning.opened_at,
                         acknowledged_at=warning.acknowledged_at, acknowledged_by=warning.acknowledged_by,
                         closed_at=warning.closed_at, closed_by=warning.closed_by)


def rule_public(rule: WarningRule) -> WarningRulePublic:
    return WarningRulePublic(id=rule.id, code=rule.code, kind=rule.kind, params=dict(rule.params),
                             severity=rule.severity, enabled=rule.enabled,
                             notify=NotifyConfig.model_validate(rule.notify or {}).masked(),
                             name_en=rule.name_en, name_zh=rule.name_zh)

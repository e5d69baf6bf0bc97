"""What the coding API takes and answers: numbering rules, numbers, offline blocks, signing keys, signed codes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from backend.coding.models import NumberKind
from backend.coding.pattern import DATE_PARTS, FIELD_PARTS, CheckChar, ResetPeriod
from shared_models.coding import KeyStatus, Verdict

Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
Ref = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
PartName = Literal["literal", "seq", "YYYY", "YY", "MM", "DD", "JJJ", "WW", "site", "line", "item"]
assert set(PartName.__args__) == {"literal", "seq", *DATE_PARTS, *FIELD_PARTS}  # type: ignore[attr-defined]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PatternPart(_In):
    part: PartName
    value: str | None = Field(default=None, max_length=32)   # the text of a literal


class NumberingRuleCreate(_In):
    """`site`, `item` (part number or GTIN) and `item_group` narrow where the rule applies; none: plant-wide. An
    SSCC rule has no pattern: extension digit + company prefix (default: the first 7 digits of the site's GLN) +
    serial reference + check digit."""

    code: Code
    kind: NumberKind
    site: Code | None = None
    item: Ref | None = None
    item_group: Ref | None = None
    pattern: list[PatternPart] = Field(default_factory=list, max_length=16)
    width: int = Field(default=6, ge=1, le=18)
    start: int = Field(default=1, ge=0)
    reset: ResetPeriod = ResetPeriod.NEVER
    check_char: CheckChar = CheckChar.NONE
    gap_free: bool = False
    company_prefix: str | None = Field(default=None, pattern=r"^\d{6,12}$")
    extension_digit: str = Field(default="0", pattern=r"^\d$")
    note: str = Field(default="", max_length=500)


class NumberingRuleUpdate(_In):
    """Only what is sent changes; `expected_version` guards against overwriting a newer edit. The sequence carries
    on from where it is; numbers already handed out are never handed out again (issued numbers are kept)."""

    pattern: list[PatternPart] | None = Field(default=None, max_length=16)
    width: int | None = Field(default=None, ge=1, le=18)
    reset: ResetPeriod | None = None
    check_char: CheckChar | None = None
    gap_free: bool | None = None
    company_prefix: str | None = Field(default=None, pattern=r"^\d{6,12}$")
    extension_digit: str | None = Field(default=None, pattern=r"^\d$")
    active: bool | None = None
    note: str | None = Field(default=None, max_length=500)
    expected_version: int | None = None

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True, exclude={"expected_version"})


class NumberingRulePublic(BaseModel):
    code: str
    kind: NumberKind
    site: str | None
    item: str | None
    item_group: str | None
    pattern: list[dict[str, Any]]
    template: str            # e.g. "LOT-{YYYY}{JJJ}-{seq:5}"
    width: int
    start: int
    reset: ResetPeriod
    check_char: CheckChar
    gap_free: bool
    company_prefix: str | None
    extension_digit: str
    active: bool
    note: str
    version: int


class NumberRequest(_In):
    """Which rule applies is found from kind, site, item and item group; `line` and the item fill the pattern's
    fields; `on` is the date the date parts and the reset period read (default: the server's today)."""

    kind: NumberKind
    site: Code | None = None
    item: Ref | None = None
    item_group: Ref | None = None
    line: Ref | None = None
    on: date | None = None
    count: int = Field(default=1, ge=1, le=1000)


class Allocation(BaseModel):
    rule: str
    numbers: list[str]
    period_key: str
    first_seq: int


class BlockRequest(NumberRequest):
    device_id: Ref
    count: int = Field(default=100, ge=1, le=10000)


class BlockUse(_In):
    """How many numbers of the block, from its first, the device has used (never goes down)."""

    used: int = Field(ge=0)


class NumberBlockPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    rule: str
    device_id: str
    numbers: list[str]
    used: int
    issued_at: datetime
    used_up_at: datetime | None


class SigningKeyPublic(BaseModel):
    """What a handheld syncs to verify codes offline: the raw Ed25519 public key (URL-safe base64) and its status."""

    model_config = ConfigDict(from_attributes=True)
    kid: str
    public_key: str
    status: KeyStatus
    created_at: datetime
    retired_at: datetime | None
    revoked_at: datetime | None
    revoked_reason: str


class KeyRevoke(_In):
    reason: str = Field(min_length=1, max_length=500)


class SignRequest(_In):
    unit: Ref
    domain: str = Field(default="https://id.gs1.org", max_length=200, pattern=r"^https?://")


class SignedCode(BaseModel):
    """A unit's code with its (8030): bracketed, raw (FNC1 as GS, for a printer), and as a Digital Link."""

    kid: str
    canonical: str
    element_string: str
    raw: str
    digital_link: str


class CodeCheck(_In):
    code: str = Field(min_length=1, max_length=2000)


class CodeVerdict(BaseModel):
    verdict: Verdict
    reason: str
    kid: str | None
    canonical: str | None

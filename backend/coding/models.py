"""Numbering rules, their counters, every number handed out, blocks reserved for offline handhelds, and the keys
that sign codes (server-only tables; handhelds get blocks and public keys through the API)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.coding.pattern import CheckChar, ResetPeriod
from shared_models.coding import KeyStatus
from shared_models.types import UTCDateTime, enum_type, json_list, new_id, utcnow


class NumberKind(StrEnum):
    """What a number names."""

    LOT = "lot"
    SERIAL = "serial"
    SSCC = "sscc"
    WORK_ORDER = "work_order"
    RECALL_CASE = "recall_case"
    NONCONFORMANCE = "nonconformance"
    SHIPMENT = "shipment"


class NumberingRule(SQLModel, table=True):
    """How numbers of one kind are made, for a site, an item or an item group, or plant-wide (all None). The most
    specific active rule wins: item, then item group, then site, then plant-wide."""

    __tablename__ = "numbering_rule"
    id: str = Field(default_factory=new_id, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    kind: NumberKind = Field(sa_type=enum_type(NumberKind), index=True)
    site_id: str | None = Field(default=None, foreign_key="site.id")
    item_id: str | None = Field(default=None, foreign_key="item.id")
    item_group: str | None = Field(default=None, max_length=64)
    pattern: list[dict[str, Any]] = json_list()   # backend/coding/pattern.py; empty for SSCC
    width: int = 6
    start: int = Field(default=1, sa_type=BigInteger)
    reset: ResetPeriod = Field(default=ResetPeriod.NEVER, sa_type=enum_type(ResetPeriod))
    check_char: CheckChar = Field(default=CheckChar.NONE, sa_type=enum_type(CheckChar))
    gap_free: bool = False      # taken only in the transaction that uses it: a rollback returns it; no offline blocks
    company_prefix: str | None = Field(default=None, max_length=12)   # SSCC
    extension_digit: str = Field(default="0", max_length=1)           # SSCC
    active: bool = True
    note: str = Field(default="", max_length=500)
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class NumberCounter(SQLModel, table=True):
    """The next sequence value of a rule in one reset period ("" when the rule never resets; for SSCCs the
    extension digit + company prefix). Read and advanced only by the database's one writer (backend.db.begin_write)."""

    __tablename__ = "number_counter"
    rule_id: str = Field(foreign_key="numbering_rule.id", primary_key=True)
    period_key: str = Field(max_length=16, primary_key=True)
    next_seq: int = Field(sa_type=BigInteger)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class IssuedNumber(SQLModel, table=True):
    """Every number handed out, once: the unique key is the last word on "never duplicated", whatever a rule's
    pattern was edited to. `scope` is the item the number belongs to ("" for kinds that are unique plant-wide:
    SSCCs, work orders …), since a lot or serial number is unique per item (GTIN + serial)."""

    __tablename__ = "issued_number"
    __table_args__ = (UniqueConstraint("kind", "scope", "number", name="uq_issued_number"),
                      Index("ix_issued_number_rule", "rule_id", "period_key", "seq"))
    id: int | None = Field(default=None, primary_key=True)
    rule_id: str = Field(foreign_key="numbering_rule.id")
    kind: NumberKind = Field(sa_type=enum_type(NumberKind))
    scope: str = Field(default="", max_length=36)
    number: str = Field(max_length=64)
    period_key: str = Field(max_length=16)
    seq: int = Field(sa_type=BigInteger)
    block_id: str | None = Field(default=None, foreign_key="number_block.id", index=True)
    issued_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class NumberBlock(SQLModel, table=True):
    """Numbers of a rule reserved for one handheld to use offline, in order. They are rendered when reserved (a
    date in the pattern is the reservation's date) and count as issued from then on."""

    __tablename__ = "number_block"
    id: str = Field(default_factory=new_id, primary_key=True)
    rule_id: str = Field(foreign_key="numbering_rule.id", index=True)
    device_id: str = Field(max_length=64, index=True)
    user_id: str | None = Field(default=None, foreign_key="app_user.id")
    scope: str = Field(default="", max_length=36)
    period_key: str = Field(max_length=16)
    first_seq: int = Field(sa_type=BigInteger)
    last_seq: int = Field(sa_type=BigInteger)
    numbers: list[str] = json_list()
    used: int = 0                   # how many, from the first, the device reports used
    issued_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    used_up_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CodeSigningKey(SQLModel, table=True):
    """An Ed25519 key that signs (8030) codes. The private half is a file under <data>/code-keys/ (as
    backend/auth/keys.py keeps token keys); the public half is here for every server and handheld."""

    __tablename__ = "code_signing_key"
    kid: str = Field(primary_key=True, max_length=4)
    public_key: str = Field(max_length=43)
    status: KeyStatus = Field(default=KeyStatus.ACTIVE, sa_type=enum_type(KeyStatus))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: str | None = Field(default=None, foreign_key="app_user.id")
    retired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_reason: str = Field(default="", max_length=500)

    @property
    def id(self) -> str:
        """The key id: what the audit trail (and anything else naming records by `id`) calls it."""
        return self.kid

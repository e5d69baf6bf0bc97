"""EPCIS tables (server-only): every event the EPCIS interface serves, its EPCs, and capture jobs.

`epcis_event` holds Lotline's own events once exported (`lotline_event_id` set) and partners' captured events, each
as its EPCIS JSON (extensions kept), with the columns the standard queries filter on. `seq` orders them for the
keyset cursor. `epcis_epc` indexes every EPC and EPC class an event names, by the role it plays there, and the
Lotline unit it resolved to.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, PrimaryKeyConstraint
from sqlmodel import Field, SQLModel

from shared_models.types import UTCDateTime, new_id, utcnow


class EpcisEvent(SQLModel, table=True):
    """One EPCIS event, as served by GET /epcis/events."""

    __tablename__ = "epcis_event"
    __table_args__ = (
        Index("ix_epcis_event_time", "event_time"),
        Index("ix_epcis_event_biz_step", "biz_step", "seq"),
        Index("ix_epcis_event_biz_location", "biz_location", "seq"),
        Index("ix_epcis_event_read_point", "read_point", "seq"),
    )
    seq: int | None = Field(default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"),
                                                           primary_key=True, autoincrement=False))
    hash_id: str = Field(max_length=100, unique=True)   # ni:///sha-256;…?ver=CBV2.0: captures de-duplicate on it
    event_id: str = Field(max_length=255, index=True)   # the EPCIS eventID (the hash id when the sender gave none)
    event_type: str = Field(max_length=32)
    event_time: datetime = Field(sa_type=UTCDateTime)
    record_time: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    action: str = Field(default="", max_length=8)
    biz_step: str = Field(default="", max_length=255)     # the bare CBV term, or the partner's URI
    disposition: str = Field(default="", max_length=255)
    read_point: str = Field(default="", max_length=255)
    biz_location: str = Field(default="", max_length=255)
    lotline_event_id: str | None = Field(default=None, foreign_key="event.id", unique=True, max_length=36)
    capture_id: str | None = Field(default=None, foreign_key="epcis_capture.id", max_length=36)
    document: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class EpcisEpc(SQLModel, table=True):
    """An EPC (or EPC class) an event names; `role`: epc (epcList / childEPCs), parent, input, output, class."""

    __tablename__ = "epcis_epc"
    __table_args__ = (PrimaryKeyConstraint("epc", "role", "event_seq"), Index("ix_epcis_epc_event", "event_seq"),
                      Index("ix_epcis_epc_canonical", "canonical", "role"))
    epc: str = Field(primary_key=True, max_length=255)
    role: str = Field(primary_key=True, max_length=8)
    event_seq: int = Field(primary_key=True, sa_type=BigInteger().with_variant(Integer, "sqlite"))
    canonical: str = Field(max_length=255)   # as a canonical GS1 Digital Link where it is one: what queries match
    unit_id: str | None = Field(default=None, foreign_key="unit.id", max_length=36)


class EpcisCapture(SQLModel, table=True):
    """A capture job: its state (running, success, failure), what it stored and the errors it met."""

    __tablename__ = "epcis_capture"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    state: str = Field(default="running", max_length=16)
    error_behaviour: str = Field(default="rollback", max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    user_id: str | None = Field(default=None, foreign_key="app_user.id", max_length=36)
    events: int = 0          # events in the document
    captured: int = 0        # stored now
    duplicates: int = 0      # already stored (same event hash): skipped
    errors: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))

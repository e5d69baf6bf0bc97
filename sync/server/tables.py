"""The sync layer's own tables, in the same database and migrations as the domain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Text
from sqlmodel import Field, SQLModel

from shared_models.types import UTCDateTime, new_id, utcnow


class OpLogEntry(SQLModel, table=True):
    """One change to one row in one bucket, in commit order (op ids are handed out under a row lock)."""

    __tablename__ = "ps_oplog"
    __table_args__ = (
        Index("ix_ps_oplog_bucket_op", "bucket", "op_id"),
        Index("ix_ps_oplog_bucket_row", "bucket", "object_type", "object_id"),
    )
    op_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    bucket: str = Field(max_length=200)
    op: str = Field(max_length=8)
    object_type: str | None = Field(default=None, max_length=64)
    object_id: str | None = Field(default=None, max_length=64)
    data: str | None = Field(default=None, sa_column=Column(Text))
    checksum: int = Field(sa_column=Column(BigInteger, nullable=False))


class BucketState(SQLModel, table=True):
    """Running checksum and op count per bucket, kept with every op so a checkpoint costs one read."""

    __tablename__ = "ps_bucket"
    name: str = Field(primary_key=True, max_length=200)
    last_op_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    checksum: int = Field(sa_column=Column(BigInteger, nullable=False))
    count: int = Field(sa_column=Column(BigInteger, nullable=False))


class RowBucket(SQLModel, table=True):
    """Which buckets a row is in now: when it leaves one, that bucket gets a REMOVE."""

    __tablename__ = "ps_row_bucket"
    object_type: str = Field(primary_key=True, max_length=64)
    object_id: str = Field(primary_key=True, max_length=64)
    bucket: str = Field(primary_key=True, max_length=200)
    data_checksum: int = Field(sa_column=Column(BigInteger, nullable=False))  # skip PUTs that change nothing


class OpCounter(SQLModel, table=True):
    """A single row; updating it allocates op ids and serialises writers so ops commit in id order."""

    __tablename__ = "ps_counter"
    id: int = Field(primary_key=True)
    last_op_id: int = Field(sa_column=Column(BigInteger, nullable=False))


class UploadReceipt(SQLModel, table=True):
    """The verdict given to (client, op): a retried upload gets the same answer and changes nothing."""

    __tablename__ = "ps_upload_receipt"
    client_id: str = Field(primary_key=True, max_length=64)
    op_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    status: str = Field(max_length=16)
    code: str = Field(default="", max_length=64)
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RejectedOp(SQLModel, table=True):
    """A write the server refused or could only partly accept, kept for QA to see and act on."""

    __tablename__ = "ps_rejected_op"
    id: str = Field(default_factory=new_id, primary_key=True)
    client_id: str = Field(max_length=64, index=True)
    op_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    user_id: str | None = Field(default=None, max_length=64)
    object_type: str = Field(max_length=64)
    object_id: str = Field(max_length=64)
    op: str = Field(max_length=8)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(max_length=16)  # rejected | conflict
    code: str = Field(max_length=64)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    resolution: str = Field(default="open", max_length=16)  # open | acknowledged


class WriteCheckpoint(SQLModel, table=True):
    """The op id up to which a client's uploads are committed; the stream echoes it back."""

    __tablename__ = "ps_write_checkpoint"
    user_id: str = Field(primary_key=True, max_length=64)
    client_id: str = Field(primary_key=True, max_length=64)
    checkpoint: int = Field(sa_column=Column(BigInteger, nullable=False))

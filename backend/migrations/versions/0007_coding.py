"""coding: numbering rules, counters, issued numbers, offline number blocks, code-signing keys

Server-only tables (backend/coding/models.py); none is published to PowerSync. A handheld gets its number blocks
and the public signing keys through the API.

- numbering_rule: how numbers of a kind are made, per site / item / item group (pattern parts as JSON);
- number_counter: the next sequence value per (rule, reset period), advanced only by the database's one writer;
- issued_number: every number handed out, unique per (kind, scope, number) - scope is the item for lots and
  serials, '' for kinds unique plant-wide;
- number_block: numbers reserved for one handheld to use offline;
- code_signing_key: Ed25519 public keys that verify (8030) signatures, with their status (the private halves are
  files under <data>/code-keys/).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-14 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import shared_models.types

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

NUMBER_KINDS = ('lot', 'serial', 'sscc', 'work_order', 'recall_case', 'nonconformance', 'shipment')


def _kind() -> sa.Enum:
    return sa.Enum(*NUMBER_KINDS, name='numberkind', native_enum=False, length=32)


def upgrade() -> None:
    op.create_table(
        'numbering_rule',
        sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('kind', _kind(), nullable=False),
        sa.Column('site_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('item_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('item_group', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column('pattern', sa.JSON(), nullable=False),
        sa.Column('width', sa.Integer(), nullable=False),
        sa.Column('start', sa.BigInteger(), nullable=False),
        sa.Column('reset', sa.Enum('never', 'yearly', 'monthly', 'daily', name='resetperiod', native_enum=False, length=32), nullable=False),
        sa.Column('check_char', sa.Enum('none', 'gs1_mod10', 'iso7064_mod37_36', name='checkchar', native_enum=False, length=32), nullable=False),
        sa.Column('gap_free', sa.Boolean(), nullable=False),
        sa.Column('company_prefix', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True),
        sa.Column('extension_digit', sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['item.id']),
        sa.ForeignKeyConstraint(['site_id'], ['site.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_numbering_rule_code', 'numbering_rule', ['code'], unique=True)
    op.create_index('ix_numbering_rule_kind', 'numbering_rule', ['kind'], unique=False)

    op.create_table(
        'number_counter',
        sa.Column('rule_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('period_key', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('next_seq', sa.BigInteger(), nullable=False),
        sa.Column('updated_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['rule_id'], ['numbering_rule.id']),
        sa.PrimaryKeyConstraint('rule_id', 'period_key'),
    )

    op.create_table(
        'number_block',
        sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('rule_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('device_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column('period_key', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('first_seq', sa.BigInteger(), nullable=False),
        sa.Column('last_seq', sa.BigInteger(), nullable=False),
        sa.Column('numbers', sa.JSON(), nullable=False),
        sa.Column('used', sa.Integer(), nullable=False),
        sa.Column('issued_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('used_up_at', shared_models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['rule_id'], ['numbering_rule.id']),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_number_block_device_id', 'number_block', ['device_id'], unique=False)
    op.create_index('ix_number_block_rule_id', 'number_block', ['rule_id'], unique=False)

    op.create_table(
        'issued_number',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('rule_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('kind', _kind(), nullable=False),
        sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('period_key', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('seq', sa.BigInteger(), nullable=False),
        sa.Column('block_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('issued_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['block_id'], ['number_block.id']),
        sa.ForeignKeyConstraint(['rule_id'], ['numbering_rule.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('kind', 'scope', 'number', name='uq_issued_number'),
    )
    op.create_index('ix_issued_number_block_id', 'issued_number', ['block_id'], unique=False)
    op.create_index('ix_issued_number_rule', 'issued_number', ['rule_id', 'period_key', 'seq'], unique=False)

    op.create_table(
        'code_signing_key',
        sa.Column('kid', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
        sa.Column('public_key', sqlmodel.sql.sqltypes.AutoString(length=43), nullable=False),
        sa.Column('status', sa.Enum('active', 'retired', 'revoked', name='keystatus', native_enum=False, length=32), nullable=False),
        sa.Column('created_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('retired_at', shared_models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', shared_models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('revoked_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.ForeignKeyConstraint(['created_by'], ['app_user.id']),
        sa.PrimaryKeyConstraint('kid'),
    )


def downgrade() -> None:
    op.drop_table('code_signing_key')
    op.drop_index('ix_issued_number_rule', table_name='issued_number')
    op.drop_index('ix_issued_number_block_id', table_name='issued_number')
    op.drop_table('issued_number')
    op.drop_index('ix_number_block_rule_id', table_name='number_block')
    op.drop_index('ix_number_block_device_id', table_name='number_block')
    op.drop_table('number_block')
    op.drop_table('number_counter')
    op.drop_index('ix_numbering_rule_kind', table_name='numbering_rule')
    op.drop_index('ix_numbering_rule_code', table_name='numbering_rule')
    op.drop_table('numbering_rule')

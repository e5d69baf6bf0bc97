"""epcis: the EPCIS event store, its EPC index and capture jobs (backend/epcis)

epcis_event holds every event the EPCIS interface serves (Lotline's own, exported, and partners' captured ones) as
its EPCIS JSON with the columns the standard queries filter on, numbered by seq for the keyset cursor; epcis_epc
indexes the EPCs and EPC classes each names with their role and the unit they resolved to; epcis_capture holds
capture jobs. All server-only; the store fills itself from the event table on the first query.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08 01:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import shared_models.types

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def _seq() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'epcis_capture',
        sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('error_behaviour', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('created_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('finished_at', shared_models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column('events', sa.Integer(), nullable=False),
        sa.Column('captured', sa.Integer(), nullable=False),
        sa.Column('duplicates', sa.Integer(), nullable=False),
        sa.Column('errors', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'epcis_event',
        sa.Column('seq', _seq(), autoincrement=False, nullable=False),
        sa.Column('hash_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('event_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column('event_type', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('event_time', shared_models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('record_time', shared_models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('biz_step', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column('disposition', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column('read_point', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column('biz_location', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column('lotline_event_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column('capture_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column('document', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['capture_id'], ['epcis_capture.id']),
        sa.ForeignKeyConstraint(['lotline_event_id'], ['event.id']),
        sa.PrimaryKeyConstraint('seq'),
        sa.UniqueConstraint('hash_id'),
        sa.UniqueConstraint('lotline_event_id'),
    )
    op.create_index('ix_epcis_event_time', 'epcis_event', ['event_time'], unique=False)
    op.create_index('ix_epcis_event_biz_step', 'epcis_event', ['biz_step', 'seq'], unique=False)
    op.create_index('ix_epcis_event_biz_location', 'epcis_event', ['biz_location', 'seq'], unique=False)
    op.create_index('ix_epcis_event_read_point', 'epcis_event', ['read_point', 'seq'], unique=False)
    op.create_index(op.f('ix_epcis_event_event_id'), 'epcis_event', ['event_id'], unique=False)
    op.create_table(
        'epcis_epc',
        sa.Column('epc', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('event_seq', _seq(), nullable=False),
        sa.Column('canonical', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column('unit_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id']),
        sa.PrimaryKeyConstraint('epc', 'role', 'event_seq'),
    )
    op.create_index('ix_epcis_epc_event', 'epcis_epc', ['event_seq'], unique=False)
    op.create_index('ix_epcis_epc_canonical', 'epcis_epc', ['canonical', 'role'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_epcis_epc_canonical', table_name='epcis_epc')
    op.drop_index('ix_epcis_epc_event', table_name='epcis_epc')
    op.drop_table('epcis_epc')
    for name in ('ix_epcis_event_event_id', 'ix_epcis_event_read_point',
                 'ix_epcis_event_biz_location', 'ix_epcis_event_biz_step', 'ix_epcis_event_time'):
        op.drop_index(name, table_name='epcis_event')
    op.drop_table('epcis_event')
    op.drop_table('epcis_capture')

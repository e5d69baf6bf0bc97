"""tamper-evident event log and audit trail

Events get their place in their site's hash chain (chain_seq, prev_hash, hash; backend.eventlog), with a unique
index on (site_id, chain_seq) so a fork is never stored. Events already stored are linked here, per site in
(recorded_at, id) order, from the genesis hash: the chain then vouches for the whole history from this upgrade on
(it cannot prove what was changed before it). New columns are plain ADD COLUMNs: `event` is referenced by other
tables and must not be rebuilt on SQLite. The columns stay out of sync payloads (backend/sync/policy.py) and out
of the PowerSync streams (sync/sync-streams.yaml lists event's columns), so handheld replicas do not change.

audit_entry is the audit trail (backend.audit), server-only.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 17:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import shared_models.types
from backend.eventlog.verify import link_unchained

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('event', sa.Column('chain_seq', sa.Integer(), nullable=True))
    op.add_column('event', sa.Column('prev_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    op.add_column('event', sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    link_unchained(op.get_bind())
    op.create_index('uq_event_site_chain', 'event', ['site_id', 'chain_seq'], unique=True)

    op.create_table(
        'audit_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('actor_user_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column('actor_username', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('entity_type', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('entity_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column('entity_key', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('before', sa.JSON(), nullable=True),
        sa.Column('after', sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_audit_entity', 'audit_entry', ['entity_type', 'entity_key', 'id'], unique=False)
    op.create_index('ix_audit_at', 'audit_entry', ['at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_audit_at', table_name='audit_entry')
    op.drop_index('ix_audit_entity', table_name='audit_entry')
    op.drop_table('audit_entry')
    op.drop_index('uq_event_site_chain', table_name='event')
    for column in ('hash', 'prev_hash', 'chain_seq'):
        op.drop_column('event', column)

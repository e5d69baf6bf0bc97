"""verify checks: the history of field checks clone detection reads, and its travel thresholds

Server-only tables (backend/verify/models.py); none is published to PowerSync.

- verify_check: one row per check of a unit (its VERIFY event's id): when, region, channel, coordinates (sent by
  the device or looked up from the region), the checking account's customer, device and user; filled here from
  the VERIFY events already stored (their region and channel; no coordinates).
- verify_settings: one row ('default') with the fastest plausible travel between two checks, the distance under
  which two checks are one place, and region name -> [latitude, longitude].

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08 02:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import shared_models.types

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'verify_check',
        sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column('unit_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column('occurred_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('region', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column('latitude', sa.Float(), nullable=True),
        sa.Column('longitude', sa.Float(), nullable=True),
        sa.Column('customer_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column('device_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('verified_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_verify_check_unit_at', 'verify_check', ['unit_id', 'occurred_at'], unique=False)
    op.create_table(
        'verify_settings',
        sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('max_speed_kmh', sa.Float(), nullable=False),
        sa.Column('min_distance_km', sa.Float(), nullable=False),
        sa.Column('places', sa.JSON(), nullable=False),
        sa.Column('updated_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    _backfill()


def _backfill() -> None:
    """Every stored check of a unit becomes a history row, so clone detection keeps seeing the checks made
    before this revision."""
    event = sa.table('event', sa.column('id', sa.String), sa.column('type', sa.String),
                     sa.column('occurred_at', shared_models.types.UTCDateTime(timezone=True)),
                     sa.column('attributes', sa.JSON), sa.column('device_id', sa.String))
    line = sa.table('event_line', sa.column('event_id', sa.String), sa.column('unit_id', sa.String))
    check = sa.table('verify_check', *(sa.column(n, sa.String) for n in (
        'id', 'unit_id', 'region', 'channel', 'customer_id', 'device_id', 'verified_by')),
        sa.column('occurred_at', shared_models.types.UTCDateTime(timezone=True)), sa.column('latitude', sa.Float),
        sa.column('longitude', sa.Float))
    bind = op.get_bind()
    rows = bind.execute(sa.select(event.c.id, line.c.unit_id, event.c.occurred_at, event.c.attributes,
                                  event.c.device_id)
                        .join(line, line.c.event_id == event.c.id)
                        .where(event.c.type == 'verify', line.c.unit_id.is_not(None))).all()
    values = [{'id': r.id, 'unit_id': r.unit_id, 'occurred_at': r.occurred_at,
               'region': str((r.attributes or {}).get('region') or '')[:200],
               'channel': (r.attributes or {}).get('channel'), 'latitude': None, 'longitude': None,
               'customer_id': None, 'device_id': r.device_id or '',
               'verified_by': str((r.attributes or {}).get('verified_by') or '')[:64]} for r in rows]
    if values:
        op.bulk_insert(check, values)


def downgrade() -> None:
    op.drop_table('verify_settings')
    op.drop_index('ix_verify_check_unit_at', table_name='verify_check')
    op.drop_table('verify_check')

"""reachability: what every unit reaches, kept beside the genealogy edges

reach holds every (ancestor, descendant) pair the genealogy edges connect with its shortest depth, over integer
node numbers (reach_node), so a recall or a forward trace reads its answer instead of walking the graph;
reach_item and reach_shipment keep per ancestor the finished units per item and the shipments it reaches;
shipped_line is each unit's part in each shipment (backend/trace/models.py, backend/trace/reach.py). All
server-only. The tables are filled here from the edges and shipments already stored (backend/trace/reach_build.py:
one pass in memory over the graph).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import shared_models.types
from backend.trace.reach_build import rebuild

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'reach_node',
        sa.Column('node', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('unit_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column('finished', sa.Boolean(), nullable=False),
        sa.Column('descendants', sa.Integer(), nullable=False),
        sa.Column('depth', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id']),
        sa.PrimaryKeyConstraint('node'),
        sa.UniqueConstraint('unit_id'),
    )
    op.create_table(
        'reach',
        sa.Column('ancestor', sa.Integer(), nullable=False),
        sa.Column('descendant', sa.Integer(), nullable=False),
        sa.Column('depth', sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint('ancestor', 'descendant', postgresql_include=['depth']),
        sqlite_with_rowid=False,
    )
    op.create_index('ix_reach_descendant', 'reach', ['descendant', 'ancestor'], unique=False,
                    postgresql_include=['depth'])
    op.create_table(
        'reach_item',
        sa.Column('ancestor', sa.Integer(), nullable=False),
        sa.Column('item_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column('finished', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('ancestor', 'item_id'),
        sqlite_with_rowid=False,
    )
    op.create_table(
        'shipped_line',
        sa.Column('node', sa.Integer(), nullable=False),
        sa.Column('event_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column('customer_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column('occurred_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('uom', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('container', sa.Boolean(), nullable=False),
        sa.Column('qty', sa.Float(), nullable=False),
        sa.Column('first_to_customer', sa.Boolean(), nullable=False),
        sa.Column('first_shipment', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customer.id']),
        sa.ForeignKeyConstraint(['event_id'], ['event.id']),
        sa.PrimaryKeyConstraint('node', 'event_id'),
    )
    op.create_index('ix_shipped_line_event', 'shipped_line', ['event_id'], unique=False)
    op.create_table(
        'reach_shipment',
        sa.Column('ancestor', sa.Integer(), nullable=False),
        sa.Column('event_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column('uom', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('customer_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column('occurred_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('units', sa.Integer(), nullable=False),
        sa.Column('first_to_customer', sa.Integer(), nullable=False),
        sa.Column('first_shipment', sa.Integer(), nullable=False),
        sa.Column('qty', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('ancestor', 'event_id', 'uom'),
    )
    rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_table('reach_shipment')
    op.drop_index('ix_shipped_line_event', table_name='shipped_line')
    op.drop_table('shipped_line')
    op.drop_table('reach_item')
    op.drop_index('ix_reach_descendant', table_name='reach')
    op.drop_table('reach')
    op.drop_table('reach_node')

"""label print rules: labels queued by themselves when a receive, produce, pack or ship event is committed

Server-only tables (backend/labels/models.py); none is published to PowerSync.

- label_print_rule: event kind, optional site / item / item group / unit kind, template code, printer, copies,
  active (switched off, never deleted);
- label_print_rule_run: what one rule did for one event (queued jobs, no units, or failed with the reason);
  unique per (rule, event), which keeps the after-commit path, the sweep and several processes from printing
  an event twice.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08 01:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import shared_models.types

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'label_print_rule',
        sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('event_kind', sa.Enum('receive', 'produce', 'pack', 'ship', name='ruleevent', native_enum=False,
                                        length=32), nullable=False),
        sa.Column('site_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('item_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('item_group', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column('unit_kind', sa.Enum('lot', 'serial', 'container', name='unitkind', native_enum=False, length=32),
                  nullable=True),
        sa.Column('template_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('printer_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('copies', sa.Integer(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('created_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['item.id']),
        sa.ForeignKeyConstraint(['printer_id'], ['label_printer.id']),
        sa.ForeignKeyConstraint(['site_id'], ['site.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name'),
    )
    op.create_index(op.f('ix_label_print_rule_event_kind'), 'label_print_rule', ['event_kind'], unique=False)
    op.create_table(
        'label_print_rule_run',
        sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('rule_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('event_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('job_ids', sa.JSON(), nullable=False),
        sa.Column('labels', sa.Integer(), nullable=False),
        sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column('created_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['rule_id'], ['label_print_rule.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('rule_id', 'event_id', name='uq_label_print_rule_run'),
    )
    op.create_index(op.f('ix_label_print_rule_run_event_id'), 'label_print_rule_run', ['event_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_label_print_rule_run_event_id'), table_name='label_print_rule_run')
    op.drop_table('label_print_rule_run')
    op.drop_index(op.f('ix_label_print_rule_event_kind'), table_name='label_print_rule')
    op.drop_table('label_print_rule')

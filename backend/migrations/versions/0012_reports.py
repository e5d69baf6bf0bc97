"""reports: saved report definitions, one row per version (backend/reports)

report_definition holds each version of a report (a dataset, dimensions, measures, filters and a chart, as JSON);
editing a report adds a version, the highest one is the report. The shipped definitions (assets/reports/*.yaml)
are loaded by the service when it first finds them missing, not here.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08 01:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import shared_models.types

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'report_definition',
        sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('name_en', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('name_zh', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('definition', sa.JSON(), nullable=False),
        sa.Column('shipped', sa.Boolean(), nullable=False),
        sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('created_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['created_by'], ['app_user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code', 'version', name='uq_report_code_version'),
    )
    op.create_index(op.f('ix_report_definition_code'), 'report_definition', ['code'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_report_definition_code'), table_name='report_definition')
    op.drop_table('report_definition')

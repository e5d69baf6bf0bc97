"""labels: template versions, printers, print jobs and the record of every label printed

Server-only tables (backend/labels/models.py); none is published to PowerSync.

- label_template: one row per template version; `in_use` once a label printed from it (then it never changes);
- label_printer: ZPL printers on TCP 9100 and PDF-download "printers", with resolution and stock;
- print_job: what one print request sends, rendered when asked (payload), with status, attempts and backoff;
- label_print: each label printed for a unit: who, when, which template version, on which job, reprint reason.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-14 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import shared_models.types

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('label_template',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('doc', sa.JSON(), nullable=False),
    sa.Column('in_use', sa.Boolean(), nullable=False),
    sa.Column('retired', sa.Boolean(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code', 'version', name='uq_label_template_version')
    )
    op.create_index(op.f('ix_label_template_code'), 'label_template', ['code'], unique=False)
    op.create_table('label_printer',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('site_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('kind', sa.Enum('zpl_tcp', 'pdf_download', name='printerkind', native_enum=False, length=32), nullable=False),
    sa.Column('host', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('port', sa.Integer(), nullable=False),
    sa.Column('dpi', sa.Integer(), nullable=False),
    sa.Column('media', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_index(op.f('ix_label_printer_site_id'), 'label_printer', ['site_id'], unique=False)
    op.create_table('print_job',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('printer_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('template_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('status', sa.Enum('queued', 'sending', 'sent', 'failed', 'ready', 'cancelled', name='jobstatus', native_enum=False, length=32), nullable=False),
    sa.Column('labels', sa.Integer(), nullable=False),
    sa.Column('copies', sa.Integer(), nullable=False),
    sa.Column('payload', sa.LargeBinary(), nullable=False),
    sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', shared_models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('claimed_at', shared_models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', shared_models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['printer_id'], ['label_printer.id'], ),
    sa.ForeignKeyConstraint(['template_id'], ['label_template.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_print_job_printer_id'), 'print_job', ['printer_id'], unique=False)
    op.create_index('ix_print_job_status_due', 'print_job', ['status', 'next_attempt_at'], unique=False)
    op.create_table('label_print',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('printed_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('template_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('template_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('template_version', sa.Integer(), nullable=False),
    sa.Column('unit_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('unit_code', sqlmodel.sql.sqltypes.AutoString(length=96), nullable=False),
    sa.Column('job_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('copies', sa.Integer(), nullable=False),
    sa.Column('reprint', sa.Boolean(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['print_job.id'], ),
    sa.ForeignKeyConstraint(['template_id'], ['label_template.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_label_print_job_id'), 'label_print', ['job_id'], unique=False)
    op.create_index(op.f('ix_label_print_template_id'), 'label_print', ['template_id'], unique=False)
    op.create_index('ix_label_print_unit', 'label_print', ['unit_id', 'template_code'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_label_print_unit', table_name='label_print')
    op.drop_index(op.f('ix_label_print_template_id'), table_name='label_print')
    op.drop_index(op.f('ix_label_print_job_id'), table_name='label_print')
    op.drop_table('label_print')
    op.drop_index('ix_print_job_status_due', table_name='print_job')
    op.drop_index(op.f('ix_print_job_printer_id'), table_name='print_job')
    op.drop_table('print_job')
    op.drop_index(op.f('ix_label_printer_site_id'), table_name='label_printer')
    op.drop_table('label_printer')
    op.drop_index(op.f('ix_label_template_code'), table_name='label_template')
    op.drop_table('label_template')

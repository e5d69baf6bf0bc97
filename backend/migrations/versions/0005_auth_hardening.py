"""auth hardening: token generation, login throttling

Every access token carries its user's token_generation; raising it (new password, deactivation, an admin's
"revoke tokens") ends the tokens issued before. login_throttle counts failed log-ins per username and per client
address, in the database so that every backend process sees the same counts.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 17:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import shared_models.types

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (SQLite too): app_user is referenced by other tables, so it must not be rebuilt.
    op.add_column('app_user', sa.Column('token_generation', sa.Integer(), server_default=sa.text('0'),
                                        nullable=False))
    op.create_table('login_throttle',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_started_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('login_throttle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_throttle_window_started_at'), ['window_started_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('login_throttle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_throttle_window_started_at'))
    op.drop_table('login_throttle')
    # SQLite 3.35+ drops a column in place; batch mode would rebuild app_user under its foreign keys.
    op.drop_column('app_user', 'token_generation')

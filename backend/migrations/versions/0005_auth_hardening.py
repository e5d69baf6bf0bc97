"""auth hardening: token generation, login throttling

Filled in by the auth hardening work (issue 10, finding 7).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 17:45:00
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

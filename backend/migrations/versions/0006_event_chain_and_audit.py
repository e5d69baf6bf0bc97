"""tamper-evident event log and audit trail

Filled in by the event-hash-chain and audit-trail work (issue 10).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 17:45:00
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

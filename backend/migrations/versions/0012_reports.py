"""reports: saved report definitions and schedules (backend/reports)

Placeholder reserved for the helper building it; it fills in upgrade/downgrade (empty until then).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08 01:00:00
"""

from __future__ import annotations

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

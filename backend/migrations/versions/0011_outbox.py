"""outbox: the outbox of domain events, webhook subscriptions and deliveries, ERP orders (backend/outbox, backend/orders)

Placeholder reserved for the helper building it; it fills in upgrade/downgrade (empty until then).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08 01:00:00
"""

from __future__ import annotations

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

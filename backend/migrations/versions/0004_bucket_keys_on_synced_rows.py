"""bucket keys on synced rows

The PowerSync Service puts a replicated row in buckets by the row's own columns. Stock rows and container contents
found their site through the location or the container, and a unit the distributors it was shipped to through its
ship events: at scale that made one bucket per bin, per container and per shipped unit. The keys now live on the
rows (stock_on_hand.site_id, container_content.site_id, unit.shipped_to), filled here from what the rows point at,
and event_line leaves the `powersync` publication (no stream reads it any more).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 07:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# Customers each shipped unit went to, as a sorted JSON array (how the application writes it).
_SHIPPED_TO = {
    "sqlite": """
        UPDATE unit SET shipped_to = (
            SELECT json_group_array(customer_id) FROM (
                SELECT DISTINCT e.customer_id FROM event_line l JOIN event e ON e.id = l.event_id
                WHERE l.unit_id = unit.id AND e.type = 'ship' AND e.customer_id IS NOT NULL ORDER BY 1))
        WHERE id IN (SELECT l.unit_id FROM event_line l JOIN event e ON e.id = l.event_id
                     WHERE e.type = 'ship' AND e.customer_id IS NOT NULL)""",
    "postgresql": """
        UPDATE unit SET shipped_to = s.customers
        FROM (SELECT l.unit_id, json_agg(DISTINCT e.customer_id ORDER BY e.customer_id) AS customers
              FROM event_line l JOIN event e ON e.id = l.event_id
              WHERE e.type = 'ship' AND e.customer_id IS NOT NULL GROUP BY l.unit_id) s
        WHERE unit.id = s.unit_id""",
}


def _publication() -> str:
    schema = op.get_bind().exec_driver_sql("SELECT current_schema()").scalar()
    return "powersync" if schema in (None, "public") else f"powersync_{schema}"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    # Plain ADD COLUMNs (SQLite too): `unit` is referenced by other tables, so it must not be rebuilt.
    for table in ("stock_on_hand", "container_content"):
        op.add_column(table, sa.Column('site_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.add_column('unit', sa.Column('shipped_to', sa.JSON(), server_default=sa.text("'[]'"), nullable=False))

    op.execute("UPDATE stock_on_hand SET site_id = "
               "(SELECT location.site_id FROM location WHERE location.id = stock_on_hand.location_id)")
    op.execute("UPDATE container_content SET site_id = "
               "(SELECT unit.site_id FROM unit WHERE unit.id = container_content.container_id)")
    op.execute(_SHIPPED_TO[dialect])

    for table in ("stock_on_hand", "container_content"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('site_id', existing_type=sqlmodel.sql.sqltypes.AutoString(), nullable=False)
            batch_op.create_index(batch_op.f(f'ix_{table}_site_id'), ['site_id'], unique=False)
            batch_op.create_foreign_key(f'fk_{table}_site_id_site', 'site', ['site_id'], ['id'])
    if dialect == "postgresql":
        op.execute(f"ALTER PUBLICATION {_publication()} DROP TABLE event_line")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER PUBLICATION {_publication()} ADD TABLE event_line")
    for table in ("container_content", "stock_on_hand"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f'fk_{table}_site_id_site', type_='foreignkey')
            batch_op.drop_index(batch_op.f(f'ix_{table}_site_id'))
            batch_op.drop_column('site_id')
    op.drop_column('unit', 'shipped_to')

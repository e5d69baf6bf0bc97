"""outbox: domain events told to ERP/MES through signed webhooks

outbox_message holds one row per domain fact worth telling (received, produced, shipped, inspected,
nonconformance opened/closed, warning raised, recall opened/closed), written in the transaction that made the fact
(backend/outbox/recorder.py); its integer id is the outbox's order. webhook_subscription says who hears which
topics at which URL and with which HMAC secret; webhook_delivery is one message on its way to one subscription,
sent strictly in id order per subscription, retried with backoff, a dead letter once its attempts are used up
(backend/outbox/queue.py, worker.py). purchase_order/sales_order and their lines are the orders ERP hands over,
upserted by the ERP's number (backend/orders); work orders stay production's work_order. All server-only.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08 01:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import shared_models.types

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

SERIAL = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'outbox_message',
        sa.Column('id', SERIAL, autoincrement=True, nullable=False),
        sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column('topic', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('subject_type', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('subject_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column('subject_code', sqlmodel.sql.sqltypes.AutoString(length=96), nullable=False),
        sa.Column('occurred_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('created_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('fanned_out', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key'),
    )
    op.create_index(op.f('ix_outbox_message_topic'), 'outbox_message', ['topic'], unique=False)
    op.create_index(op.f('ix_outbox_message_created_at'), 'outbox_message', ['created_at'], unique=False)
    op.create_index('ix_outbox_message_fanned', 'outbox_message', ['fanned_out', 'id'], unique=False)
    op.create_table(
        'webhook_subscription',
        sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('url', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column('topics', sa.JSON(), nullable=False),
        sa.Column('secret', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('max_attempts', sa.Integer(), nullable=False),
        sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('created_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('secret_rotated_at', shared_models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('disabled_at', shared_models.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'webhook_delivery',
        sa.Column('id', SERIAL, autoincrement=True, nullable=False),
        sa.Column('subscription_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column('message_id', sa.BigInteger(), nullable=False),
        sa.Column('status', sa.Enum('pending', 'sending', 'delivered', 'dead', name='deliverystatus',
                                    native_enum=False, length=32), nullable=False),
        sa.Column('replay', sa.Boolean(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('claimed_at', shared_models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('delivered_at', shared_models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('last_status', sa.Integer(), nullable=True),
        sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column('created_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['message_id'], ['outbox_message.id']),
        sa.ForeignKeyConstraint(['subscription_id'], ['webhook_subscription.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_webhook_delivery_message_id'), 'webhook_delivery', ['message_id'], unique=False)
    op.create_index('ix_webhook_delivery_line', 'webhook_delivery', ['status', 'subscription_id', 'id'],
                    unique=False)
    op.create_index('ix_webhook_delivery_sub', 'webhook_delivery', ['subscription_id', 'id'], unique=False)
    _order_tables('purchase_order', 'supplier')
    _order_tables('sales_order', 'customer')


def _order_tables(order: str, partner: str) -> None:
    op.create_table(
        order,
        sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column(f'{partner}_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('site_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('status', sa.Enum('open', 'closed', 'cancelled', name='orderstatus', native_enum=False,
                                    length=32), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['site_id'], ['site.id']),
        sa.ForeignKeyConstraint([f'{partner}_id'], [f'{partner}.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f(f'ix_{order}_number'), order, ['number'], unique=True)
    op.create_index(op.f(f'ix_{order}_{partner}_id'), order, [f'{partner}_id'], unique=False)
    op.create_table(
        f'{order}_line',
        sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('order_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('line_no', sa.Integer(), nullable=False),
        sa.Column('item_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('qty', sa.Float(), nullable=False),
        sa.Column('uom', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['item.id']),
        sa.ForeignKeyConstraint(['order_id'], [f'{order}.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('order_id', 'line_no', name=f'uq_{order}_line'),
    )
    op.create_index(op.f(f'ix_{order}_line_order_id'), f'{order}_line', ['order_id'], unique=False)
    op.create_index(op.f(f'ix_{order}_line_item_id'), f'{order}_line', ['item_id'], unique=False)


def _drop_order_tables(order: str, partner: str) -> None:
    op.drop_index(op.f(f'ix_{order}_line_item_id'), table_name=f'{order}_line')
    op.drop_index(op.f(f'ix_{order}_line_order_id'), table_name=f'{order}_line')
    op.drop_table(f'{order}_line')
    op.drop_index(op.f(f'ix_{order}_{partner}_id'), table_name=order)
    op.drop_index(op.f(f'ix_{order}_number'), table_name=order)
    op.drop_table(order)


def downgrade() -> None:
    _drop_order_tables('sales_order', 'customer')
    _drop_order_tables('purchase_order', 'supplier')
    op.drop_index('ix_webhook_delivery_sub', table_name='webhook_delivery')
    op.drop_index('ix_webhook_delivery_line', table_name='webhook_delivery')
    op.drop_index(op.f('ix_webhook_delivery_message_id'), table_name='webhook_delivery')
    op.drop_table('webhook_delivery')
    op.drop_table('webhook_subscription')
    op.drop_index('ix_outbox_message_fanned', table_name='outbox_message')
    op.drop_index(op.f('ix_outbox_message_created_at'), table_name='outbox_message')
    op.drop_index(op.f('ix_outbox_message_topic'), table_name='outbox_message')
    op.drop_table('outbox_message')

"""add shipping method and status index

Revision ID: 8b41d0e6c2a7
Revises: 3f2a9c1d7e55
Create Date: 2023-11-02 16:05:51.930417

"""
import sqlalchemy as sa
from alembic import op

revision = "8b41d0e6c2a7"
down_revision = "3f2a9c1d7e55"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("orders", sa.Column("shipping_method", sa.String(length=32), nullable=False))
    op.create_index("ix_orders_status", "orders", ["status"])


def downgrade() -> None:
    pass

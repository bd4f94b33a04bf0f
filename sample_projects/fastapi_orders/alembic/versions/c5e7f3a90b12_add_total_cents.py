"""add orders.total_cents

Revision ID: c5e7f3a90b12
Revises: 8b41d0e6c2a7
Create Date: 2024-01-23 11:27:14.502981

"""
import sqlalchemy as sa
from alembic import op

revision = "c5e7f3a90b12"
down_revision = "8b41d0e6c2a7"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("orders", sa.Column("total_cents", sa.BigInteger(), nullable=True))
    op.execute("UPDATE orders SET total_cents = round(total * 100)")
    op.alter_column("orders", "total_cents", nullable=False)


def downgrade() -> None:
    op.drop_column("orders", "total_cents")

"""rename customers.phone, drop orders.legacy_ref

Revision ID: e19b6a4d8f03
Revises: c5e7f3a90b12
Create Date: 2024-03-08 14:52:33.077120

"""
import sqlalchemy as sa
from alembic import op

revision = "e19b6a4d8f03"
down_revision = "c5e7f3a90b12"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("customers", "phone", new_column_name="phone_number")
    op.drop_column("orders", "legacy_ref")


def downgrade() -> None:
    op.add_column("orders", sa.Column("legacy_ref", sa.String(length=64), nullable=True))
    op.alter_column("customers", "phone_number", new_column_name="phone")

"""add item description and reorder level

Revision ID: a4c7e9b21d36
Revises: 6b1f0c2d9a10
Create Date: 2024-04-17 08:55:02.118540+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a4c7e9b21d36"
down_revision: str | None = "6b1f0c2d9a10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("items", sa.Column("description", sa.Text(), nullable=True))
    op.add_column(
        "items",
        sa.Column("reorder_level", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
    )


def downgrade() -> None:
    op.drop_column("items", "reorder_level")
    op.drop_column("items", "description")

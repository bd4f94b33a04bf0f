"""index stock_movements.created_at for the movement history filter

Revision ID: d81e5f4a0c97
Revises: a4c7e9b21d36
Create Date: 2024-06-02 14:20:37.660912+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "d81e5f4a0c97"
down_revision: str | None = "a4c7e9b21d36"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_stock_movements_created_at",
            "stock_movements",
            ["created_at"],
            postgresql_concurrently=True,
            if_not_exists=True,
        )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index(
            "ix_stock_movements_created_at",
            table_name="stock_movements",
            postgresql_concurrently=True,
            if_exists=True,
        )

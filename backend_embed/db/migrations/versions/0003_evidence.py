"""Evidence: a snapshot's source, thumbnail and protection; a bookmark's tags and the lock on its range.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 12:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the columns with server defaults, so rows written before keep valid values."""
    with op.batch_alter_table("snapshots") as batch:
        batch.add_column(sa.Column("source", sa.String(10), nullable=False, server_default="live"))
        batch.add_column(sa.Column("thumbnail_path", sa.Text(), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("protected", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.create_check_constraint("source", "source IN ('live', 'recorded')")
        batch.create_index("ix_snapshots_taken_at_ms", ["taken_at_ms"])
    with op.batch_alter_table("bookmarks") as batch:
        batch.add_column(sa.Column("tags", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("protected_range_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_bookmarks_protected_range_id_protected_ranges",
            "protected_ranges",
            ["protected_range_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    """Drop the columns again (tags, locks' links, sources and thumbnails are lost; files stay)."""
    with op.batch_alter_table("bookmarks") as batch:
        batch.drop_constraint(
            "fk_bookmarks_protected_range_id_protected_ranges", type_="foreignkey"
        )
        batch.drop_column("protected_range_id")
        batch.drop_column("tags")
    with op.batch_alter_table("snapshots") as batch:
        batch.drop_index("ix_snapshots_taken_at_ms")
        batch.drop_constraint(op.f("ck_snapshots_source"), type_="check")
        batch.drop_column("protected")
        batch.drop_column("thumbnail_path")
        batch.drop_column("source")

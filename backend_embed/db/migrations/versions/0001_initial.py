"""Initial schema: cameras and groups, the recording index, protected ranges, snapshots, bookmarks, events,
users and the audit log.

Revision ID: 0001
Revises:
Create Date: 2025-01-01 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the model types: a migration must not change when the models do.
_ID = sa.Integer()
_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TS = sa.DateTime(timezone=True)


def _id(*, big: bool = False) -> sa.Column[int]:
    """The surrogate key column; each table names its primary key constraint itself."""
    return sa.Column("id", _BIG_ID if big else _ID, nullable=False)


def _fk(column: str, table: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    """Create every table and index."""
    _create_cameras()
    _create_people()
    _create_media()
    _create_journal()


def _create_cameras() -> None:
    op.create_table(
        "camera_groups",
        _id(),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_camera_groups")),
        sa.UniqueConstraint("name", name=op.f("uq_camera_groups_name")),
    )
    op.create_table(
        "cameras",
        _id(),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("main_url", sa.Text(), nullable=False),
        sa.Column("sub_url", sa.Text(), nullable=True),
        sa.Column("username", sa.String(255), nullable=False),
        sa.Column("password_encrypted", sa.LargeBinary(), nullable=True),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("location", sa.String(255), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("record_enabled", sa.Boolean(), nullable=False),
        sa.Column("record_stream", sa.String(8), nullable=False),
        sa.Column("max_age_days", sa.Integer(), nullable=True),
        sa.Column("max_bytes", sa.BigInteger(), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cameras")),
        sa.UniqueConstraint("name", name=op.f("uq_cameras_name")),
        _fk("group_id", "cameras", "camera_groups", "SET NULL"),
        sa.CheckConstraint(
            "record_stream IN ('main', 'sub')", name=op.f("ck_cameras_record_stream")
        ),
        sa.CheckConstraint(
            "max_age_days IS NULL OR max_age_days > 0",
            name=op.f("ck_cameras_max_age_days_positive"),
        ),
        sa.CheckConstraint(
            "max_bytes IS NULL OR max_bytes > 0", name=op.f("ck_cameras_max_bytes_positive")
        ),
    )
    op.create_index(op.f("ix_cameras_group_id"), "cameras", ["group_id"])


def _create_people() -> None:
    op.create_table(
        "users",
        _id(),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("last_login_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
        sa.CheckConstraint("role IN ('viewer', 'operator', 'admin')", name=op.f("ck_users_role")),
    )


def _create_media() -> None:
    op.create_table(
        "recording_segments",
        _id(big=True),
        sa.Column("camera_id", sa.Integer(), nullable=False),
        sa.Column("stream", sa.String(8), nullable=False),
        sa.Column("start_ms", sa.BigInteger(), nullable=False),
        sa.Column("end_ms", sa.BigInteger(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("discontinuity", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recording_segments")),
        sa.UniqueConstraint("path", name=op.f("uq_recording_segments_path")),
        _fk("camera_id", "recording_segments", "cameras", "CASCADE"),
        sa.CheckConstraint("stream IN ('main', 'sub')", name=op.f("ck_recording_segments_stream")),
        sa.CheckConstraint(
            "end_ms >= start_ms", name=op.f("ck_recording_segments_end_after_start")
        ),
        sa.CheckConstraint("size_bytes >= 0", name=op.f("ck_recording_segments_size_not_negative")),
    )
    op.create_index(
        op.f("ix_recording_segments_timeline"),
        "recording_segments",
        ["camera_id", "stream", "start_ms", "end_ms"],
    )
    op.create_index(op.f("ix_recording_segments_start_ms"), "recording_segments", ["start_ms"])
    op.create_table(
        "protected_ranges",
        _id(),
        sa.Column("camera_id", sa.Integer(), nullable=True),
        sa.Column("start_ms", sa.BigInteger(), nullable=False),
        sa.Column("end_ms", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protected_ranges")),
        _fk("camera_id", "protected_ranges", "cameras", "CASCADE"),
        _fk("created_by_id", "protected_ranges", "users", "SET NULL"),
        sa.CheckConstraint("end_ms > start_ms", name=op.f("ck_protected_ranges_end_after_start")),
    )
    op.create_index(op.f("ix_protected_ranges_camera_id"), "protected_ranges", ["camera_id"])
    op.create_table(
        "snapshots",
        _id(),
        sa.Column("camera_id", sa.Integer(), nullable=True),
        sa.Column("camera_name", sa.String(100), nullable=False),
        sa.Column("stream", sa.String(8), nullable=False),
        sa.Column("taken_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_snapshots")),
        sa.UniqueConstraint("path", name=op.f("uq_snapshots_path")),
        _fk("camera_id", "snapshots", "cameras", "SET NULL"),
        sa.CheckConstraint("stream IN ('main', 'sub')", name=op.f("ck_snapshots_stream")),
    )
    op.create_index(op.f("ix_snapshots_camera_taken"), "snapshots", ["camera_id", "taken_at_ms"])
    op.create_table(
        "bookmarks",
        _id(),
        sa.Column("camera_id", sa.Integer(), nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.Column("end_ms", sa.BigInteger(), nullable=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookmarks")),
        _fk("camera_id", "bookmarks", "cameras", "CASCADE"),
        _fk("created_by_id", "bookmarks", "users", "SET NULL"),
        sa.CheckConstraint(
            "end_ms IS NULL OR end_ms >= at_ms", name=op.f("ck_bookmarks_end_after_start")
        ),
    )
    op.create_index(op.f("ix_bookmarks_camera_at"), "bookmarks", ["camera_id", "at_ms"])


def _create_journal() -> None:
    op.create_table(
        "events",
        _id(big=True),
        sa.Column("camera_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("occurred_at", _TS, nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        _fk("camera_id", "events", "cameras", "SET NULL"),
        sa.CheckConstraint(
            "severity IN ('info', 'warning', 'error')", name=op.f("ck_events_severity")
        ),
    )
    op.create_index(op.f("ix_events_occurred_at"), "events", ["occurred_at"])
    op.create_index(op.f("ix_events_camera_occurred"), "events", ["camera_id", "occurred_at"])
    op.create_table(
        "audit_log",
        _id(big=True),
        sa.Column("at", _TS, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target_type", sa.String(32), nullable=False),
        sa.Column("target_id", sa.String(64), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        _fk("user_id", "audit_log", "users", "SET NULL"),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"])


def downgrade() -> None:
    """Drop everything, children before parents."""
    for table in (
        "audit_log",
        "events",
        "bookmarks",
        "snapshots",
        "protected_ranges",
        "recording_segments",
        "users",
        "cameras",
        "camera_groups",
    ):
        op.drop_table(table)

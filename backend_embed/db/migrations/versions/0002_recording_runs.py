"""Recording runs: contiguous stretches of segments per camera stream, so coverage never reads segment rows.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of backend_embed.recording.runs' rule: a migration must not change when the code does.
_TOLERANCE_MS = 500
_RUN_MAX_MS = 3_600_000
_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

_segments = sa.table(
    "recording_segments",
    sa.column("camera_id", sa.Integer()),
    sa.column("stream", sa.String()),
    sa.column("start_ms", sa.BigInteger()),
    sa.column("end_ms", sa.BigInteger()),
    sa.column("size_bytes", sa.BigInteger()),
    sa.column("discontinuity", sa.Boolean()),
    sa.column("id", sa.BigInteger()),
)


def upgrade() -> None:
    """Create `recording_runs` and fill it from the segments already indexed."""
    runs = op.create_table(
        "recording_runs",
        sa.Column("id", _BIG_ID, nullable=False),
        sa.Column("camera_id", sa.Integer(), nullable=False),
        sa.Column("stream", sa.String(8), nullable=False),
        sa.Column("start_ms", sa.BigInteger(), nullable=False),
        sa.Column("end_ms", sa.BigInteger(), nullable=False),
        sa.Column("segment_count", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recording_runs")),
        sa.ForeignKeyConstraint(
            ["camera_id"],
            ["cameras.id"],
            name=op.f("fk_recording_runs_camera_id_cameras"),
            ondelete="CASCADE",
        ),
        sa.CheckConstraint("stream IN ('main', 'sub')", name=op.f("ck_recording_runs_stream")),
        sa.CheckConstraint("end_ms >= start_ms", name=op.f("ck_recording_runs_end_after_start")),
        sa.CheckConstraint(
            "segment_count > 0", name=op.f("ck_recording_runs_segment_count_positive")
        ),
        sa.CheckConstraint("size_bytes >= 0", name=op.f("ck_recording_runs_size_not_negative")),
    )
    op.create_index(
        op.f("ix_recording_runs_timeline"),
        "recording_runs",
        ["camera_id", "stream", "start_ms", "end_ms"],
    )
    _fill_runs(runs)


class _Run:
    """A run being built. A plain class: Alembic loads this file outside sys.modules, which dataclasses need."""

    __slots__ = ("camera_id", "end_ms", "segment_count", "size_bytes", "start_ms", "stream")

    def __init__(
        self, camera_id: int, stream: str, start_ms: int, end_ms: int, size_bytes: int
    ) -> None:
        self.camera_id = camera_id
        self.stream = stream
        self.start_ms = start_ms
        self.end_ms = end_ms
        self.segment_count = 1
        self.size_bytes = size_bytes

    def values(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.__slots__}

    def takes(self, camera_id: int, stream: str, start_ms: int, end_ms: int, gap: bool) -> bool:
        return (
            (self.camera_id, self.stream) == (camera_id, stream)
            and not gap
            and abs(start_ms - self.end_ms) <= _TOLERANCE_MS
            and end_ms - self.start_ms <= _RUN_MAX_MS
        )


def _fill_runs(runs: sa.Table) -> None:
    """Group existing segments into runs with the same rule the recording index applies to new ones."""
    rows = op.get_bind().execute(
        sa.select(
            _segments.c.camera_id,
            _segments.c.stream,
            _segments.c.start_ms,
            _segments.c.end_ms,
            _segments.c.size_bytes,
            _segments.c.discontinuity,
        ).order_by(_segments.c.camera_id, _segments.c.stream, _segments.c.start_ms, _segments.c.id)
    )
    built: list[_Run] = []
    for camera_id, stream, start_ms, end_ms, size_bytes, discontinuity in rows:
        current = built[-1] if built else None
        if current is not None and current.takes(
            camera_id, stream, start_ms, end_ms, discontinuity
        ):
            current.end_ms = max(current.end_ms, end_ms)
            current.segment_count += 1
            current.size_bytes += size_bytes
        else:
            built.append(_Run(camera_id, stream, start_ms, end_ms, size_bytes))
    if built:
        op.get_bind().execute(sa.insert(runs), [run.values() for run in built])


def downgrade() -> None:
    """Drop the runs; the segments alone still hold everything."""
    op.drop_index(op.f("ix_recording_runs_timeline"), table_name="recording_runs")
    op.drop_table("recording_runs")

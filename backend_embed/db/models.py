"""The typed declarative models: one class per table. ORM objects never leave `backend_embed.db`.

Time on the media timeline (segments, protected ranges, snapshots, bookmarks) is wall-clock UTC in integer
milliseconds (`*_ms`): range queries over millions of segment rows stay integer comparisons on an index, with no
time zone handling. Bookkeeping times (`created_at`, `occurred_at`, ...) are tz-aware UTC timestamps.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from backend_embed.db.types import BigIntegerKey, UtcDateTime, utc_now

# Deterministic constraint names: Alembic batch mode on SQLite and later migrations refer to them by name.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

NAME_MAX = 100
STREAM_ROLES = ("main", "sub")
USER_ROLES = ("viewer", "operator", "admin")
EVENT_SEVERITIES = ("info", "warning", "error")
SNAPSHOT_SOURCES = ("live", "recorded")


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


class Base(DeclarativeBase):
    """Declarative base carrying the naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime()}


class CameraGroupRow(Base):
    """A named folder of cameras."""

    __tablename__ = "camera_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class CameraRow(Base):
    """A camera: clean URLs, the encrypted password and the recording settings."""

    __tablename__ = "cameras"
    __table_args__ = (
        CheckConstraint(_in("record_stream", STREAM_ROLES), name="record_stream"),
        CheckConstraint("max_age_days IS NULL OR max_age_days > 0", name="max_age_days_positive"),
        CheckConstraint("max_bytes IS NULL OR max_bytes > 0", name="max_bytes_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX), unique=True)
    main_url: Mapped[str] = mapped_column(Text)
    sub_url: Mapped[str | None] = mapped_column(Text)
    username: Mapped[str] = mapped_column(String(255), default="")
    password_encrypted: Mapped[bytes | None] = mapped_column()
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("camera_groups.id", ondelete="SET NULL"), index=True
    )
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    location: Mapped[str] = mapped_column(String(255), default="")
    enabled: Mapped[bool] = mapped_column(default=True)
    record_enabled: Mapped[bool] = mapped_column(default=True)
    record_stream: Mapped[str] = mapped_column(String(8), default="main")
    max_age_days: Mapped[int | None] = mapped_column(Integer)
    max_bytes: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)


class RecordingSegmentRow(Base):
    """One recorded media segment of a camera stream: the recording index (after moonfire-nvr).

    `start_ms`/`end_ms` are wall-clock UTC; `duration_ms` is the media duration, which may differ from
    `end_ms - start_ms` when the camera clock drifts. `discontinuity` marks a segment that does not continue
    the previous one (a restart or a gap), so a playlist emits EXT-X-DISCONTINUITY before it. `path` is
    relative to the recordings root, so the store can move.
    """

    __tablename__ = "recording_segments"
    __table_args__ = (
        CheckConstraint(_in("stream", STREAM_ROLES), name="stream"),
        CheckConstraint("end_ms >= start_ms", name="end_after_start"),
        CheckConstraint("size_bytes >= 0", name="size_not_negative"),
        # Timeline and playlist queries (one camera stream, a time range) are answered from this index alone.
        Index("ix_recording_segments_timeline", "camera_id", "stream", "start_ms", "end_ms"),
    )

    id: Mapped[int] = mapped_column(BigIntegerKey, primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"))
    stream: Mapped[str] = mapped_column(String(8))
    # Global retention sweeps delete the oldest segments of all cameras first.
    start_ms: Mapped[int] = mapped_column(BigInteger, index=True)
    end_ms: Mapped[int] = mapped_column(BigInteger)
    duration_ms: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    path: Mapped[str] = mapped_column(Text, unique=True)
    discontinuity: Mapped[bool] = mapped_column(default=False)


class RecordingRunRow(Base):
    """A stretch of contiguous segments of one camera stream, pre-merged so coverage never reads segment rows.

    Maintained in the same transaction as the segments (`backend_embed.recording.runs`). A run holds segments
    that follow each other within a small tolerance and never spans more than `RUN_MAX_MS` (one hour), so a
    time-range query looks back at most one hour and a run is rebuilt from at most an hour of segments.
    `size_bytes` lets the storage report sum weeks of recording from a few hundred rows.
    """

    __tablename__ = "recording_runs"
    __table_args__ = (
        CheckConstraint(_in("stream", STREAM_ROLES), name="stream"),
        CheckConstraint("end_ms >= start_ms", name="end_after_start"),
        CheckConstraint("segment_count > 0", name="segment_count_positive"),
        CheckConstraint("size_bytes >= 0", name="size_not_negative"),
        Index("ix_recording_runs_timeline", "camera_id", "stream", "start_ms", "end_ms"),
    )

    id: Mapped[int] = mapped_column(BigIntegerKey, primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"))
    stream: Mapped[str] = mapped_column(String(8))
    start_ms: Mapped[int] = mapped_column(BigInteger)
    end_ms: Mapped[int] = mapped_column(BigInteger)
    segment_count: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(BigInteger)


class ProtectedRangeRow(Base):
    """A time range retention must never delete: for one camera, or for all when `camera_id` is NULL."""

    __tablename__ = "protected_ranges"
    __table_args__ = (CheckConstraint("end_ms > start_ms", name="end_after_start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    camera_id: Mapped[int | None] = mapped_column(
        ForeignKey("cameras.id", ondelete="CASCADE"), index=True
    )
    start_ms: Mapped[int] = mapped_column(BigInteger)
    end_ms: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class SnapshotRow(Base):
    """A still image saved to the gallery. It outlives its camera, so the camera's name is kept."""

    __tablename__ = "snapshots"
    __table_args__ = (
        CheckConstraint(_in("stream", STREAM_ROLES), name="stream"),
        CheckConstraint(_in("source", SNAPSHOT_SOURCES), name="source"),
        Index("ix_snapshots_camera_taken", "camera_id", "taken_at_ms"),
        Index("ix_snapshots_taken_at_ms", "taken_at_ms"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    camera_id: Mapped[int | None] = mapped_column(ForeignKey("cameras.id", ondelete="SET NULL"))
    camera_name: Mapped[str] = mapped_column(String(NAME_MAX))
    stream: Mapped[str] = mapped_column(String(8))
    taken_at_ms: Mapped[int] = mapped_column(BigInteger)
    path: Mapped[str] = mapped_column(Text, unique=True)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    source: Mapped[str] = mapped_column(String(10), default="live", server_default="live")
    thumbnail_path: Mapped[str] = mapped_column(Text, default="", server_default="")
    protected: Mapped[bool] = mapped_column(default=False, server_default=false())


class BookmarkRow(Base):
    """A named moment (or range, when `end_ms` is set) on a camera's timeline."""

    __tablename__ = "bookmarks"
    __table_args__ = (
        CheckConstraint("end_ms IS NULL OR end_ms >= at_ms", name="end_after_start"),
        Index("ix_bookmarks_camera_at", "camera_id", "at_ms"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"))
    at_ms: Mapped[int] = mapped_column(BigInteger)
    end_ms: Mapped[int | None] = mapped_column(BigInteger)
    title: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    tags: Mapped[list[str] | None] = mapped_column(JSON)
    #: the protected range locking this bookmark's recordings; NULL when unlocked
    protected_range_id: Mapped[int | None] = mapped_column(
        ForeignKey("protected_ranges.id", ondelete="SET NULL")
    )


class EventRow(Base):
    """Something that happened to a camera or the system (went offline, recording failed, ...)."""

    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint(_in("severity", EVENT_SEVERITIES), name="severity"),
        Index("ix_events_camera_occurred", "camera_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigIntegerKey, primary_key=True)
    camera_id: Mapped[int | None] = mapped_column(ForeignKey("cameras.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16), default="info")
    occurred_at: Mapped[datetime] = mapped_column(default=utc_now, index=True)
    message: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class UserRow(Base):
    """An operator account. `password_hash` is a self-describing hash string, never a reversible secret."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_in("role", USER_ROLES), name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="operator")
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    last_login_at: Mapped[datetime | None] = mapped_column()


class AuditLogRow(Base):
    """Who changed what and when. `actor` keeps the user name so an entry survives the user's deletion."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigIntegerKey, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utc_now, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(32), default="")
    target_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)

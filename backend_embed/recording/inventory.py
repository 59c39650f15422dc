"""Read-only questions about the index for the storage report and recovery, answered from runs where possible."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, func, select

from backend_embed.api.dto import StreamRole
from backend_embed.db.engine import Database
from backend_embed.db.models import CameraRow, RecordingRunRow, RecordingSegmentRow

_segments = cast(Table, RecordingSegmentRow.__table__)
_runs = cast(Table, RecordingRunRow.__table__)


@dataclass(frozen=True, slots=True)
class CameraUsage:
    """One camera's recordings in the index: bytes, oldest start and newest end."""

    camera_id: int
    bytes: int
    oldest_ms: int
    newest_ms: int


@dataclass(frozen=True, slots=True)
class RunSpan:
    """Where a run lies: enough to know which days of a camera stream hold recordings."""

    camera_id: int
    stream: StreamRole
    start_ms: int
    end_ms: int


@dataclass(frozen=True, slots=True)
class DaySignature:
    """A cheap fingerprint of the segments of a camera stream that start in a time window."""

    count: int
    first_path: str | None
    last_path: str | None


class IndexInventory:
    """Aggregates over the index. Every method is one transaction and returns frozen values."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def usage_by_camera(self) -> list[CameraUsage]:
        """Bytes, oldest start and newest end of every camera with recordings, from the runs."""
        query = select(
            _runs.c.camera_id,
            func.sum(_runs.c.size_bytes),
            func.min(_runs.c.start_ms),
            func.max(_runs.c.end_ms),
        ).group_by(_runs.c.camera_id)
        async with self._db.session() as session:
            rows = (await session.execute(query)).all()
        return [
            CameraUsage(camera_id=c, bytes=int(b), oldest_ms=int(lo), newest_ms=int(hi))
            for c, b, lo, hi in sorted(rows)
        ]

    async def recent_totals(self, since_ms: int) -> dict[int, tuple[int, int]]:
        """Per camera, (bytes, media duration in ms) of the segments that started at or after `since_ms`."""
        query = (
            select(
                _segments.c.camera_id,
                func.sum(_segments.c.size_bytes),
                func.sum(_segments.c.duration_ms),
            )
            .where(_segments.c.start_ms >= since_ms)
            .group_by(_segments.c.camera_id)
        )
        async with self._db.session() as session:
            rows = (await session.execute(query)).all()
        return {int(c): (int(b), int(d)) for c, b, d in rows}

    async def run_spans(self) -> list[RunSpan]:
        """Every run's camera stream and span (a few rows per camera stream and hour)."""
        query = select(_runs.c.camera_id, _runs.c.stream, _runs.c.start_ms, _runs.c.end_ms)
        async with self._db.session() as session:
            rows = (await session.execute(query)).all()
        return [RunSpan(c, StreamRole(s), lo, hi) for c, s, lo, hi in rows]

    async def camera_ids(self) -> set[int]:
        """The ids of every camera that exists."""
        async with self._db.session() as session:
            return set(await session.scalars(select(CameraRow.id)))

    async def day_signature(
        self, camera_id: int, stream: StreamRole, start_ms: int, end_ms: int
    ) -> DaySignature:
        """Count, first and last path of a camera stream's segments starting in [start_ms, end_ms).

        Three index lookups; recovery compares them with a day folder's listing before reading any rows.
        """
        where = (
            _segments.c.camera_id == camera_id,
            _segments.c.stream == stream.value,
            _segments.c.start_ms >= start_ms,
            _segments.c.start_ms < end_ms,
        )
        order = (_segments.c.start_ms, _segments.c.id)
        async with self._db.session() as session:
            count = await session.scalar(select(func.count()).select_from(_segments).where(*where))
            first = await session.scalar(
                select(_segments.c.path).where(*where).order_by(*order).limit(1)
            )
            last = await session.scalar(
                select(_segments.c.path).where(*where).order_by(*(c.desc() for c in order)).limit(1)
            )
        return DaySignature(int(count or 0), first, last)

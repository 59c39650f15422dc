"""The segment index: storing closed segments with their runs, coverage, and the queries retention needs."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from sqlalchemy import ColumnElement, Row, Select, Table, delete, exists, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend_embed.api.dto import StreamRole
from backend_embed.api.recording import Coverage, Span
from backend_embed.db.engine import Database
from backend_embed.db.models import (
    CameraRow,
    ProtectedRangeRow,
    RecordingRunRow,
    RecordingSegmentRow,
)
from backend_embed.recording import runs as run_rule
from backend_embed.recording.inventory import CameraUsage, IndexInventory
from backend_embed.recording.runs import CONTINUITY_TOLERANCE_MS, RUN_MAX_MS

logger = logging.getLogger(__name__)

_segments = cast(Table, RecordingSegmentRow.__table__)
_runs = cast(Table, RecordingRunRow.__table__)
_protected = cast(Table, ProtectedRangeRow.__table__)
_CHUNK = 1_000
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class SegmentInfo:
    """A closed segment to index: what the indexer or recovery found.

    Attributes:
        path: relative to the recordings root, with `/` separators.
        discontinuity: the recorder knows this segment does not continue the previous one (ffmpeg restarted).
            The index also sets it when the segment starts after a gap.
    """

    camera_id: int
    stream: StreamRole
    start_ms: int
    end_ms: int
    duration_ms: int
    size_bytes: int
    path: str
    discontinuity: bool = False

    def __post_init__(self) -> None:
        if not 0 <= self.end_ms - self.start_ms <= RUN_MAX_MS:
            raise ValueError(f"segment {self.path} spans {self.end_ms - self.start_ms} ms")
        if self.size_bytes < 0 or self.duration_ms < 0:
            raise ValueError(f"segment {self.path} has a negative size or duration")


@dataclass(frozen=True, slots=True)
class SegmentRecord:
    """An indexed segment."""

    id: int
    camera_id: int
    stream: StreamRole
    start_ms: int
    end_ms: int
    duration_ms: int
    size_bytes: int
    path: str
    discontinuity: bool


RECORD_COLUMNS = (
    _segments.c.id,
    _segments.c.camera_id,
    _segments.c.stream,
    _segments.c.start_ms,
    _segments.c.end_ms,
    _segments.c.duration_ms,
    _segments.c.size_bytes,
    _segments.c.path,
    _segments.c.discontinuity,
)


def to_record(row: Row[*tuple[Any, ...]]) -> SegmentRecord:
    """The record of a row selected with `RECORD_COLUMNS`."""
    return SegmentRecord(
        id=row.id,
        camera_id=row.camera_id,
        stream=StreamRole(row.stream),
        start_ms=row.start_ms,
        end_ms=row.end_ms,
        duration_ms=row.duration_ms,
        size_bytes=row.size_bytes,
        path=row.path,
        discontinuity=row.discontinuity,
    )


def merge_coverage(
    camera_id: int, stream: StreamRole, start_ms: int, end_ms: int, spans: Iterable[tuple[int, int]]
) -> Coverage:
    """Clip `spans` to [start_ms, end_ms), merge those within the continuity tolerance, and list the gaps."""
    merged: list[list[int]] = []
    for lo, hi in sorted(spans):
        lo, hi = max(lo, start_ms), min(hi, end_ms)
        if hi <= lo:
            continue
        if merged and lo <= merged[-1][1] + CONTINUITY_TOLERANCE_MS:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    gaps: list[Span] = []
    cursor = start_ms
    for lo, hi in merged:
        if lo > cursor:
            gaps.append(Span(cursor, lo))
        cursor = hi
    if cursor < end_ms:
        gaps.append(Span(cursor, end_ms))
    return Coverage(
        camera_id=camera_id,
        stream=stream,
        start_ms=start_ms,
        end_ms=end_ms,
        spans=tuple(Span(lo, hi) for lo, hi in merged),
        gaps=tuple(gaps),
    )


def unprotected() -> ColumnElement[bool]:
    """A WHERE clause: the segment overlaps no protected range of its camera or of all cameras."""
    return ~exists().where(
        or_(_protected.c.camera_id.is_(None), _protected.c.camera_id == _segments.c.camera_id),
        _protected.c.start_ms < _segments.c.end_ms,
        _protected.c.end_ms > _segments.c.start_ms,
    )


class SegmentRepository:
    """The recording index. Every method is one transaction and returns frozen values.

    Writes keep `recording_runs` in step with the segments in the same transaction.
    """

    def __init__(self, db: Database) -> None:
        self._db = db

    @property
    def database(self) -> Database:
        return self._db

    async def add_many(self, segments: Sequence[SegmentInfo]) -> int:
        """Index `segments` and extend or start their runs; return how many were new.

        Idempotent: a segment whose path is already indexed is skipped, so a retried batch never fails on
        the unique path. Segments of cameras that no longer exist are dropped with a warning (their files
        stay on disk for recovery to deal with).

        Raises:
            DatabaseError: the database failed; nothing of the batch was stored.
        """
        if not segments:
            return 0
        async with self._db.session() as session:
            fresh = await _only_new(session, segments)
            groups: dict[tuple[int, str], list[SegmentInfo]] = defaultdict(list)
            for segment in fresh:
                groups[(segment.camera_id, segment.stream.value)].append(segment)
            for (camera_id, stream), group in groups.items():
                group.sort(key=lambda s: (s.start_ms, s.path))
                await _add_stream(session, camera_id, stream, group)
        return len(fresh)

    async def delete(self, segment_ids: Sequence[int]) -> int:
        """Delete segment rows (their files must already be gone) and rebuild the runs they belonged to.

        Returns:
            How many rows were deleted.
        """
        if not segment_ids:
            return 0
        spans: dict[tuple[int, str], list[tuple[int, int]]] = defaultdict(list)
        async with self._db.session() as session:
            for chunk in _chunks(segment_ids):
                rows = await session.execute(
                    delete(_segments)
                    .where(_segments.c.id.in_(chunk))
                    .returning(
                        _segments.c.camera_id,
                        _segments.c.stream,
                        _segments.c.start_ms,
                        _segments.c.end_ms,
                    )
                )
                for row in rows:
                    spans[(row.camera_id, row.stream)].append((row.start_ms, row.end_ms))
            for (camera_id, stream), stream_spans in spans.items():
                for lo, hi in run_rule.clusters(stream_spans):
                    await run_rule.rebuild_runs(session, camera_id, stream, lo, hi)
        return sum(len(s) for s in spans.values())

    async def coverage(
        self, camera_id: int, stream: StreamRole, start_ms: int, end_ms: int
    ) -> Coverage:
        """Recorded spans and gaps of one camera stream in [start_ms, end_ms), from runs only."""
        [result] = await self.coverage_many([camera_id], stream, start_ms, end_ms)
        return result

    async def coverage_many(
        self, camera_ids: Sequence[int], stream: StreamRole, start_ms: int, end_ms: int
    ) -> list[Coverage]:
        """`coverage` for several cameras in one query (a day view of every camera), in the given order."""
        found: dict[int, list[tuple[int, int]]] = {camera_id: [] for camera_id in camera_ids}
        async with self._db.session() as session:
            rows = await session.execute(
                select(_runs.c.camera_id, _runs.c.start_ms, _runs.c.end_ms).where(
                    _runs.c.camera_id.in_(list(found)),
                    _runs.c.stream == stream.value,
                    # runs span at most RUN_MAX_MS: the index range scan stays short
                    _runs.c.start_ms >= start_ms - RUN_MAX_MS,
                    _runs.c.start_ms < end_ms,
                    _runs.c.end_ms > start_ms,
                )
            )
            for row in rows:
                found[row.camera_id].append((row.start_ms, row.end_ms))
        return [
            merge_coverage(camera_id, stream, start_ms, end_ms, found[camera_id])
            for camera_id in camera_ids
        ]

    async def segments_between(
        self, camera_id: int, stream: StreamRole, start_ms: int, end_ms: int
    ) -> list[SegmentRecord]:
        """The segments of one camera stream that overlap [start_ms, end_ms), oldest first."""
        query = _overlapping(camera_id, stream, start_ms, end_ms)
        async with self._db.session() as session:
            return [to_record(row) for row in await session.execute(query)]

    async def previous(
        self, camera_id: int, stream: StreamRole, before_ms: int
    ) -> SegmentRecord | None:
        """The last segment of a camera stream that starts before `before_ms`, or None."""
        query = (
            select(*RECORD_COLUMNS)
            .where(
                _segments.c.camera_id == camera_id,
                _segments.c.stream == stream.value,
                _segments.c.start_ms < before_ms,
            )
            .order_by(_segments.c.start_ms.desc(), _segments.c.id.desc())
            .limit(1)
        )
        async with self._db.session() as session:
            row = (await session.execute(query)).first()
        return to_record(row) if row is not None else None

    async def usage_by_camera(self) -> list[CameraUsage]:
        """Bytes, oldest start and newest end per camera (`IndexInventory.usage_by_camera`)."""
        return await IndexInventory(self._db).usage_by_camera()

    async def oldest_deletable(
        self,
        *,
        limit: int,
        camera_id: int | None = None,
        ended_before_ms: int | None = None,
    ) -> list[SegmentRecord]:
        """The oldest segments outside every protected range, oldest first across cameras and streams.

        Args:
            limit: at most this many.
            camera_id: only this camera's segments (both streams); None for every camera.
            ended_before_ms: only segments that ended at or before this time (age retention).
        """
        streams: list[StreamRole | None] = list(StreamRole) if camera_id is not None else [None]
        found: list[SegmentRecord] = []
        async with self._db.session() as session:
            for stream in streams:
                query = select(*RECORD_COLUMNS).where(unprotected())
                if camera_id is not None and stream is not None:
                    query = query.where(
                        _segments.c.camera_id == camera_id, _segments.c.stream == stream.value
                    )
                if ended_before_ms is not None:
                    query = query.where(
                        _segments.c.start_ms <= ended_before_ms,
                        _segments.c.end_ms <= ended_before_ms,
                    )
                query = query.order_by(_segments.c.start_ms, _segments.c.id).limit(limit)
                found.extend(to_record(row) for row in await session.execute(query))
        found.sort(key=lambda s: (s.start_ms, s.id))
        return found[:limit]


def _overlapping(
    camera_id: int, stream: StreamRole, start_ms: int, end_ms: int
) -> Select[tuple[int, int, str, int, int, int, int, str, bool]]:
    return (
        select(*RECORD_COLUMNS)
        .where(
            _segments.c.camera_id == camera_id,
            _segments.c.stream == stream.value,
            _segments.c.start_ms >= start_ms - RUN_MAX_MS,
            _segments.c.start_ms < end_ms,
            _segments.c.end_ms > start_ms,
        )
        .order_by(_segments.c.start_ms, _segments.c.id)
    )


async def _only_new(session: AsyncSession, segments: Sequence[SegmentInfo]) -> list[SegmentInfo]:
    """Drop segments already indexed (by path), repeated in the batch, or of cameras that no longer exist."""
    paths = [s.path for s in segments]
    known: set[str] = set()
    for chunk in _chunks(paths):
        known.update(
            await session.scalars(select(_segments.c.path).where(_segments.c.path.in_(chunk)))
        )
    camera_ids = sorted({s.camera_id for s in segments})
    cameras = set(await session.scalars(select(CameraRow.id).where(CameraRow.id.in_(camera_ids))))
    fresh: list[SegmentInfo] = []
    for segment in segments:
        if segment.path in known:
            continue
        known.add(segment.path)
        if segment.camera_id not in cameras:
            logger.warning(
                "Not indexing %s: camera %d no longer exists", segment.path, segment.camera_id
            )
            continue
        fresh.append(segment)
    return fresh


async def _add_stream(
    session: AsyncSession, camera_id: int, stream: str, group: list[SegmentInfo]
) -> None:
    """Insert one stream's new segments (sorted by start) and update its runs."""
    latest = await run_rule.latest_run(session, camera_id, stream)
    in_order = latest is None or group[0].start_ms >= latest.end_ms - CONTINUITY_TOLERANCE_MS
    if in_order:
        flags, changed = run_rule.plan_append(latest, group)
    else:
        flags = [s.discontinuity for s in group]
    await session.execute(
        insert(_segments),
        [
            {
                "camera_id": s.camera_id,
                "stream": stream,
                "start_ms": s.start_ms,
                "end_ms": s.end_ms,
                "duration_ms": s.duration_ms,
                "size_bytes": s.size_bytes,
                "path": s.path,
                "discontinuity": flag,
            }
            for s, flag in zip(group, flags, strict=True)
        ],
    )
    if in_order:
        await run_rule.save_runs(session, camera_id, stream, changed)
        return
    # Late segments (recovery of an older file): rebuild the runs around them.
    for lo, hi in run_rule.clusters((s.start_ms, s.end_ms) for s in group):
        await run_rule.rebuild_runs(session, camera_id, stream, lo, hi)


def _chunks(values: Sequence[_T]) -> Iterable[Sequence[_T]]:
    for i in range(0, len(values), _CHUNK):
        yield values[i : i + _CHUNK]

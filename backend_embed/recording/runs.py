"""Recording runs: the rule that groups a stream's segments into runs, and keeping `recording_runs` right.

A run is a stretch of segments of one camera stream where each starts within `CONTINUITY_TOLERANCE_MS` of the
previous one's end, no segment is flagged as a discontinuity, and the whole stretch spans at most `RUN_MAX_MS`.
The cap keeps every query bounded: a range query looks back at most `RUN_MAX_MS` for runs that reach into the
range, and a rebuild after a deletion reads at most an hour of segments per run it touches. Runs are maintained
in the caller's transaction, so they always agree with the segments.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, cast

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend_embed.db.models import RecordingRunRow, RecordingSegmentRow

#: a segment starting within this of the previous end continues it (EXTINF rounding, restart jitter);
#: well below the shortest segment (1 s), so one missing segment always shows as a gap
CONTINUITY_TOLERANCE_MS = 500
#: no run spans more than this; no single segment may be longer
RUN_MAX_MS = 3_600_000
_CHUNK = 1_000

_runs = cast(Table, RecordingRunRow.__table__)
_segments = cast(Table, RecordingSegmentRow.__table__)


class TimedSegment(Protocol):
    """What the run rule needs to know about a segment."""

    @property
    def start_ms(self) -> int: ...
    @property
    def end_ms(self) -> int: ...
    @property
    def size_bytes(self) -> int: ...
    @property
    def discontinuity(self) -> bool: ...


@dataclass(slots=True)
class RunState:
    """A run being extended or built. `id` is None until it is stored."""

    start_ms: int
    end_ms: int
    segment_count: int
    size_bytes: int
    id: int | None = None
    changed: bool = True

    def takes(self, segment: TimedSegment) -> bool:
        """True when `segment` continues this run under the run rule."""
        return (
            not segment.discontinuity
            and follows(self.end_ms, segment.start_ms)
            and segment.end_ms - self.start_ms <= RUN_MAX_MS
        )

    def add(self, segment: TimedSegment) -> None:
        self.end_ms = max(self.end_ms, segment.end_ms)
        self.segment_count += 1
        self.size_bytes += segment.size_bytes
        self.changed = True

    @classmethod
    def first(cls, segment: TimedSegment) -> RunState:
        return cls(segment.start_ms, segment.end_ms, 1, segment.size_bytes)


def follows(previous_end_ms: int | None, start_ms: int) -> bool:
    """True when a segment starting at `start_ms` continues one that ended at `previous_end_ms`."""
    return (
        previous_end_ms is not None and abs(start_ms - previous_end_ms) <= CONTINUITY_TOLERANCE_MS
    )


def plan_append(
    latest: RunState | None, segments: Sequence[TimedSegment]
) -> tuple[list[bool], list[RunState]]:
    """Apply the run rule to `segments` (sorted by start, none before `latest` ends) after the newest run.

    Returns:
        The discontinuity flag to store for each segment (set when it starts a run other than by the
        length cap) and the runs to write: `latest` if it grew, then each new run.
    """
    flags: list[bool] = []
    touched: list[RunState] = [latest] if latest is not None else []
    current = latest
    for segment in segments:
        if current is not None and current.takes(segment):
            current.add(segment)
            flags.append(False)
            continue
        capped = (
            current is not None
            and not segment.discontinuity
            and follows(current.end_ms, segment.start_ms)
        )
        flags.append(not capped)
        current = RunState.first(segment)
        touched.append(current)
    return flags, [run for run in touched if run.changed]


async def latest_run(session: AsyncSession, camera_id: int, stream: str) -> RunState | None:
    """The run of a camera stream that starts last, or None when the stream has none."""
    row = (
        await session.execute(
            select(
                _runs.c.id,
                _runs.c.start_ms,
                _runs.c.end_ms,
                _runs.c.segment_count,
                _runs.c.size_bytes,
            )
            .where(_runs.c.camera_id == camera_id, _runs.c.stream == stream)
            .order_by(_runs.c.start_ms.desc())
            .limit(1)
        )
    ).first()
    if row is None:
        return None
    return RunState(
        row.start_ms, row.end_ms, row.segment_count, row.size_bytes, id=row.id, changed=False
    )


async def save_runs(
    session: AsyncSession, camera_id: int, stream: str, runs: Iterable[RunState]
) -> None:
    """Insert new runs and update changed ones."""
    new = []
    for run in runs:
        values = {
            "start_ms": run.start_ms,
            "end_ms": run.end_ms,
            "segment_count": run.segment_count,
            "size_bytes": run.size_bytes,
        }
        if run.id is None:
            new.append({"camera_id": camera_id, "stream": stream, **values})
        else:
            await session.execute(update(_runs).where(_runs.c.id == run.id).values(**values))
    if new:
        await session.execute(insert(_runs), new)


async def rebuild_runs(
    session: AsyncSession, camera_id: int, stream: str, lo_ms: int, hi_ms: int
) -> None:
    """Recompute the runs of a camera stream around [lo_ms, hi_ms] from its segments, after any change there.

    The runs that overlap or touch the range are replaced by runs rebuilt from the segments they covered, so
    the work is bounded by the range plus one run on each side. A segment that now starts a run after a gap
    (its predecessor was deleted) gets its discontinuity flag set, so a playlist marks the jump.
    """
    affected = (
        await session.execute(
            select(_runs.c.id, _runs.c.start_ms, _runs.c.end_ms).where(
                _runs.c.camera_id == camera_id,
                _runs.c.stream == stream,
                _runs.c.start_ms >= lo_ms - RUN_MAX_MS - CONTINUITY_TOLERANCE_MS,
                _runs.c.start_ms <= hi_ms + CONTINUITY_TOLERANCE_MS,
                _runs.c.end_ms >= lo_ms - CONTINUITY_TOLERANCE_MS,
            )
        )
    ).all()
    range_lo = min([lo_ms, *(row.start_ms for row in affected)])
    range_hi = max([hi_ms, *(row.end_ms for row in affected)])
    for chunk in _chunks([row.id for row in affected]):
        await session.execute(delete(_runs).where(_runs.c.id.in_(chunk)))
    before = await _end_before(session, camera_id, stream, range_lo)
    segments = (
        await session.execute(
            select(
                _segments.c.id,
                _segments.c.start_ms,
                _segments.c.end_ms,
                _segments.c.size_bytes,
                _segments.c.discontinuity,
            )
            .where(
                _segments.c.camera_id == camera_id,
                _segments.c.stream == stream,
                _segments.c.start_ms >= range_lo,
                _segments.c.start_ms <= range_hi,
            )
            .order_by(_segments.c.start_ms, _segments.c.id)
        )
    ).all()
    runs, gap_ids = _walk(segments, before)
    await save_runs(session, camera_id, stream, runs)
    for chunk in _chunks(gap_ids):
        await session.execute(
            update(_segments).where(_segments.c.id.in_(chunk)).values(discontinuity=True)
        )


def _walk(
    segments: Sequence[_SegmentRow], previous_end_ms: int | None
) -> tuple[list[RunState], list[int]]:
    """Group ordered segments into runs; also return the ids of segments that newly follow a gap."""
    runs: list[RunState] = []
    gap_ids: list[int] = []
    for segment in segments:
        current = runs[-1] if runs else None
        if current is not None and current.takes(segment):
            current.add(segment)
            continue
        end_before = current.end_ms if current is not None else previous_end_ms
        if not segment.discontinuity and not follows(end_before, segment.start_ms):
            gap_ids.append(segment.id)
        runs.append(RunState.first(segment))
    return runs, gap_ids


class _SegmentRow(TimedSegment, Protocol):
    @property
    def id(self) -> int: ...


async def _end_before(
    session: AsyncSession, camera_id: int, stream: str, before_ms: int
) -> int | None:
    return await session.scalar(
        select(_runs.c.end_ms)
        .where(
            _runs.c.camera_id == camera_id, _runs.c.stream == stream, _runs.c.start_ms < before_ms
        )
        .order_by(_runs.c.start_ms.desc())
        .limit(1)
    )


def clusters(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Group (start, end) spans into ranges no closer than `RUN_MAX_MS`, so each rebuild stays small."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start - merged[-1][1] <= RUN_MAX_MS:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _chunks(values: Sequence[int]) -> Iterable[Sequence[int]]:
    for i in range(0, len(values), _CHUNK):
        yield values[i : i + _CHUNK]

"""The segment index and its runs on a real SQLite file and a real PostgreSQL database."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from backend_embed.api.dto import StreamRole
from backend_embed.api.recording import Span
from backend_embed.db.engine import Database
from backend_embed.db.models import RecordingRunRow, RecordingSegmentRow
from backend_embed.recording.inventory import IndexInventory
from backend_embed.recording.protection import ProtectedRangeRepository
from backend_embed.recording.runs import RUN_MAX_MS
from backend_embed.recording.segments import SegmentRepository, merge_coverage
from tests.integration.backend_embed.recording.synthetic import run_of, seg

MAIN = StreamRole.MAIN


async def _runs(database: Database) -> list[tuple[int, str, int, int, int, int]]:
    async with database.session() as session:
        rows = await session.execute(
            select(
                RecordingRunRow.camera_id,
                RecordingRunRow.stream,
                RecordingRunRow.start_ms,
                RecordingRunRow.end_ms,
                RecordingRunRow.segment_count,
                RecordingRunRow.size_bytes,
            ).order_by(RecordingRunRow.camera_id, RecordingRunRow.stream, RecordingRunRow.start_ms)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def _flags(database: Database) -> dict[int, bool]:
    async with database.session() as session:
        rows = await session.execute(
            select(RecordingSegmentRow.start_ms, RecordingSegmentRow.discontinuity)
        )
        return {int(start): bool(flag) for start, flag in rows.all()}


async def test_back_to_back_segments_form_one_run_and_coverage_reports_the_gaps_around_it(
    segments: SegmentRepository, camera_ids: list[int], database: Database
) -> None:
    cam = camera_ids[0]
    assert await segments.add_many(run_of(cam, 100, 5)) == 5

    assert await _runs(database) == [(cam, "main", 100_000, 110_000, 5, 5000)]
    coverage = await segments.coverage(cam, MAIN, 90_000, 120_000)
    assert coverage.spans == (Span(100_000, 110_000),)
    assert coverage.gaps == (Span(90_000, 100_000), Span(110_000, 120_000))
    assert (await _flags(database))[100_000] is True, "the first segment of a stream starts a run"
    assert not any(flag for start, flag in (await _flags(database)).items() if start > 100_000)


async def test_a_gap_starts_a_new_run_flags_a_discontinuity_and_shows_in_coverage(
    segments: SegmentRepository, camera_ids: list[int], database: Database
) -> None:
    cam = camera_ids[0]
    await segments.add_many(run_of(cam, 100, 3))
    await segments.add_many(run_of(cam, 110, 2))  # 4 s after the first run ended

    assert [r[2:4] for r in await _runs(database)] == [(100_000, 106_000), (110_000, 114_000)]
    assert (await _flags(database))[110_000] is True
    coverage = await segments.coverage(cam, MAIN, 100_000, 114_000)
    assert coverage.spans == (Span(100_000, 106_000), Span(110_000, 114_000))
    assert coverage.gaps == (Span(106_000, 110_000),)


async def test_jitter_within_the_tolerance_continues_the_run(
    segments: SegmentRepository, camera_ids: list[int], database: Database
) -> None:
    cam = camera_ids[0]
    await segments.add_many([seg(cam, 100), seg(cam, 102.3), seg(cam, 104.1)])

    assert [r[2:5] for r in await _runs(database)] == [(100_000, 106_100, 3)]


async def test_a_recorder_restart_starts_a_run_but_coverage_shows_no_gap(
    segments: SegmentRepository, camera_ids: list[int], database: Database
) -> None:
    cam = camera_ids[0]
    await segments.add_many([*run_of(cam, 100, 2), seg(cam, 104, discontinuity=True)])

    assert len(await _runs(database)) == 2
    assert (await _flags(database))[104_000] is True
    assert (await segments.coverage(cam, MAIN, 100_000, 106_000)).gaps == ()


async def test_runs_are_capped_at_an_hour_and_coverage_merges_them(
    segments: SegmentRepository, camera_ids: list[int], database: Database
) -> None:
    cam = camera_ids[0]
    await segments.add_many(run_of(cam, 0, 100, 60))  # 100 minutes of 1-minute segments

    runs = await _runs(database)
    assert [r[4] for r in runs] == [60, 40]
    assert all(r[3] - r[2] <= RUN_MAX_MS for r in runs)
    assert not (await _flags(database))[3_600_000], "a capped run is not a discontinuity"
    coverage = await segments.coverage(cam, MAIN, 3_000_000, 4_000_000)
    assert coverage.spans == (Span(3_000_000, 4_000_000),)


async def test_adding_a_batch_again_indexes_nothing_twice(
    segments: SegmentRepository, camera_ids: list[int], database: Database
) -> None:
    cam = camera_ids[0]
    batch = run_of(cam, 100, 3)
    await segments.add_many(batch)

    assert await segments.add_many([*batch, *batch]) == 0
    assert await _runs(database) == [(cam, "main", 100_000, 106_000, 3, 3000)]


async def test_segments_of_a_deleted_camera_are_dropped_with_a_warning(
    segments: SegmentRepository, camera_ids: list[int], caplog: pytest.LogCaptureFixture
) -> None:
    added = await segments.add_many([seg(camera_ids[0], 100), seg(9999, 100)])

    assert added == 1
    assert "camera 9999 no longer exists" in caplog.text


async def test_a_late_segment_that_fills_a_gap_joins_the_run_before_it_and_closes_the_gap(
    segments: SegmentRepository, camera_ids: list[int], database: Database
) -> None:
    cam = camera_ids[0]
    await segments.add_many([seg(cam, 100), seg(cam, 104)])
    await segments.add_many([seg(cam, 102)])

    # 104 keeps its discontinuity flag (a playlist must still mark it), so it still starts a run
    assert [r[2:5] for r in await _runs(database)] == [(100_000, 104_000, 2), (104_000, 106_000, 1)]
    assert (await segments.coverage(cam, MAIN, 100_000, 106_000)).gaps == ()


async def test_deleting_a_middle_segment_splits_the_run_and_flags_its_successor(
    segments: SegmentRepository, camera_ids: list[int], database: Database
) -> None:
    cam = camera_ids[0]
    await segments.add_many(run_of(cam, 100, 5))
    middle = [
        s for s in await segments.segments_between(cam, MAIN, 0, 10**9) if s.start_ms == 104_000
    ]

    assert await segments.delete([middle[0].id]) == 1

    assert [r[2:6] for r in await _runs(database)] == [
        (100_000, 104_000, 2, 2000),
        (106_000, 110_000, 2, 2000),
    ]
    assert (await _flags(database))[106_000] is True
    assert (await segments.coverage(cam, MAIN, 100_000, 110_000)).gaps == (Span(104_000, 106_000),)


async def test_deleting_every_segment_leaves_no_run(
    segments: SegmentRepository, camera_ids: list[int], database: Database
) -> None:
    cam = camera_ids[0]
    await segments.add_many(run_of(cam, 100, 4))
    ids = [s.id for s in await segments.segments_between(cam, MAIN, 0, 10**9)]

    await segments.delete(ids)

    assert await _runs(database) == []
    assert (await segments.coverage(cam, MAIN, 0, 10**6)).spans == ()


async def test_coverage_many_answers_each_camera_and_only_the_asked_stream(
    segments: SegmentRepository, camera_ids: list[int]
) -> None:
    gate, yard, dock = camera_ids
    await segments.add_many(
        [*run_of(gate, 100, 2), *run_of(yard, 200, 2), *run_of(dock, 100, 2, stream=StreamRole.SUB)]
    )

    found = await segments.coverage_many([dock, gate, yard], MAIN, 0, 1_000_000)

    assert [c.camera_id for c in found] == [dock, gate, yard]
    assert [c.spans for c in found] == [(), (Span(100_000, 104_000),), (Span(200_000, 204_000),)]


async def test_oldest_deletable_goes_oldest_first_across_cameras_and_skips_protected_ranges(
    segments: SegmentRepository, camera_ids: list[int], database: Database
) -> None:
    gate, yard, dock = camera_ids
    await segments.add_many([*run_of(gate, 100, 3), *run_of(yard, 101, 3), *run_of(dock, 50, 1)])
    protection = ProtectedRangeRepository(database)
    await protection.add(gate, 103_000, 103_500, "incident")  # inside gate's second segment
    await protection.add(None, 40_000, 52_000, "everyone")  # covers dock's only segment

    oldest = await segments.oldest_deletable(limit=10)

    assert [(s.camera_id, s.start_ms) for s in oldest] == [
        (gate, 100_000), (yard, 101_000), (yard, 103_000), (gate, 104_000), (yard, 105_000),
    ]  # fmt: skip
    assert [s.start_ms for s in await segments.oldest_deletable(limit=10, camera_id=yard)] == [
        101_000, 103_000, 105_000,
    ]  # fmt: skip
    aged = await segments.oldest_deletable(limit=10, ended_before_ms=105_000)
    assert [(s.camera_id, s.start_ms) for s in aged] == [
        (gate, 100_000),
        (yard, 101_000),
        (yard, 103_000),
    ]


async def test_usage_and_recent_totals_sum_per_camera(
    segments: SegmentRepository, camera_ids: list[int], database: Database
) -> None:
    gate, yard, _ = camera_ids
    await segments.add_many(
        [*run_of(gate, 100, 3, size=10), *run_of(gate, 100, 2, size=1, stream=StreamRole.SUB)]
    )
    await segments.add_many(run_of(yard, 500, 1, size=7))
    await ProtectedRangeRepository(database).add(gate, 101_000, 103_000, "x")

    usage = await IndexInventory(database).usage_by_camera()

    assert [(u.camera_id, u.bytes, u.oldest_ms, u.newest_ms) for u in usage] == [
        (gate, 32, 100_000, 106_000),
        (yard, 7, 500_000, 502_000),
    ]
    assert await IndexInventory(database).recent_totals(102_000) == {
        gate: (21, 6000),
        yard: (7, 2000),
    }
    # gate main 100-102 and 102-104, gate sub 100-102 and 102-104 overlap 101-103
    assert await ProtectedRangeRepository(database).protected_bytes() == 22


async def test_runs_always_agree_with_the_segments_under_random_adds_and_deletes(
    segments: SegmentRepository, camera_ids: list[int]
) -> None:
    cam = camera_ids[0]
    rng = random.Random(7)
    pool = [seg(cam, t) for t in range(0, 4000, 2)]
    rng.shuffle(pool)
    for _ in range(8):
        batch, pool = pool[:200], pool[200:]
        await segments.add_many(batch)
        stored = await segments.segments_between(cam, MAIN, 0, 10**9)
        await segments.delete([s.id for s in rng.sample(stored, 40)])

        stored = await segments.segments_between(cam, MAIN, 0, 10**9)
        expected = merge_coverage(cam, MAIN, 0, 4_000_000, ((s.start_ms, s.end_ms) for s in stored))
        assert await segments.coverage(cam, MAIN, 0, 4_000_000) == expected

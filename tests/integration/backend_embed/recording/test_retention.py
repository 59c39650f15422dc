"""Retention over real files and a real index (SQLite and PostgreSQL), on a volume of configured capacity."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from backend_embed.api.dto import StreamRole
from backend_embed.api.events import BackendEvent, StorageAlert
from backend_embed.db.engine import Database
from backend_embed.recording.inventory import IndexInventory
from backend_embed.recording.protection import ProtectedRangeRepository
from backend_embed.recording.retention import RetentionManager, RetentionPolicy
from backend_embed.recording.segments import SegmentInfo, SegmentRepository
from backend_embed.recording.storage import StorageReporter
from backend_embed.recording.volume import CapacityVolume, StorageLimits, bytes_under

NOW_MS = 1_800_000_000_000
DAY_MS = 86_400_000
SEG_MS = 60_000
SIZE = 1_000


class _Recorder:
    """The stop_recording, resume_recording and publish collaborators, recording their calls."""

    def __init__(self) -> None:
        self.stops: list[tuple[tuple[int, ...], str]] = []
        self.resumes: list[tuple[int, ...]] = []
        self.events: list[BackendEvent] = []

    async def stop_recording(self, camera_ids: tuple[int, ...], reason: str) -> None:
        self.stops.append((camera_ids, reason))

    async def resume_recording(self, camera_ids: tuple[int, ...]) -> None:
        self.resumes.append(camera_ids)


async def _record(
    root: Path, segments: SegmentRepository, camera_id: int, start_ms: int, count: int
) -> list[SegmentInfo]:
    """Write `count` one-minute segments of SIZE bytes for a camera, and index them."""
    infos = []
    for i in range(count):
        start = start_ms + i * SEG_MS
        path = f"{camera_id}/d{start // DAY_MS}/main-{start}.ts"
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(b"\x47" * SIZE)
        infos.append(
            SegmentInfo(camera_id, StreamRole.MAIN, start, start + SEG_MS, SEG_MS, SIZE, path)
        )
    await segments.add_many(infos)
    return infos


def _manager(
    database: Database,
    root: Path,
    capacity: int,
    calls: _Recorder,
    policies: list[RetentionPolicy],
    limits: StorageLimits,
) -> RetentionManager:
    segments = SegmentRepository(database)
    volume = CapacityVolume(root, capacity)
    inventory = IndexInventory(database)
    reporter = StorageReporter(
        inventory, ProtectedRangeRepository(database), volume, limits, clock=lambda: NOW_MS
    )
    return RetentionManager(
        segments, inventory, volume, limits, reporter, stop_recording=calls.stop_recording,
        resume_recording=calls.resume_recording, publish=calls.events.append, policies=policies,
        clock=lambda: NOW_MS, batch_size=7, interval_s=3600, check_interval_s=0.05,
    )  # fmt: skip


_NO_WATERMARK = StorageLimits(min_free_percent=0, hard_min_free_bytes=0)


async def _indexed(segments: SegmentRepository, camera_id: int) -> list[str]:
    return [s.path for s in await segments.segments_between(camera_id, StreamRole.MAIN, 0, 2**62)]


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*.ts")}


async def test_segments_older_than_the_max_age_go_with_their_files(
    database: Database, camera_ids: list[int], segments: SegmentRepository, tmp_path: Path
) -> None:
    root = tmp_path / "rec"
    gate, yard, _ = camera_ids
    old = await _record(root, segments, gate, NOW_MS - 3 * DAY_MS, 30)
    recent = await _record(root, segments, gate, NOW_MS - DAY_MS + SEG_MS, 10)
    yard_old = await _record(root, segments, yard, NOW_MS - 3 * DAY_MS, 5)
    policies = [RetentionPolicy(gate, max_age_days=1), RetentionPolicy(yard)]

    result = await _manager(database, root, 10**9, _Recorder(), policies, _NO_WATERMARK).sweep()

    assert result.deleted_segments == 30
    assert await _indexed(segments, gate) == [s.path for s in recent]
    assert _files(root) == {s.path for s in recent + yard_old}
    assert not (root / old[0].path).parent.exists(), "an emptied day directory is removed"


async def test_a_camera_over_its_max_bytes_loses_only_its_oldest_segments_down_to_the_limit(
    database: Database, camera_ids: list[int], segments: SegmentRepository, tmp_path: Path
) -> None:
    root = tmp_path / "rec"
    gate, yard, _ = camera_ids
    gate_segments = await _record(root, segments, gate, NOW_MS - DAY_MS, 25)
    await _record(root, segments, yard, NOW_MS - 2 * DAY_MS, 25)
    policies = [RetentionPolicy(gate, max_bytes=10 * SIZE + SIZE // 2), RetentionPolicy(yard)]

    await _manager(database, root, 10**9, _Recorder(), policies, _NO_WATERMARK).sweep()

    assert await _indexed(segments, gate) == [s.path for s in gate_segments[15:]]
    assert len(await _indexed(segments, yard)) == 25, "other cameras are untouched"


async def test_the_watermark_deletes_the_oldest_segments_across_cameras_first(
    database: Database, camera_ids: list[int], segments: SegmentRepository, tmp_path: Path
) -> None:
    root = tmp_path / "rec"
    gate, yard, dock = camera_ids
    await _record(root, segments, gate, NOW_MS - 10 * DAY_MS, 20)
    await _record(root, segments, yard, NOW_MS - 10 * DAY_MS + 30 * SEG_MS // 2, 20)
    await _record(root, segments, dock, NOW_MS - DAY_MS, 20)
    limits = StorageLimits(min_free_bytes=30 * SIZE, min_free_percent=0, hard_min_free_bytes=SIZE)
    capacity = 60 * SIZE + 5 * SIZE  # 5 free, 30 wanted: 25 segments must go
    policies = [RetentionPolicy(c) for c in camera_ids]

    result = await _manager(database, root, capacity, _Recorder(), policies, limits).sweep()

    assert result.deleted_segments == 25
    assert capacity - bytes_under(root) >= 30 * SIZE
    remaining = []
    for camera in (gate, yard):
        remaining += [
            s.start_ms for s in await segments.segments_between(camera, StreamRole.MAIN, 0, 2**62)
        ]
    remaining.sort()
    assert len(remaining) == 15
    all_old = sorted([NOW_MS - 10 * DAY_MS + i * SEG_MS for i in range(20)]
                     + [NOW_MS - 10 * DAY_MS + 15 * SEG_MS + i * SEG_MS for i in range(20)])  # fmt: skip
    assert remaining == all_old[25:], "exactly the globally oldest were deleted"
    assert len(await _indexed(segments, dock)) == 20


async def test_protected_segments_survive_the_watermark_even_when_only_partly_inside(
    database: Database, camera_ids: list[int], segments: SegmentRepository, tmp_path: Path
) -> None:
    root = tmp_path / "rec"
    gate, yard, _ = camera_ids
    gate_segments = await _record(root, segments, gate, NOW_MS - 5 * DAY_MS, 10)
    yard_segments = await _record(root, segments, yard, NOW_MS - 5 * DAY_MS, 10)
    protection = ProtectedRangeRepository(database)
    await protection.add(
        gate, gate_segments[2].end_ms - 1, gate_segments[3].start_ms + 1, "incident"
    )
    await protection.add(None, yard_segments[8].start_ms, yard_segments[8].start_ms + 1, "audit")
    limits = StorageLimits(min_free_bytes=100 * SIZE, min_free_percent=0, hard_min_free_bytes=0)
    calls = _Recorder()

    await _manager(database, root, 20 * SIZE, calls, [], limits).sweep()

    # the all-camera range covers minute 8 of every camera
    kept = {
        gate_segments[2].path,
        gate_segments[3].path,
        gate_segments[8].path,
        yard_segments[8].path,
    }
    assert set(await _indexed(segments, gate)) | set(await _indexed(segments, yard)) == kept
    assert _files(root) == kept
    assert [type(e) for e in calls.events] == [StorageAlert], "the watermark cannot be met"
    assert calls.stops == []


async def test_below_the_hard_limit_with_only_protected_data_recording_stops_once_and_an_alert_is_published(
    database: Database, camera_ids: list[int], segments: SegmentRepository, tmp_path: Path
) -> None:
    root = tmp_path / "rec"
    gate, yard, _ = camera_ids
    await _record(root, segments, gate, NOW_MS - DAY_MS, 10)
    await ProtectedRangeRepository(database).add(None, 0, NOW_MS, "legal hold")
    limits = StorageLimits(
        min_free_bytes=5 * SIZE, min_free_percent=0, hard_min_free_bytes=2 * SIZE
    )
    calls = _Recorder()
    manager = _manager(
        database, root, 11 * SIZE, calls, [RetentionPolicy(gate), RetentionPolicy(yard)], limits
    )

    first = await manager.sweep()
    second = await manager.sweep()

    assert first.stopped == (gate, yard)
    assert [ids for ids, _ in calls.stops] == [(gate, yard)], "stopped once, not at every sweep"
    assert "hard limit" in calls.stops[0][1]
    [alert] = calls.events
    assert isinstance(alert, StorageAlert)
    assert alert.report.free_bytes == SIZE
    assert alert.report.protected_bytes == 10 * SIZE
    assert second.stopped == ()
    assert len(await _indexed(segments, gate)) == 10


async def test_a_file_that_cannot_be_deleted_keeps_its_row(
    database: Database, camera_ids: list[int], segments: SegmentRepository, tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    root = tmp_path / "rec"
    gate = camera_ids[0]
    infos = await _record(root, segments, gate, NOW_MS - 3 * DAY_MS, 3)
    stuck = root / infos[0].path
    stuck.unlink()
    (stuck / "not-a-file").mkdir(parents=True)  # unlink() of a directory fails, even for root

    await _manager(
        database, root, 10**9, _Recorder(), [RetentionPolicy(gate, max_age_days=1)], _NO_WATERMARK
    ).sweep()

    assert await _indexed(segments, gate) == [infos[0].path]
    assert "Cannot delete 1 recording(s)" in caplog.text


async def test_recording_resumes_once_space_is_back_above_the_watermark(
    database: Database, camera_ids: list[int], segments: SegmentRepository, tmp_path: Path
) -> None:
    root = tmp_path / "rec"
    gate = camera_ids[0]
    await _record(root, segments, gate, NOW_MS - DAY_MS, 10)
    protection = ProtectedRangeRepository(database)
    hold = await protection.add(None, 0, NOW_MS, "legal hold")
    limits = StorageLimits(
        min_free_bytes=5 * SIZE, min_free_percent=0, hard_min_free_bytes=2 * SIZE
    )
    calls = _Recorder()
    manager = _manager(database, root, 11 * SIZE, calls, [RetentionPolicy(gate)], limits)
    await manager.sweep()
    assert calls.resumes == []

    await protection.remove(hold.id)
    await manager.sweep()

    assert calls.resumes == [(gate,)]
    assert len(await _indexed(segments, gate)) == 6


async def test_the_running_manager_reacts_to_low_space_within_its_check_interval(
    database: Database, camera_ids: list[int], segments: SegmentRepository, tmp_path: Path
) -> None:
    root = tmp_path / "rec"
    gate = camera_ids[0]
    limits = StorageLimits(min_free_bytes=5 * SIZE, min_free_percent=0, hard_min_free_bytes=0)
    manager = _manager(database, root, 20 * SIZE, _Recorder(), [RetentionPolicy(gate)], limits)
    async with asyncio.TaskGroup() as group:
        running = group.create_task(manager.run())
        await asyncio.sleep(0.1)  # the first sweep has run; the next is an hour away
        await _record(root, segments, gate, NOW_MS - DAY_MS, 18)  # 2 free, 5 wanted
        async with asyncio.timeout(5):
            while len(await _indexed(segments, gate)) > 15:  # noqa: ASYNC110 - polling the database
                await asyncio.sleep(0.05)
        running.cancel()

    assert 20 * SIZE - bytes_under(root) >= 5 * SIZE

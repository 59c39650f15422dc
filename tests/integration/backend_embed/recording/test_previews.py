"""Previews made from real segments while ffmpeg records, deleted by retention, left alone by recovery.

Real: ffmpeg writing the recorder's HLS layout, the indexer reading its playlist, PyAV decoding, camsim's
timestamp code in the segments of `tests.helpers.recordings`, the index (SQLite, then PostgreSQL).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import av
import pytest

from backend_embed.api.dto import StreamRole
from backend_embed.db.engine import Database
from backend_embed.recording.indexer import SegmentIndexer
from backend_embed.recording.inventory import IndexInventory
from backend_embed.recording.previews import PreviewIndex, PreviewMaker, render_preview
from backend_embed.recording.protection import ProtectedRangeRepository
from backend_embed.recording.recovery import RecordingRecovery
from backend_embed.recording.retention import RetentionManager, RetentionPolicy
from backend_embed.recording.segments import SegmentInfo, SegmentRepository
from backend_embed.recording.storage import StorageReporter
from backend_embed.recording.volume import CapacityVolume, StorageLimits
from camsim.timecode import decode_luma
from tests.helpers.recordings import EncodeSettings, encode_span
from tests.integration.backend_embed.recording.hls import hls_argv, live_ffmpeg, recorder_layout

pytestmark = pytest.mark.requires_ffmpeg

MAIN = StreamRole.MAIN
T0 = 1_800_000_000_000  # 2027-01-15T08:00:00Z
DAY = "2027-01-15"


def _picture(path: Path) -> av.VideoFrame:
    with av.open(str(path)) as container:
        return next(container.decode(video=0))


async def _run_maker(maker: PreviewMaker, until: int) -> None:
    """Run the maker until it made `until` previews (5 s at most)."""
    task = asyncio.create_task(maker.run())
    try:
        async with asyncio.timeout(5):
            while maker.made < until:  # noqa: ASYNC110 - the maker has no completion event to wait on
                await asyncio.sleep(0.02)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def test_previews_are_made_while_ffmpeg_records_and_listed_at_segment_starts(
    tmp_path: Path,
) -> None:
    layout = recorder_layout(tmp_path, 3)
    found: list[SegmentInfo] = []
    maker = PreviewMaker(tmp_path, interval_ms=1000)

    def submit(segment: SegmentInfo) -> None:
        found.append(segment)
        maker.submit(segment)

    indexer = SegmentIndexer(
        camera_id=3, stream=MAIN, playlist=layout.playlist_path, root=tmp_path, submit=submit
    )
    task = asyncio.create_task(maker.run())
    try:
        async with live_ffmpeg(hls_argv(layout, seconds=4.5)) as ffmpeg:
            while ffmpeg.returncode is None:
                await indexer.poll()
                await asyncio.sleep(0.2)
            made_while_recording = maker.made
        await indexer.poll()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    await _run_maker(maker, len(found))

    assert len(found) >= 4
    assert made_while_recording >= 2
    listed = PreviewIndex(tmp_path).list_previews(3, found[0].start_ms, found[-1].end_ms)
    assert [p.time_ms for p in listed] == [s.start_ms for s in found]
    assert all(
        Path(p.path).parent.parent == (tmp_path / s.path).parent
        for p, s in zip(listed, found, strict=True)
    )
    picture = _picture(Path(listed[0].path))
    assert (picture.width, picture.height, listed[0].width, listed[0].height) == (160, 90, 160, 90)


def test_a_preview_shows_the_first_frame_of_its_segment(tmp_path: Path) -> None:
    settings = EncodeSettings(width=640, height=360, segment_s=2)
    files = encode_span(tmp_path / "span", "main", T0, 6 * 25, settings)

    codes = []
    for segment in files:
        made = render_preview(segment.path, tmp_path / "previews", MAIN, segment.first_code_ms, 160)
        assert made is not None
        picture = _picture(made)
        plane = picture.planes[0]
        codes.append(decode_luma(bytes(plane), picture.width, picture.height, plane.line_size))

    assert codes == [s.first_code_ms for s in files]


def test_a_file_that_is_not_a_segment_gets_no_preview(tmp_path: Path) -> None:
    junk = tmp_path / "junk.ts"
    junk.write_bytes(b"\x47" + bytes(187) * 3)

    assert render_preview(junk, tmp_path / "previews", MAIN, T0, 160) is None
    assert not (tmp_path / "previews").exists()


async def _timecoded_segments(
    root: Path, segments: SegmentRepository, camera_id: int, count: int
) -> list[SegmentInfo]:
    """`count` 2 s timecoded segments of a camera in its day folder, indexed, each with a preview."""
    folder = root / str(camera_id) / DAY
    files = encode_span(folder, "main", T0, count * 2 * 25)
    infos = [
        SegmentInfo(
            camera_id,
            MAIN,
            f.first_code_ms,
            f.first_code_ms + f.duration_ms,
            f.duration_ms,
            f.path.stat().st_size,
            f.path.relative_to(root).as_posix(),
        )
        for f in files
    ]
    await segments.add_many(infos)
    for info in infos:
        render_preview(root / info.path, folder / "previews", MAIN, info.start_ms, 160)
    return infos


async def test_retention_deletes_previews_with_their_segments_and_keeps_protected_ones(
    database: Database, camera_ids: list[int], segments: SegmentRepository, tmp_path: Path
) -> None:
    gate = camera_ids[0]
    infos = await _timecoded_segments(tmp_path, segments, gate, 4)
    protection = ProtectedRangeRepository(database)
    await protection.add(gate, infos[1].start_ms + 100, infos[1].start_ms + 200, "incident")
    inventory, volume = IndexInventory(database), CapacityVolume(tmp_path, 10**9)
    limits = StorageLimits(min_free_percent=0, hard_min_free_bytes=0)
    now = T0 + 3 * 86_400_000
    stops: list[tuple[int, ...]] = []

    async def stop(camera_ids: tuple[int, ...], _reason: str) -> None:
        stops.append(camera_ids)

    retention = RetentionManager(
        segments, inventory, volume, limits,
        StorageReporter(inventory, protection, volume, limits, clock=lambda: now),
        stop_recording=stop, publish=lambda _event: None,
        policies=[RetentionPolicy(gate, max_age_days=1)], clock=lambda: now,
    )  # fmt: skip

    result = await retention.sweep()

    assert result.deleted_segments == 3
    listed = PreviewIndex(tmp_path).list_previews(gate, T0, T0 + 60_000)
    assert [p.time_ms for p in listed] == [infos[1].start_ms]
    assert sorted(p.name for p in (tmp_path / str(gate) / DAY).glob("*.ts")) == [
        Path(infos[1].path).name
    ]
    assert stops == []


async def test_recovery_leaves_previews_alone(
    database: Database, camera_ids: list[int], tmp_path: Path
) -> None:
    gate = camera_ids[0]
    layout = recorder_layout(tmp_path, gate)
    async with live_ffmpeg(hls_argv(layout, seconds=3, realtime=False)) as ffmpeg:
        assert await asyncio.wait_for(ffmpeg.wait(), 30) == 0
    files = sorted(layout.camera_dir.rglob("*.ts"))
    previews = [
        render_preview(f, f.parent / "previews", MAIN, T0 + n * 1000, 160)
        for n, f in enumerate(files)
    ]
    segments = SegmentRepository(database)
    recovery = RecordingRecovery(tmp_path, segments, IndexInventory(database))

    first = await recovery.run()  # indexes every file: the day is read in full
    again = await recovery.run()  # the quick check

    assert (first.indexed, first.quarantined, again.quarantined) == (len(files), 0, 0)
    assert all(p is not None and p.exists() for p in previews)
    assert not (tmp_path / "quarantine").exists()

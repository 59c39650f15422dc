"""A SIGKILLed ffmpeg and an app that died before indexing its last segments: recovery leaves no orphan file
and no dangling row, and only the segment being written is lost. Real ffmpeg, indexer, writer and databases."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from backend_embed.api.dto import StreamRole
from backend_embed.db.engine import Database
from backend_embed.recording.indexer import SegmentIndexer
from backend_embed.recording.inventory import IndexInventory
from backend_embed.recording.recovery import RecordingRecovery
from backend_embed.recording.segments import SegmentInfo, SegmentRepository
from backend_embed.recording.writer import SegmentWriter
from tests.integration.backend_embed.recording.hls import hls_argv, live_ffmpeg, recorder_layout

pytestmark = [pytest.mark.requires_ffmpeg, pytest.mark.slow]
#: the app "dies" after handing this many segments to the writer; later ones exist only on disk
_WRITTEN_BEFORE_DEATH = 2


async def _wait_for(predicate: Callable[[], bool]) -> None:
    while not predicate():  # noqa: ASYNC110 - polling a list the indexer fills
        await asyncio.sleep(0.05)


async def test_sigkill_of_ffmpeg_and_the_app_loses_only_the_segment_being_written(
    database: Database, camera_ids: list[int], tmp_path: Path
) -> None:
    gate = camera_ids[0]
    layout = recorder_layout(tmp_path, gate)
    repo = SegmentRepository(database)
    writer = SegmentWriter(repo, batch_size=1, flush_interval_s=0.05)
    handed: list[SegmentInfo] = []

    def submit_until_death(segment: SegmentInfo) -> None:
        handed.append(segment)
        if len(handed) <= _WRITTEN_BEFORE_DEATH:
            writer.submit(segment)

    indexer = SegmentIndexer(
        camera_id=gate, stream=StreamRole.MAIN, playlist=layout.playlist_path, root=tmp_path,
        submit=submit_until_death, poll_interval_s=0.1,
    )  # fmt: skip
    await writer.start()
    try:
        async with (
            live_ffmpeg(hls_argv(layout, seconds=30)) as ffmpeg,
            asyncio.TaskGroup() as group,
        ):
            follow = group.create_task(indexer.run())
            async with asyncio.timeout(20):
                await _wait_for(lambda: len(handed) >= _WRITTEN_BEFORE_DEATH + 2)
            await asyncio.sleep(0.5)  # well into the next segment
            killed_ms = time.time_ns() // 1_000_000
            ffmpeg.send_signal(signal.SIGKILL)
            assert await ffmpeg.wait() == -signal.SIGKILL
            follow.cancel()
        await writer.drain()
    finally:
        await writer.stop()
    files = [p for p in layout.camera_dir.rglob("*") if p.is_file() and p.name != "main.m3u8"]
    expected_new = len(files) - _WRITTEN_BEFORE_DEATH

    report = await RecordingRecovery(tmp_path, repo, IndexInventory(database)).run()

    assert (report.indexed, report.quarantined, report.dropped_rows) == (expected_new, 0, 0)
    on_disk = {p.relative_to(tmp_path).as_posix() for p in layout.camera_dir.rglob("*.ts*")}
    rows = await repo.segments_between(gate, StreamRole.MAIN, 0, 2**62)
    assert {r.path for r in rows} == on_disk, "no orphan file, no dangling row"
    assert not any(path.endswith(".tmp") for path in on_disk)
    coverage = await repo.coverage(gate, StreamRole.MAIN, rows[0].start_ms, rows[-1].end_ms)
    assert coverage.gaps == (), "the recovered segments continue the indexed ones"
    assert killed_ms - rows[-1].end_ms < 2_500, "at most the 1 s segment being written is lost"

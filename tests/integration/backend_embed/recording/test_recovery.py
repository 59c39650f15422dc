"""Start-up recovery over real ffmpeg segments in the recorder's layout and a real index (SQLite, PostgreSQL)."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

import pytest

from backend_embed.api.dto import StreamRole
from backend_embed.db.engine import Database
from backend_embed.ffmpeg.command import RecorderCommand, parse_segment_name
from backend_embed.recording.inventory import IndexInventory
from backend_embed.recording.layout import QUARANTINE_DIR
from backend_embed.recording.recovery import RecordingRecovery, RecoveryReport
from backend_embed.recording.segments import SegmentInfo, SegmentRepository
from tests.integration.backend_embed.recording.hls import hls_argv, live_ffmpeg, recorder_layout

pytestmark = pytest.mark.requires_ffmpeg
MAIN = StreamRole.MAIN


async def _record(layout: RecorderCommand, seconds: float) -> list[Path]:
    """Real 1 s segments written faster than real time where the recorder would; oldest first."""
    async with live_ffmpeg(hls_argv(layout, seconds=seconds, realtime=False)) as ffmpeg:
        assert await asyncio.wait_for(ffmpeg.wait(), 30) == 0
    return sorted(
        layout.camera_dir.rglob("*.ts"), key=lambda p: parse_segment_name(p.name).sequence
    )  # type: ignore[union-attr]


async def _recover(root: Path, database: Database) -> RecoveryReport:
    return await RecordingRecovery(
        root, SegmentRepository(database), IndexInventory(database)
    ).run()


async def _rows(database: Database, camera_id: int) -> list[tuple[str, int, int, bool]]:
    found = await SegmentRepository(database).segments_between(camera_id, MAIN, 0, 2**62)
    return [(s.path, s.start_ms, s.end_ms, s.discontinuity) for s in found]


def _rel(root: Path, files: list[Path]) -> list[str]:
    return [f.relative_to(root).as_posix() for f in files]


async def test_files_without_rows_are_indexed_and_dated_from_their_predecessor(
    database: Database, camera_ids: list[int], tmp_path: Path
) -> None:
    gate = camera_ids[0]
    files = await _record(recorder_layout(tmp_path, gate), 4)

    report = await _recover(tmp_path, database)

    rows = await _rows(database, gate)
    assert (report.indexed, report.quarantined, report.dropped_rows) == (len(files), 0, 0)
    assert [r[0] for r in rows] == _rel(tmp_path, files)
    first_name = parse_segment_name(files[0].name)
    assert first_name is not None
    assert rows[0][1] == first_name.start_ms, "the first is dated from its name"
    assert all(later[1] == earlier[2] for earlier, later in itertools.pairwise(rows))
    assert all(900 <= end - start <= 1100 for _, start, end, _ in rows[:-1])
    assert [r[3] for r in rows] == [True] + [False] * (len(rows) - 1)
    coverage = await SegmentRepository(database).coverage(gate, MAIN, rows[0][1], rows[-1][2])
    assert coverage.gaps == ()


async def test_a_partial_segment_is_renamed_indexed_and_continues_its_run(
    database: Database, camera_ids: list[int], tmp_path: Path
) -> None:
    gate = camera_ids[0]
    files = await _record(recorder_layout(tmp_path, gate), 3)
    await _recover(tmp_path, database)
    last = parse_segment_name(files[-1].name)
    assert last is not None
    partial = files[-1].with_name(
        files[-1].name.replace(f"-{last.sequence}.ts", f"-{last.sequence + 1}.ts.tmp")
    )
    partial.write_bytes(files[-1].read_bytes()[: files[-1].stat().st_size // 2 // 188 * 188])

    report = await _recover(tmp_path, database)

    assert report.indexed == 1
    assert not partial.exists()
    final = partial.with_name(partial.name.removesuffix(".tmp"))
    rows = await _rows(database, gate)
    assert rows[-1][0] == final.relative_to(tmp_path).as_posix()
    assert rows[-1][1] == rows[-2][2], "starts where its predecessor ended"
    assert rows[-1][3] is False


async def test_unreadable_and_unknown_files_are_quarantined_and_empty_ones_removed(
    database: Database, camera_ids: list[int], tmp_path: Path
) -> None:
    gate = camera_ids[0]
    files = await _record(recorder_layout(tmp_path, gate), 2)
    day_dir = files[0].parent
    (day_dir / "main-20261121T100000Z-7.ts").write_text("not a video")
    (day_dir / "notes.txt").write_text("operator notes")
    (day_dir / "main-20261121T100001Z-8.ts").write_bytes(b"")

    report = await _recover(tmp_path, database)

    assert (report.indexed, report.quarantined, report.removed_empty) == (2, 2, 1)
    quarantined = tmp_path / QUARANTINE_DIR / str(gate) / day_dir.name
    assert sorted(p.name for p in quarantined.iterdir()) == [
        "main-20261121T100000Z-7.ts",
        "notes.txt",
    ]
    assert sorted(p.name for p in day_dir.iterdir()) == sorted(f.name for f in files)


async def test_rows_whose_files_vanished_are_dropped_and_the_gap_shows(
    database: Database, camera_ids: list[int], tmp_path: Path
) -> None:
    gate = camera_ids[0]
    files = await _record(recorder_layout(tmp_path, gate), 4)
    await _recover(tmp_path, database)
    before = await _rows(database, gate)
    files[1].unlink()
    ghost = f"{gate}/2026-01-01/main-20260101T000000Z-1.ts"  # a whole day folder deleted by hand
    await SegmentRepository(database).add_many(
        [SegmentInfo(gate, MAIN, 1_767_225_600_000, 1_767_225_601_000, 1000, 10, ghost)]
    )

    report = await _recover(tmp_path, database)

    assert report.dropped_rows == 2
    rows = await _rows(database, gate)
    assert [r[0] for r in rows] == [before[0][0], *(r[0] for r in before[2:])]
    coverage = await SegmentRepository(database).coverage(gate, MAIN, before[0][1], before[-1][2])
    assert [(g.start_ms, g.end_ms) for g in coverage.gaps] == [(before[1][1], before[1][2])]


async def test_a_consistent_root_is_left_alone(
    database: Database, camera_ids: list[int], tmp_path: Path
) -> None:
    await _record(recorder_layout(tmp_path, camera_ids[0]), 3)
    await _recover(tmp_path, database)
    rows = await _rows(database, camera_ids[0])

    report = await _recover(tmp_path, database)

    assert (report.indexed, report.quarantined, report.dropped_rows, report.checked_days) == (
        0,
        0,
        0,
        1,
    )
    assert await _rows(database, camera_ids[0]) == rows


async def test_recordings_of_a_camera_that_no_longer_exists_are_quarantined(
    database: Database, camera_ids: list[int], tmp_path: Path
) -> None:
    files = await _record(recorder_layout(tmp_path, 999), 2)

    report = await _recover(tmp_path, database)

    assert report.quarantined == len(files) + 1, "the segments and the live playlist"
    assert not (tmp_path / "999").exists()
    assert (tmp_path / QUARANTINE_DIR / "999" / "main.m3u8").exists()

"""SegmentIndexer following a real ffmpeg HLS run and hand-written playlists in a real directory."""

from __future__ import annotations

import asyncio
import itertools
import os
from pathlib import Path

import pytest

from backend_embed.api.dto import StreamRole
from backend_embed.recording.indexer import SegmentIndexer
from backend_embed.recording.segments import SegmentInfo
from tests.integration.backend_embed.recording.hls import hls_argv, live_ffmpeg, recorder_layout

pytestmark = pytest.mark.requires_ffmpeg


class _Collector:
    """What the indexer handed over, and what it told the watchdog."""

    def __init__(self) -> None:
        self.segments: list[SegmentInfo] = []
        self.closed: list[int] = []


def _indexer(root: Path, playlist: Path, into: _Collector) -> SegmentIndexer:
    return SegmentIndexer(
        camera_id=1,
        stream=StreamRole.MAIN,
        playlist=playlist,
        root=root,
        submit=into.segments.append,
        on_segment_closed=into.closed.append,
        poll_interval_s=0.2,
    )


async def test_every_segment_of_a_real_ffmpeg_run_is_handed_over_once_in_order(
    tmp_path: Path,
) -> None:
    layout = recorder_layout(tmp_path, 1)
    got = _Collector()
    indexer = _indexer(tmp_path, layout.playlist_path, got)

    async with live_ffmpeg(hls_argv(layout, seconds=4.5)) as ffmpeg, asyncio.TaskGroup() as group:
        follow = group.create_task(indexer.run())
        assert await asyncio.wait_for(ffmpeg.wait(), 20) == 0
        await asyncio.sleep(0.5)
        follow.cancel()

    files = sorted(p.relative_to(tmp_path).as_posix() for p in layout.camera_dir.rglob("*.ts"))
    assert [s.path for s in got.segments] == files
    assert len(files) >= 4
    starts = [s.start_ms for s in got.segments]
    assert all(later - earlier in range(700, 1400) for earlier, later in itertools.pairwise(starts))
    assert all(s.end_ms == s.start_ms + s.duration_ms for s in got.segments)
    assert all(s.size_bytes == (tmp_path / s.path).stat().st_size for s in got.segments)
    assert [s.discontinuity for s in got.segments] == [True] + [False] * (len(files) - 1)
    assert got.closed[-1] == got.segments[-1].end_ms


async def test_a_second_ffmpeg_run_on_the_same_playlist_starts_with_a_discontinuity(
    tmp_path: Path,
) -> None:
    layout = recorder_layout(tmp_path, 1)
    got = _Collector()
    indexer = _indexer(tmp_path, layout.playlist_path, got)
    for _ in range(2):
        async with live_ffmpeg(hls_argv(layout, seconds=2, realtime=False)) as ffmpeg:
            assert await asyncio.wait_for(ffmpeg.wait(), 20) == 0
        await indexer.poll()

    flags = [s.discontinuity for s in got.segments]
    assert len(flags) == 4
    assert flags == [True, False, True, False]


def _write_playlist(
    path: Path, sequence: int, entries: list[tuple[str, str]], *, tail: str = ""
) -> None:
    """Write a live playlist of (uri, program date time) 2 s entries and create the segment files."""
    lines = ["#EXTM3U", "#EXT-X-TARGETDURATION:2", f"#EXT-X-MEDIA-SEQUENCE:{sequence}"]
    for uri, pdt in entries:
        lines += ["#EXTINF:2.000000,", f"#EXT-X-PROGRAM-DATE-TIME:{pdt}", uri]
        segment = path.parent / uri
        if not segment.exists():
            segment.write_bytes(b"\x47" * 188)
    path.write_text("\n".join(lines) + "\n" + tail)
    os.utime(path, ns=(path.stat().st_mtime_ns + 10**9,) * 2)  # a new mtime even within one tick


_BASE_MS = 1_795_255_200_000  # 2026-11-21T10:00:00Z


def _pdt(second: int) -> str:
    return f"2026-11-21T10:00:{second:02}.000+0000"


async def test_a_rewritten_playlist_hands_over_only_new_entries(tmp_path: Path) -> None:
    playlist = tmp_path / "main.m3u8"
    got = _Collector()
    indexer = _indexer(tmp_path, playlist, got)
    _write_playlist(playlist, 0, [("a.ts", _pdt(0)), ("b.ts", _pdt(2))])
    assert await indexer.poll() == 2
    assert await indexer.poll() == 0, "an unchanged playlist yields nothing"

    _write_playlist(playlist, 1, [("b.ts", _pdt(2)), ("c.ts", _pdt(4))])

    assert await indexer.poll() == 1
    assert [(s.path, s.discontinuity) for s in got.segments] == [
        ("a.ts", True), ("b.ts", False), ("c.ts", False),
    ]  # fmt: skip
    assert got.closed == [_BASE_MS + 4_000, _BASE_MS + 6_000], "the newest end after each poll"


async def test_a_new_ffmpeg_process_flags_its_first_segment_as_a_discontinuity(
    tmp_path: Path,
) -> None:
    playlist = tmp_path / "main.m3u8"
    got = _Collector()
    indexer = _indexer(tmp_path, playlist, got)
    _write_playlist(playlist, 0, [("a.ts", _pdt(0)), ("b.ts", _pdt(2))])
    await indexer.poll()

    _write_playlist(playlist, 0, [("x.ts", _pdt(9))])  # sequence 0 again, another file
    await indexer.poll()
    _write_playlist(playlist, 0, [("x.ts", _pdt(9)), ("y.ts", _pdt(11))])
    await indexer.poll()

    assert [(s.path, s.discontinuity) for s in got.segments][2:] == [
        ("x.ts", True),
        ("y.ts", False),
    ]


async def test_note_restart_flags_the_next_segment(tmp_path: Path) -> None:
    playlist = tmp_path / "main.m3u8"
    got = _Collector()
    indexer = _indexer(tmp_path, playlist, got)
    _write_playlist(playlist, 0, [("a.ts", _pdt(0))])
    await indexer.poll()

    indexer.note_restart()
    _write_playlist(playlist, 0, [("a.ts", _pdt(0)), ("b.ts", _pdt(2))])
    await indexer.poll()

    assert got.segments[-1].discontinuity


async def test_a_half_written_entry_is_picked_up_when_complete(tmp_path: Path) -> None:
    playlist = tmp_path / "main.m3u8"
    got = _Collector()
    indexer = _indexer(tmp_path, playlist, got)
    (tmp_path / "b.ts").write_bytes(b"\x47" * 376)
    _write_playlist(
        playlist,
        0,
        [("a.ts", _pdt(0))],
        tail=f"#EXTINF:2.000000,\n#EXT-X-PROGRAM-DATE-TIME:{_pdt(2)}\nb.t",
    )
    assert await indexer.poll() == 1

    _write_playlist(playlist, 0, [("a.ts", _pdt(0)), ("b.ts", _pdt(2))])

    assert await indexer.poll() == 1
    assert got.segments[-1].path == "b.ts"
    assert got.segments[-1].size_bytes == 376


async def test_a_listed_segment_without_its_file_is_logged_and_skipped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    playlist = tmp_path / "main.m3u8"
    got = _Collector()
    indexer = _indexer(tmp_path, playlist, got)
    _write_playlist(playlist, 0, [("a.ts", _pdt(0)), ("b.ts", _pdt(2))])
    (tmp_path / "a.ts").unlink()
    _write_playlist(playlist, 0, [("a.ts", _pdt(0)), ("b.ts", _pdt(2))])
    (tmp_path / "a.ts").unlink()

    await indexer.poll()

    assert [s.path for s in got.segments] == ["b.ts"]
    assert "Cannot index segment a.ts" in caplog.text


async def test_no_playlist_yet_is_not_an_error(tmp_path: Path) -> None:
    indexer = _indexer(tmp_path, tmp_path / "main.m3u8", _Collector())

    assert await indexer.poll() == 0


async def test_an_empty_segment_is_not_indexed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    playlist = tmp_path / "main.m3u8"
    got = _Collector()
    indexer = _indexer(tmp_path, playlist, got)
    (tmp_path / "a.ts").write_bytes(b"")  # what ffmpeg 5.1 lists when the disk is full

    _write_playlist(playlist, 0, [("a.ts", _pdt(0)), ("b.ts", _pdt(2))])
    await indexer.poll()

    assert [s.path for s in got.segments] == ["b.ts"]
    assert "disk full" in caplog.text

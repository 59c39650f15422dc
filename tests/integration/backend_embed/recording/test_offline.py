"""Offline review of a copied recordings folder: indexed read-only, dated like the installation's index.

Real: ffmpeg recording in real time with the recorder's HLS options (two runs with a gap), the indexer
reading its live playlist (the installation's dates, for comparison), previews made with PyAV, the offline
library's temporary SQLite index, and libVLC playing the VOD playlist it returns.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import time
from pathlib import Path

import pytest
import vlc

from backend_embed.api.dto import StreamRole
from backend_embed.api.errors import NotFoundError
from backend_embed.api.media import OfflineCamera
from backend_embed.recording.indexer import SegmentIndexer
from backend_embed.recording.layout import write_camera_info
from backend_embed.recording.offline import OfflineLibrary, OfflineReviews
from backend_embed.recording.previews import render_preview
from backend_embed.recording.segments import SegmentInfo
from tests.integration.backend_embed.recording.hls import hls_argv, live_ffmpeg, recorder_layout

pytestmark = pytest.mark.requires_ffmpeg

MAIN = StreamRole.MAIN
CAMERA = 5
#: the dates of a copied folder agree with the installation's within this
TOLERANCE_MS = 1500


def _snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file and folder under `folder`: content hash (or "dir") and mode."""
    found = {}
    for path in sorted(folder.rglob("*")):
        key = path.relative_to(folder).as_posix()
        if path.is_dir():
            found[key] = ("dir", path.stat().st_mode)
        else:
            found[key] = (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mode)
    return found


def _play_in_libvlc(playlist: Path, seconds: float, *, enough_ms: int = 1500) -> int:
    """Play `playlist` with libVLC (no picture) until it reaches `enough_ms` or `seconds` pass.

    Returns the furthest media time reached (ms). Waiting for progress rather than for a fixed time keeps the
    test meaningful on a loaded machine.
    """
    instance = vlc.Instance(["--quiet", "--no-xlib", "--no-audio", "--vout=dummy"])
    player = instance.media_player_new()
    try:
        player.set_media(instance.media_new_path(str(playlist)))
        player.play()
        furthest, deadline = 0, time.monotonic() + seconds
        while time.monotonic() < deadline and furthest < enough_ms:
            furthest = max(furthest, player.get_time())
            time.sleep(0.1)
        return int(furthest)
    finally:
        player.stop()
        player.release()
        instance.release()


async def _record_two_runs(root: Path) -> list[SegmentInfo]:
    """Record 3 s, pause 2 s, record 3 s (1 s segments, real time); what the live indexer saw."""
    layout = recorder_layout(root, CAMERA)
    seen: list[SegmentInfo] = []
    indexer = SegmentIndexer(
        camera_id=CAMERA, stream=MAIN, playlist=layout.playlist_path, root=root, submit=seen.append
    )
    for run in range(2):
        if run:
            await asyncio.sleep(2)
        async with live_ffmpeg(hls_argv(layout, seconds=3)) as ffmpeg:
            while ffmpeg.returncode is None:
                await indexer.poll()
                await asyncio.sleep(0.2)
            assert ffmpeg.returncode == 0
        await indexer.poll()
    return seen


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[SegmentInfo]]:
    """A recordings root with camera.json, two runs and previews; the installation's index of it."""
    root = tmp_path_factory.mktemp("installation")
    write_camera_info(root, CAMERA, "Loading dock")
    seen = asyncio.run(_record_two_runs(root))
    for segment in seen:
        source = root / segment.path
        render_preview(source, source.parent / "previews", MAIN, segment.start_ms, 160)
    return root, seen


async def test_a_copied_root_gives_cameras_coverage_playlists_and_previews_and_stays_unchanged(
    recorded: tuple[Path, list[SegmentInfo]], tmp_path: Path
) -> None:
    installation, truth = recorded
    copy = tmp_path / "usb stick" / "recordings"
    shutil.copytree(installation, copy)
    (
        copy / str(CAMERA) / truth[0].path.split("/")[1] / "main-20000101T000000Z-1.ts.tmp"
    ).write_bytes(b"partial")
    before = _snapshot(copy)
    restart = next(i for i, s in enumerate(truth) if i and s.start_ms - truth[i - 1].end_ms > 1000)
    first, last = truth[0].start_ms, truth[-1].end_ms

    library = await OfflineLibrary.open(copy, work_dir=tmp_path)
    try:
        [camera] = library.cameras()
        coverage = await library.coverage(CAMERA, first - 10_000, last + 10_000)
        source = await library.playback_source(CAMERA, first - 10_000, last + 10_000)
        previews = await library.previews(CAMERA, first - 10_000, last + 10_000)
        playlist = Path(source.playlist_path)
        played_ms = await asyncio.to_thread(_play_in_libvlc, playlist, 15)
    finally:
        await library.close()

    assert (camera.id, camera.name, camera.streams) == (CAMERA, "Loading dock", (MAIN,))
    assert camera.start_ms is not None
    assert camera.end_ms is not None
    assert abs(camera.start_ms - first) < TOLERANCE_MS
    assert abs(camera.end_ms - last) < TOLERANCE_MS
    assert len(coverage.spans) == 2
    for span, (lo, hi) in zip(
        coverage.spans,
        [(first, truth[restart - 1].end_ms), (truth[restart].start_ms, last)],
        strict=True,
    ):
        assert abs(span.start_ms - lo) < TOLERANCE_MS
        assert abs(span.end_ms - hi) < TOLERANCE_MS
    assert len(source.entries) == len(truth)
    assert [e.discontinuity for e in source.entries] == [i == restart for i in range(len(truth))]
    for entry, segment in zip(source.entries, truth, strict=True):
        assert abs((entry.end_ms - entry.start_ms) - (segment.end_ms - segment.start_ms)) <= 50
    assert playlist.is_relative_to(tmp_path)
    assert not playlist.is_relative_to(copy)
    assert played_ms >= 1500, "libVLC plays the playlist (file URIs, a space in the path)"
    assert [p.time_ms for p in previews] == [s.start_ms for s in truth]
    assert all(Path(p.path).is_relative_to(copy) for p in previews)
    assert _snapshot(copy) == before
    assert not playlist.exists(), "close() deletes the temporary index and playlists"
    assert [p.name for p in tmp_path.iterdir()] == ["usb stick"]


async def test_an_exported_camera_folder_takes_its_id_and_name_from_camera_json(
    recorded: tuple[Path, list[SegmentInfo]], tmp_path: Path
) -> None:
    installation, truth = recorded
    export = tmp_path / "gate incident 14-03"
    shutil.copytree(installation / str(CAMERA), export)
    (export / "camera.json").write_text(json.dumps({"id": 12, "name": "Gate"}))
    before = _snapshot(export)
    reviews = OfflineReviews(work_dir=tmp_path)

    review = await reviews.open(export)
    coverage = await reviews.get(review.id).coverage(12, truth[0].start_ms, truth[-1].end_ms)
    await reviews.close(review.id)

    assert [(c.id, c.name) for c in review.cameras] == [(12, "Gate")]
    assert isinstance(review.cameras[0], OfflineCamera)
    assert review.folder == str(export)
    assert coverage.spans
    with pytest.raises(NotFoundError):
        reviews.get(review.id)
    assert _snapshot(export) == before


async def test_a_folder_without_recordings_is_refused(tmp_path: Path) -> None:
    (tmp_path / "photos").mkdir()

    with pytest.raises(NotFoundError, match="no recordings"):
        await OfflineLibrary.open(tmp_path / "photos")
    with pytest.raises(NotFoundError, match="does not exist"):
        await OfflineLibrary.open(tmp_path / "missing")
    assert sorted(os.listdir(tmp_path)) == ["photos"]


async def test_review_folders_a_dead_host_left_are_swept_before_new_reviews_open(
    recorded: tuple[Path, list[SegmentInfo]], tmp_path: Path
) -> None:
    installation, _truth = recorded
    work = tmp_path / "cache" / "offline-reviews"
    reviews = OfflineReviews(work_dir=work)
    assert await reviews.sweep() == 0  # made on first use
    # what a killed host leaves: its reviews' temporary indexes; and something that is not one
    for name in ("vas-offline-k1x2", "vas-export-9zq"):
        (work / name / "playlists").mkdir(parents=True)
        (work / name / "index.db").write_bytes(b"SQLite format 3\0")
    (work / "notes.txt").write_text("not a review")

    assert await reviews.sweep() == 2
    assert sorted(p.name for p in work.iterdir()) == ["notes.txt"]
    review = await reviews.open(installation)
    try:
        (made,) = [p for p in work.iterdir() if p.is_dir()]
        assert made.name.startswith("vas-offline-")
    finally:
        await reviews.close(review.id)
    assert sorted(p.name for p in work.iterdir()) == ["notes.txt"]

"""Offline review of a real evidence export: its MP4 clips open as cameras and play through VOD playlists.

Real: ffmpeg recording 1 s segments, a real SQLite index with a gap in one camera, `ClipExporter` making the
signed export (stream copy to MP4), the export split back into TS pieces by ffmpeg, the temporary index, and
libVLC playing the playlist `playback_source` returns.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio

from backend_embed.api.dto import StreamRole
from backend_embed.api.errors import NotFoundError
from backend_embed.db.engine import Database
from backend_embed.db.migrate import upgrade_to_head
from backend_embed.db.records import CameraValues
from backend_embed.db.repositories import CameraRepository
from backend_embed.evidence.export import ClipExporter
from backend_embed.evidence.signing import InstallationKey
from backend_embed.ffmpeg.command import recorder_environment
from backend_embed.recording.export_review import ExportClip, cut_times, date_pieces
from backend_embed.recording.offline import OfflineReviews
from backend_embed.recording.segments import SegmentInfo, SegmentRepository
from tests.integration.backend_embed.recording.hls import hls_argv, recorder_layout
from tests.integration.backend_embed.recording.test_offline import _play_in_libvlc

pytestmark = pytest.mark.requires_ffmpeg

BASE_MS = 1_795_255_200_000  # 2026-11-21 10:00:00 UTC
#: Gate's recording: [BASE, BASE + 3 s) and [BASE + 10 s, BASE + 13 s); Yard's: [BASE, BASE + 6 s)
GAP = (BASE_MS + 3000, BASE_MS + 10_000)


@dataclass(frozen=True, slots=True)
class Export:
    folder: Path
    gate: int
    yard: int


async def _record(root: Path, camera_id: int) -> list[Path]:
    argv = hls_argv(recorder_layout(root, camera_id), seconds=6, realtime=False)
    proc = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE, env=recorder_environment(os.environ),
    )  # fmt: skip
    _out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode(errors="replace")
    return sorted((root / str(camera_id)).glob("*/*.ts"))


def _index(root: Path, camera_id: int, files: list[Path], *, gap: bool) -> list[SegmentInfo]:
    infos = []
    for i, path in enumerate(files):
        start = BASE_MS + i * 1000 + (GAP[1] - GAP[0] if gap and i >= 3 else 0)
        infos.append(
            SegmentInfo(
                camera_id=camera_id,
                stream=StreamRole.MAIN,
                start_ms=start,
                end_ms=start + 1000,
                duration_ms=1000,
                size_bytes=path.stat().st_size,
                path=path.relative_to(root).as_posix(),
            )
        )
    return infos


@pytest_asyncio.fixture
async def export(tmp_path: Path) -> AsyncIterator[Export]:
    """A real signed export of Gate (with a 7 s gap) and Yard (contiguous), 6 s of video each."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'vas.db'}"
    upgrade_to_head(url)
    db = await Database.open(url)
    try:
        root, repo, cameras = tmp_path / "recordings", SegmentRepository(db), []
        for name, gap in (("Gate", True), ("Yard", False)):
            values = CameraValues(
                name=name, main_url="rtsp://127.0.0.1/x", sub_url=None, username="",
                password_encrypted=None,
            )  # fmt: skip
            camera_id = (await CameraRepository(db).add(values)).id
            cameras.append((camera_id, name))
            await repo.add_many(_index(root, camera_id, await _record(root, camera_id), gap=gap))
        folder = tmp_path / "export"
        signer = InstallationKey.load_or_create(tmp_path / "config")
        await ClipExporter(root, repo, signer).export(cameras, BASE_MS, BASE_MS + 20_000, folder)
        yield Export(folder, cameras[0][0], cameras[1][0])
    finally:
        await db.dispose()


def _snapshot(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


async def test_export_opens_as_cameras_spanning_the_covered_ranges(
    export: Export, tmp_path: Path
) -> None:
    before = _snapshot(export.folder)
    reviews = OfflineReviews(work_dir=tmp_path)
    review = await reviews.open(export.folder)
    try:
        assert review.folder == str(export.folder.resolve())
        by_name = {c.name: c for c in review.cameras}
        assert set(by_name) == {"Gate", "Yard"}
        assert (by_name["Gate"].start_ms, by_name["Gate"].end_ms) == (BASE_MS, BASE_MS + 13_000)
        assert (by_name["Yard"].start_ms, by_name["Yard"].end_ms) == (BASE_MS, BASE_MS + 6000)
        library = reviews.get(review.id)
        coverage = await library.coverage(export.gate, BASE_MS, BASE_MS + 13_000)
        # the pieces are dated from the manifest: the gap is where it was recorded, within a keyframe
        assert [(g.start_ms, g.end_ms) for g in coverage.gaps] == [GAP]
        assert await library.previews(export.gate, BASE_MS, BASE_MS + 13_000) == []
    finally:
        await reviews.close_all()
    assert _snapshot(export.folder) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("vas-export-")] == []


async def test_playback_source_is_a_playlist_of_ts_pieces_that_libvlc_plays(
    export: Export, tmp_path: Path
) -> None:
    reviews = OfflineReviews(work_dir=tmp_path)
    review = await reviews.open(export.folder)
    try:
        source = await reviews.get(review.id).playback_source(
            export.gate, BASE_MS, BASE_MS + 13_000
        )
        entries = source.entries
        assert entries[0].start_ms == BASE_MS
        assert entries[-1].end_ms == BASE_MS + 13_000
        after_gap = [e for e in entries if e.discontinuity]
        assert [e.start_ms for e in after_gap] == [GAP[1]]
        # media time skips the gap: 6 s of video in the playlist
        assert abs(source.duration_ms - 6000) <= 200
        playlist = Path(source.playlist_path)
        uris = [line for line in playlist.read_text().splitlines() if line.startswith("file:")]
        assert len(uris) == len(entries)
        assert all(uri.endswith(".ts") for uri in uris)
        reached = await asyncio.to_thread(_play_in_libvlc, playlist, 20.0, enough_ms=4000)
        assert reached >= 4000  # played past the gap's discontinuity into the second run
    finally:
        await reviews.close_all()


async def test_a_missing_clip_cannot_be_played_and_says_which(
    export: Export, tmp_path: Path
) -> None:
    manifest = json.loads((export.folder / "manifest.json").read_text())
    yard_file = next(c["file"] for c in manifest["cameras"] if c["name"] == "Yard")
    (export.folder / yard_file).unlink()
    reviews = OfflineReviews(work_dir=tmp_path)
    review = await reviews.open(export.folder)
    try:
        with pytest.raises(NotFoundError, match=f"{yard_file} is missing"):
            await reviews.get(review.id).playback_source(export.yard, BASE_MS, BASE_MS + 6000)
        # the other camera still plays
        await reviews.get(review.id).playback_source(export.gate, BASE_MS, BASE_MS + 13_000)
    finally:
        await reviews.close_all()


async def test_an_unreadable_manifest_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "manifest.json").write_text("{not json")
    with pytest.raises(NotFoundError, match="not a readable export manifest"):
        await OfflineReviews(work_dir=tmp_path).open(folder)
    assert [p.name for p in tmp_path.iterdir()] == ["broken"]


def test_pieces_are_dated_onto_the_spans_with_a_discontinuity_after_the_gap() -> None:
    clip = ExportClip(1, "Gate", "g.mp4", 0, 13_000, ((3000, 10_000),))
    spans = clip.spans()
    assert spans == [(0, 3000), (10_000, 13_000)]
    assert cut_times(spans) == [3.0]  # where the second span starts; both are shorter than 4 s
    assert cut_times([(0, 9000)]) == [4.0, 8.0]
    listing = "00000.ts,1.400000,4.400000\n00001.ts,4.400000,5.400000\n00002.ts,5.400000,7.400000\n"
    pieces = date_pieces(1, "1", spans, listing)
    assert [(p.start_ms, p.end_ms, p.discontinuity) for p in pieces] == [
        (0, 3000, False),
        (10_000, 11_000, True),
        (11_000, 13_000, False),
    ]
    assert [p.path for p in pieces] == ["1/00000.ts", "1/00001.ts", "1/00002.ts"]

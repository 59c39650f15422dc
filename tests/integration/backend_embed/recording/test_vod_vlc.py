"""VOD playlists against the real index and the real libVLC: gaps are skipped, not waited out.

Real: libVLC 3 (python-vlc, rendering into memory), ffmpeg-made MPEG-TS segments whose every frame carries
camsim's timestamp code (`tests.helpers.recordings`), the segment index on SQLite and PostgreSQL. Fake: the
recordings are encoded faster than real time instead of captured, and the VLC test serves its segment
records from a hand-written lookup.
"""

from __future__ import annotations

import ctypes
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import vlc

from backend_embed.api.dto import StreamRole
from backend_embed.api.media import PlaybackSource
from backend_embed.recording.segments import SegmentInfo, SegmentRecord, SegmentRepository
from backend_embed.recording.vod import VodPlaylists, wall_to_offset
from camsim.timecode import decode_luma
from tests.helpers.recordings import encode_span

pytestmark = pytest.mark.requires_ffmpeg

T0 = 1_700_000_000_000  # 2023-11-14T22:13:20Z
DAY = "2023-11-14"
WIDTH, HEIGHT = 320, 180
#: run 1 is 30 s of which only 0-4 s and 24-28 s are kept (a 20 s hole inside one ffmpeg run, so the
#: timestamps jump forward); run 2, a new ffmpeg run (timestamps start again), is recorded at 60-64 s
HOLE_END_MS = T0 + 24_000
RUN2_MS = T0 + 60_000


@dataclass(frozen=True, slots=True)
class Recording:
    """Segment files under `root`, as the index would list them."""

    root: Path
    records: list[SegmentRecord]


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Recording:
    """Timecoded segments of camera 1 laid out like the recorder's, with a hole and a restart."""
    root = tmp_path_factory.mktemp("recordings")
    folder = root / "1" / DAY
    run1 = encode_span(folder, "main-run1", T0, 30 * 25)
    run2 = encode_span(folder, "main-run2", RUN2_MS, 4 * 25)
    kept = [*run1[:2], *run1[12:14], *run2]
    records = [
        SegmentRecord(
            id=n,
            camera_id=1,
            stream=StreamRole.MAIN,
            start_ms=s.first_code_ms,
            end_ms=s.first_code_ms + s.duration_ms,
            duration_ms=s.duration_ms,
            size_bytes=s.path.stat().st_size,
            path=s.path.relative_to(root).as_posix(),
            discontinuity=s in (run1[12], run2[0]),
        )
        for n, s in enumerate(kept, start=1)
    ]
    return Recording(root, records)


class _Index:
    """A hand-written segment lookup over fixed records."""

    def __init__(self, records: list[SegmentRecord]) -> None:
        self._records = records

    async def segments_between(
        self, camera_id: int, stream: StreamRole, start_ms: int, end_ms: int
    ) -> list[SegmentRecord]:
        return [r for r in self._records if r.start_ms < end_ms and r.end_ms > start_ms]


@dataclass(frozen=True, slots=True)
class Sample:
    """What the player showed at one moment of a polled playback."""

    elapsed_s: float
    vlc_time_ms: int
    code_ms: int | None


class _MemoryPlayer:
    """A libVLC player rendering 320x180 RV32 pictures into memory; keeps the newest picture's green plane.

    The callbacks run on libVLC's threads and only copy bytes under a lock.
    """

    def __init__(self) -> None:
        self.instance: Any = vlc.Instance(
            ["--quiet", "--no-xlib", "--no-audio", "--avcodec-hw=none"]
        )
        self.player: Any = self.instance.media_player_new()
        self._buffer = (ctypes.c_ubyte * (WIDTH * HEIGHT * 4))()
        self._lock = threading.Lock()
        self._latest: bytes | None = None
        self._lock_cb = vlc.CallbackDecorators.VideoLockCb(self._lock_picture)
        self._display_cb = vlc.CallbackDecorators.VideoDisplayCb(self._display)
        self.player.video_set_callbacks(self._lock_cb, None, self._display_cb, None)
        self.player.video_set_format("RV32", WIDTH, HEIGHT, WIDTH * 4)

    def _lock_picture(self, _opaque: Any, planes: Any) -> None:
        planes[0] = ctypes.cast(self._buffer, ctypes.c_void_p)

    def _display(self, _opaque: Any, _picture: Any) -> None:
        with self._lock:
            self._latest = bytes(memoryview(self._buffer)[1::4])  # G of B G R X: the code is grey

    def latest_code(self) -> int | None:
        with self._lock:
            picture = self._latest
        return None if picture is None else decode_luma(picture, WIDTH, HEIGHT)

    def play_for(self, playlist: str, seconds: float, stop_at_code: int) -> list[Sample]:
        """Play `playlist` from its start; sample every 50 ms until a picture shows `stop_at_code`."""
        self.player.set_media(self.instance.media_new_path(playlist))
        self.player.play()
        started = time.monotonic()
        samples: list[Sample] = []
        while (elapsed := time.monotonic() - started) < seconds:
            code = self.latest_code()
            samples.append(Sample(elapsed, self.player.get_time(), code))
            if code is not None and code >= stop_at_code:
                break
            time.sleep(0.05)
        return samples

    def close(self) -> None:
        self.player.stop()
        self.player.release()
        self.instance.release()


@pytest.fixture
def memory_player() -> Iterator[_MemoryPlayer]:
    """A real libVLC player without any window; released at teardown."""
    player = _MemoryPlayer()
    try:
        yield player
    finally:
        player.close()


async def _source(recording: Recording, cache: Path) -> PlaybackSource:
    vod = VodPlaylists(recording.root, cache, _Index(recording.records))
    return await vod.playback_source(1, T0, T0 + 120_000)


def _first_at_or_after(samples: list[Sample], code_ms: int) -> Sample | None:
    return next((s for s in samples if s.code_ms is not None and s.code_ms >= code_ms), None)


async def test_libvlc_plays_across_a_hole_and_a_restart_without_waiting_them_out(
    recording: Recording, memory_player: _MemoryPlayer, tmp_path: Path
) -> None:
    source = await _source(recording, tmp_path / "cache")
    assert [e.discontinuity for e in source.entries] == [False, False, True, False, True, False]
    hole_offset = wall_to_offset(source.entries, HOLE_END_MS)
    assert hole_offset == wall_to_offset(source.entries, T0 + 10_000) == 4000

    samples = memory_player.play_for(source.playlist_path, 20.0, stop_at_code=RUN2_MS + 1000)

    after_hole = _first_at_or_after(samples, HOLE_END_MS)
    after_restart = _first_at_or_after(samples, RUN2_MS)
    assert after_hole is not None, samples[-5:]
    assert after_restart is not None, samples[-5:]
    # 4 s of footage before the hole; waiting the 20 s hole out would take 24 s
    assert after_hole.elapsed_s < 4.0 + 3.0, after_hole
    assert HOLE_END_MS <= (after_hole.code_ms or 0) < HOLE_END_MS + 2000
    assert after_restart.elapsed_s < 8.0 + 3.0, after_restart
    # libVLC's clock follows the media timestamps, not the playlist: past the hole it jumped with them (here
    # to about 23.5 s, beyond the hole's playlist offset); at the new run it starts again from 0
    between = [s for s in samples if after_hole.elapsed_s <= s.elapsed_s < after_restart.elapsed_s]
    assert max(s.vlc_time_ms for s in between) > hole_offset
    assert samples[-1].vlc_time_ms < 4000


async def test_without_discontinuities_libvlc_freezes_in_the_hole(
    recording: Recording, memory_player: _MemoryPlayer, tmp_path: Path
) -> None:
    """The control: the same playlist minus its EXT-X-DISCONTINUITY tags waits the hole out."""
    source = await _source(recording, tmp_path / "cache")
    bare = tmp_path / "bare.m3u8"
    text = Path(source.playlist_path).read_text()
    bare.write_text(text.replace("#EXT-X-DISCONTINUITY\n", ""))

    samples = memory_player.play_for(str(bare), 8.0, stop_at_code=HOLE_END_MS)

    assert _first_at_or_after(samples, T0 + 3000) is not None  # it did play the footage before
    assert _first_at_or_after(samples, HOLE_END_MS) is None


async def test_playback_source_reads_the_index(
    segments: SegmentRepository, camera_ids: list[int], tmp_path: Path
) -> None:
    camera = camera_ids[0]
    infos = [
        SegmentInfo(
            camera,
            StreamRole.MAIN,
            T0 + s * 1000,
            T0 + (s + 4) * 1000,
            4000,
            10,
            f"{camera}/{DAY}/main-{s}.ts",
        )
        for s in (0, 4, 8, 30, 34)
    ]
    await segments.add_many(infos)
    await segments.add_many(
        [SegmentInfo(camera, StreamRole.SUB, T0, T0 + 4000, 4000, 10, f"{camera}/{DAY}/sub-0.ts")]
    )
    vod = VodPlaylists(tmp_path / "rec", tmp_path / "cache", segments)

    source = await vod.playback_source(camera, T0 + 5000, T0 + 31_000)

    assert [(e.start_ms - T0, e.offset_ms, e.discontinuity) for e in source.entries] == [
        (4000, 0, False),
        (8000, 4000, False),
        (30_000, 8000, True),
    ]
    text = Path(source.playlist_path).read_text()
    assert (tmp_path / "rec" / f"{camera}/{DAY}/main-30.ts").as_uri() in text
    assert "sub-0.ts" not in text

"""StillFrames against real recordings: the exact frame at a time, the next and the previous one, gaps.

Real: ffmpeg-made MPEG-TS HLS recordings whose every frame carries camsim's timestamp code
(`tests/helpers/recordings.py`) and PyAV decoding; the GUI thread is played by `CallQueue`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from backend_embed.api import PlaybackSource
from camsim.timecode import decode_luma
from tests.helpers.playback_fakes import CallQueue
from tests.helpers.recordings import FRAME_MS, make_recording
from vas_console.media.still_frames import SegmentFiles, Still, StillFrames

pytestmark = pytest.mark.requires_ffmpeg

T0 = 1_700_000_000_000
SPANS = ((T0, T0 + 10_000), (T0 + 30_000, T0 + 40_000))


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> PlaybackSource:
    return make_recording(tmp_path_factory.mktemp("stills"), SPANS)


def code_of(still: Still) -> int | None:
    frame = still.frame
    return decode_luma(frame.data[1::4], frame.width, frame.height)


def fetch(stills: StillFrames, calls: CallQueue, wall_ms: int) -> tuple[Still | None, str | None]:
    results: list[tuple[Still | None, str | None]] = []
    stills.request(wall_ms, lambda still, message: results.append((still, message)))
    assert calls.pump(lambda: bool(results), 5.0), f"no still for {wall_ms - T0}"
    return results[0]


@pytest.fixture
def stills(recording: PlaybackSource) -> Iterator[tuple[StillFrames, CallQueue]]:
    calls = CallQueue()
    frames = StillFrames(calls.post, 640, 360)
    frames.open(recording.playlist_path, recording.entries)
    yield frames, calls
    frames.close()


@pytest.mark.parametrize("offset", [0, 7_000, 7_013, 1_999, 2_000, 9_990])
def test_the_still_is_the_frame_whose_interval_holds_the_time(
    stills: tuple[StillFrames, CallQueue], offset: int
) -> None:
    frames, calls = stills
    still, message = fetch(frames, calls, T0 + offset)
    assert message is None
    assert still is not None
    expected = T0 + offset // FRAME_MS * FRAME_MS
    assert still.wall_ms == expected
    assert code_of(still) == expected
    assert still.next_ms == expected + FRAME_MS
    assert (still.frame.width, still.frame.height) == (320, 180)  # fits 640x360: not scaled


def test_steps_forward_and_back_are_one_frame_each_across_segments(
    stills: tuple[StillFrames, CallQueue],
) -> None:
    frames, calls = stills
    still, _ = fetch(frames, calls, T0 + 1_920)
    codes = []
    for _ in range(4):  # 1920, 1960 | 2000, 2040: the segment boundary at 2 s
        assert still is not None
        codes.append(code_of(still))
        still, _ = fetch(frames, calls, still.next_ms)
    assert codes == [T0 + 1_920, T0 + 1_960, T0 + 2_000, T0 + 2_040]
    back, _ = fetch(frames, calls, T0 + 2_000 - 1)
    assert back is not None
    assert code_of(back) == T0 + 1_960


def test_a_time_in_a_gap_shows_the_next_recording_and_after_the_end_nothing(
    stills: tuple[StillFrames, CallQueue],
) -> None:
    frames, calls = stills
    still, _ = fetch(frames, calls, T0 + 20_000)
    assert still is not None
    assert code_of(still) == SPANS[1][0]
    last, _ = fetch(frames, calls, SPANS[0][1] - 1)
    assert last is not None
    assert code_of(last) == SPANS[0][1] - FRAME_MS
    nothing, message = fetch(frames, calls, SPANS[1][1] + 5_000)
    assert nothing is None
    assert message == "No recording at this time"


def test_a_deleted_or_damaged_segment_gives_a_message(
    recording: PlaybackSource, tmp_path: Path
) -> None:
    copy = tmp_path / "copy"
    copy.mkdir()
    source_dir = Path(recording.playlist_path).parent
    for item in source_dir.iterdir():
        (copy / item.name).write_bytes(item.read_bytes())
    playlist = copy / Path(recording.playlist_path).name
    files = SegmentFiles(str(playlist), recording.entries)
    files.paths[3].unlink()
    files.paths[4].write_bytes(b"\x47" + b"\x00" * 1000)
    calls = CallQueue()
    frames = StillFrames(calls.post, 640, 360)
    frames.open(str(playlist), recording.entries)
    try:
        _, deleted = fetch(frames, calls, T0 + 6_500)
        _, damaged = fetch(frames, calls, T0 + 8_500)
    finally:
        frames.close()
    assert deleted == "This recording was deleted (storage retention)"
    assert damaged == "This recording is damaged and cannot be shown"


def test_a_newer_request_supersedes_the_waiting_ones(stills: tuple[StillFrames, CallQueue]) -> None:
    frames, calls = stills
    results: list[int | None] = []
    for offset in range(0, 5_000, 200):  # a scrub while paused: 25 requests at once
        frames.request(
            T0 + offset, lambda still, _m: results.append(None if still is None else still.wall_ms)
        )
    assert calls.pump(lambda: T0 + 4_800 in results, 5.0)
    calls.pump(lambda: False, 0.3)
    assert results[-1] == T0 + 4_800
    assert len(results) <= 3  # the one decoding when the scrub began, maybe one more, and the last

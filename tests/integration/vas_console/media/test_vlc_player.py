"""VlcPlayer against the real libVLC: memory rendering, exact seeks, paused seeks, gaps, rates.

Real: libVLC 3 (Debian), ffmpeg-made MPEG-TS HLS recordings whose every frame carries camsim's timestamp
code (`tests/helpers/recordings.py`), so each test reads which wall-clock time is on screen. No Qt: the
test thread plays the GUI thread through `CallQueue`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend_embed.api import PlaybackSource
from tests.helpers.playback_fakes import CallQueue, FramePlayerLog
from tests.helpers.recordings import FRAME_MS, make_recording
from vas_console.core.playclock import PlaylistMap
from vas_console.media.vlc_player import (
    EventKind,
    PlayerEvent,
    PlayerState,
    VlcInstance,
    VlcPlayer,
)

pytestmark = pytest.mark.requires_ffmpeg

T0 = 1_700_000_000_000
GAP_MS = 20_000
# 20 s recorded, a 20 s gap, 20 s recorded: playlist offsets 0-20 s and 20-40 s
SPANS = ((T0, T0 + 20_000), (T0 + 20_000 + GAP_MS, T0 + 40_000 + GAP_MS))


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> PlaybackSource:
    """Two recorded spans around a gap, joined with EXT-X-DISCONTINUITY (320x180, 25 fps, 2 s GOP)."""
    return make_recording(tmp_path_factory.mktemp("recording"), SPANS)


@pytest.fixture(scope="module")
def vlc_instance() -> Iterator[VlcInstance]:
    instance = VlcInstance()
    yield instance
    instance.close()


class Harness:
    """One real player rendering to memory, its events and pictures, and the GUI-thread stand-in."""

    def __init__(self, instance: VlcInstance) -> None:
        self.calls = CallQueue()
        self.events: list[PlayerEvent] = []
        self.frames = FramePlayerLog()
        self.player: VlcPlayer = instance.new_player(self.calls.post, self.events.append)
        self.player.render_to_memory(640, 360, self.frames)

    def wait_state(self, state: PlayerState, timeout: float = 5.0) -> None:
        assert self.calls.pump(lambda: self.player.state is state, timeout), (
            f"player stayed {self.player.state}, expected {state}"
        )

    def seek_and_find(self, offset_ms: int, wall_ms: int, timeout: float = 3.0) -> int:
        """Seek, wait for the picture showing about `wall_ms`, return the code it carries."""
        start = self.frames.count()
        self.player.seek(offset_ms)
        found = self.calls.pump(lambda: self.frames.first_near(start, wall_ms) is not None, timeout)
        assert found, f"no picture near {wall_ms - T0} ms after seeking to {offset_ms}"
        frame = self.frames.first_near(start, wall_ms)
        assert frame is not None
        assert frame.code_ms is not None
        return frame.code_ms


@pytest.fixture
def harness(vlc_instance: VlcInstance) -> Iterator[Harness]:
    h = Harness(vlc_instance)
    yield h
    h.player.close()


def test_memory_rendering_delivers_timecoded_frames_offscreen(
    harness: Harness, recording: PlaybackSource
) -> None:
    harness.player.open(recording.playlist_path, recording.entries)
    harness.wait_state(PlayerState.PLAYING)
    assert harness.calls.pump(lambda: harness.frames.count() >= 10, 5.0)
    frames = harness.frames.frames
    assert frames[-1].width == 320  # the source fits the box: not scaled
    last = harness.frames.last
    assert last is not None
    assert last.aspect == pytest.approx(320 / 180)
    codes = [f.code_ms - T0 for f in frames if f.code_ms is not None]
    assert len(codes) >= 8
    assert codes == sorted(codes)
    assert codes[0] < 1000


@pytest.mark.parametrize(
    "offset_ms",
    [pytest.param(13_520, id="forward"), pytest.param(4_000, id="back-to-keyframe"), 9_960],
)
def test_seek_lands_on_the_requested_frame(
    harness: Harness, recording: PlaybackSource, offset_ms: int
) -> None:
    mapping = PlaylistMap(recording.entries)
    harness.player.open(recording.playlist_path, recording.entries)
    harness.wait_state(PlayerState.PLAYING)
    assert harness.calls.pump(lambda: harness.frames.count() >= 5, 5.0)
    wall = mapping.wall_at(offset_ms)
    code = harness.seek_and_find(offset_ms, wall)
    assert wall <= code < wall + FRAME_MS + 1  # the frame at the target, or at most the next one


def test_seek_across_the_gap_lands_in_the_second_recording(
    harness: Harness, recording: PlaybackSource
) -> None:
    mapping = PlaylistMap(recording.entries)
    harness.player.open(recording.playlist_path, recording.entries)
    harness.wait_state(PlayerState.PLAYING)
    offset = 27_000
    code = harness.seek_and_find(offset, mapping.wall_at(offset))
    assert code - mapping.wall_at(offset) <= FRAME_MS
    back = harness.seek_and_find(3_000, T0 + 3_000)  # and back into the first run
    assert back - (T0 + 3_000) <= FRAME_MS


def test_playback_continues_after_a_gap_without_waiting_for_its_length(
    harness: Harness, recording: PlaybackSource
) -> None:
    harness.player.open(recording.playlist_path, recording.entries, offset_ms=18_500)
    harness.wait_state(PlayerState.PLAYING)
    after_gap = SPANS[1][0]
    assert harness.calls.pump(lambda: harness.frames.first_near(0, after_gap, 500) is not None, 6.0)
    frames = [f for f in harness.frames.frames if f.code_ms is not None]
    last_before = max((f for f in frames if f.code_ms < SPANS[0][1]), key=lambda f: f.at)
    first_after = next(f for f in frames if f.code_ms >= after_gap)
    assert last_before.code_ms >= SPANS[0][1] - 200  # played to the end of the first recording
    assert first_after.code_ms - after_gap <= FRAME_MS  # and on from the start of the next
    assert first_after.at - last_before.at < 1.0  # not frozen for the 20 s gap
    jumped = [e for e in harness.events if e.kind is EventKind.JUMPED]
    assert [e.offset_ms for e in jumped] == [20_000]


@pytest.mark.xfail(
    strict=False,
    reason=(
        "known libVLC 3 bug (issue 5, docs/playback.md 'The stuck paused seek'): about one paused seek in six "
        "restarts the decoder after buffering ended, shows the keyframe and blocks the input for ~6 s, so "
        "the step shows nothing; the assertions are kept as they are"
    ),
)
def test_paused_seek_shows_the_target_then_steps_frame_by_frame(
    harness: Harness, recording: PlaybackSource
) -> None:
    harness.player.open(recording.playlist_path, recording.entries)
    harness.wait_state(PlayerState.PLAYING)
    harness.player.pause()
    harness.wait_state(PlayerState.PAUSED)
    target = T0 + 7_000
    code = harness.seek_and_find(7_000, target)
    # the target frame, or (on a loaded machine, now and then) libVLC's preview of the keyframe before it
    assert -1000 <= code - target <= FRAME_MS
    assert not harness.calls.pump(lambda: harness.player.state is not PlayerState.PAUSED, 0.5)
    settled = harness.frames.frames[-1].code_ms
    assert settled is not None
    assert -1000 <= settled - target <= 2 * FRAME_MS  # it stopped there, or a frame after it
    shown = harness.frames.count()
    harness.player.next_frame()
    if not harness.calls.pump(lambda: harness.frames.count() > shown, 1.0):
        harness.player.next_frame()  # libVLC 3 now and then swallows the first step after a seek
    assert harness.calls.pump(
        lambda: harness.frames.first_near(shown, settled + FRAME_MS, 0) is not None, 1.0
    )


def test_rate_plays_faster_and_slower(harness: Harness, recording: PlaybackSource) -> None:
    harness.player.open(recording.playlist_path, recording.entries)
    harness.wait_state(PlayerState.PLAYING)
    harness.player.set_rate(8.0)
    start = harness.frames.count()
    assert harness.calls.pump(
        lambda: harness.frames.first_near(start, T0 + 12_000, 300) is not None, 3.0
    )
    first = harness.frames.since(start)[0]
    reached = harness.frames.first_near(start, T0 + 12_000, 300)
    assert reached is not None
    assert first.code_ms is not None
    assert reached.code_ms is not None
    speed = (reached.code_ms - first.code_ms) / 1000 / (reached.at - first.at)
    assert speed > 4.0


def test_seek_after_the_end_loads_the_recording_again(
    harness: Harness, recording: PlaybackSource
) -> None:
    harness.player.open(recording.playlist_path, recording.entries, offset_ms=39_000)
    harness.wait_state(PlayerState.ENDED, timeout=6.0)
    code = harness.seek_and_find(5_000, T0 + 5_000)
    assert code - (T0 + 5_000) <= FRAME_MS
    harness.wait_state(PlayerState.PLAYING)


def test_time_reports_arrive_as_playlist_offsets(
    harness: Harness, recording: PlaybackSource
) -> None:
    harness.player.open(recording.playlist_path, recording.entries, offset_ms=24_000)
    assert harness.calls.pump(
        lambda: any(e.kind is EventKind.TIME and e.offset_ms > 24_500 for e in harness.events), 5.0
    )
    times = [e.offset_ms for e in harness.events if e.kind is EventKind.TIME]
    assert all(20_000 <= t <= 40_000 for t in times if t > 0)
    offset = harness.player.time_ms()
    assert offset is not None
    assert offset >= 20_000


def test_only_the_loaded_playlist_is_kept_and_it_goes_on_close(
    vlc_instance: VlcInstance, recording: PlaybackSource
) -> None:
    # only this player's folder counts: other players (other processes) have their own
    h = Harness(vlc_instance)
    h.player.open(recording.playlist_path, recording.entries, offset_ms=25_000)
    h.wait_state(PlayerState.PLAYING)
    h.seek_and_find(3_000, T0 + 3_000)  # another run: another playlist
    folder = h.player.playlist_folder
    assert folder is not None
    assert folder.parent == Path(tempfile.gettempdir())
    loaded = sorted(folder.glob("load*.m3u8"))
    assert len(loaded) == 1
    text = loaded[0].read_text()
    assert "#EXT-X-DISCONTINUITY" not in text
    assert text.count("#EXTINF") == 10  # the first run: 15 min back and 45 min ahead of 3 s
    h.player.close()
    assert not loaded[0].parent.exists()

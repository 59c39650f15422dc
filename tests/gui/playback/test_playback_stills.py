"""Paused stills in the playback view, with a fake player over a real recording.

Real: the widgets, `StillFrames` decoding ffmpeg-made timecoded segments, the qasync loop. Fake: the
backend (pointing at the recording) and the player (`FakePlayer`), so the test sees exactly what the
view asks the player while paused (nothing) and when play resumes (a seek to the still, then play).
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from backend_embed.api import PlaybackSource, Span, StreamRole
from camsim.timecode import decode_luma
from tests.helpers.fake_backend import FakeBackend
from tests.helpers.playback_fakes import FakePlayer, FakePlayerFactory
from tests.helpers.recordings import make_recording
from vas_console.media.still_frames import SegmentFiles
from vas_console.media.vlc_player import PlayerState, VideoFrame
from vas_console.ui.playback import channel_stills
from vas_console.ui.playback.channel import ChannelStatus
from vas_console.ui.playback.channel_stills import PREVIEW_HOLD_MS
from vas_console.ui.playback.playback_view import PlaybackView
from vas_console.ui.playback.video_surface import RenderMode, VideoSurface

pytestmark = pytest.mark.requires_ffmpeg

T0 = 1_700_000_000_000
SPANS = ((T0, T0 + 12_000), (T0 + 30_000, T0 + 36_000))


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> PlaybackSource:
    return make_recording(tmp_path_factory.mktemp("stills"), SPANS)


def shown_code(surface: VideoSurface) -> int | None:
    frame = surface.frame
    return None if frame is None else decode_luma(frame.data[1::4], frame.width, frame.height)


def make_view(
    qtbot: QtBot, backend: FakeBackend, source: PlaybackSource, players: FakePlayerFactory
) -> PlaybackView:
    camera = backend.seed_camera("Gate")
    backend.spans[(camera.id, StreamRole.MAIN)] = [Span(a, b) for a, b in SPANS]
    backend.playback_sources[camera.id] = source
    view = PlaybackView(backend, players, camera.id, camera.name, mode=RenderMode.MEMORY)
    qtbot.addWidget(view, before_close_func=lambda w: w.close_playback())
    view.show()
    return view


def paused_at(qtbot: QtBot, view: PlaybackView, wall_ms: int) -> FakePlayer:
    view.show_time(wall_ms)
    qtbot.waitUntil(lambda: view.channel.status is ChannelStatus.PLAYING)
    view.transport.actions_by_name["play_pause"].trigger()
    qtbot.waitUntil(lambda: view.channel.status is ChannelStatus.PAUSED)
    player = view.channel.player
    assert isinstance(player, FakePlayer)
    return player


def playing_at(qtbot: QtBot, view: PlaybackView, wall_ms: int) -> FakePlayer:
    """The view playing from `wall_ms`, the still of that load gone."""
    view.show_time(wall_ms)
    qtbot.waitUntil(lambda: view.channel.status is ChannelStatus.PLAYING)
    qtbot.wait(PREVIEW_HOLD_MS + 50)
    player = view.channel.player
    assert isinstance(player, FakePlayer)
    return player


def test_paused_seeks_and_steps_leave_the_player_alone_and_play_resumes_at_the_still(
    qtbot: QtBot,
    qt_loop: asyncio.AbstractEventLoop,
    fake_backend: FakeBackend,
    recording: PlaybackSource,
) -> None:
    players = FakePlayerFactory()
    view = make_view(qtbot, fake_backend, recording, players)
    player = paused_at(qtbot, view, T0 + 1_000)
    asked = len(player.requests)
    view.group.seek(T0 + 5_210)
    qtbot.waitUntil(lambda: shown_code(view.surfaces[0]) == T0 + 5_200)
    view.transport.actions_by_name["frame"].trigger()
    qtbot.waitUntil(lambda: shown_code(view.surfaces[0]) == T0 + 5_240)
    view.transport.actions_by_name["frame_back"].trigger()
    view.transport.actions_by_name["frame_back"].trigger()
    qtbot.waitUntil(lambda: shown_code(view.surfaces[0]) == T0 + 5_160)
    assert player.requests[asked:] == []  # libVLC is not asked anything while paused
    assert view.group.position() == T0 + 5_160
    # a report from the paused player (its own idea of the time) does not move the exact playhead
    player.report_time(1_000)
    qtbot.wait(50)
    assert view.group.position() == T0 + 5_160
    sink = player.render[3]
    assert callable(sink)
    still = view.surfaces[0].frame
    assert still is not None

    def picture(value: int) -> VideoFrame:
        return VideoFrame(bytes([value]) * len(still.data), still.width, still.height, still.stride)

    with qtbot.waitSignal(view.channel.still_changed, check_params_cb=lambda f: f is None):
        view.transport.actions_by_name["play_pause"].trigger()
        assert player.requests[asked:] == [("seek", 5_160), ("play",)]
        sink(picture(0))  # the player's picture before it got there: the still stays
        qtbot.wait(60)
        assert shown_code(view.surfaces[0]) == T0 + 5_160
    qtbot.waitUntil(lambda: view.channel.status is ChannelStatus.PLAYING)
    # the player's next picture replaces the still
    sink(picture(255))
    qtbot.waitUntil(
        lambda: view.surfaces[0].frame is not None and view.surfaces[0].frame.data[0] == 255
    )


def test_a_step_back_after_pausing_a_playing_player_shows_the_frame_before_the_clock(
    qtbot: QtBot,
    qt_loop: asyncio.AbstractEventLoop,
    fake_backend: FakeBackend,
    recording: PlaybackSource,
) -> None:
    view = make_view(qtbot, fake_backend, recording, FakePlayerFactory())
    player = paused_at(qtbot, view, T0 + 8_000)
    assert player.state is PlayerState.PAUSED
    shown = view.channel.wall_ms()
    assert shown is not None
    with qtbot.waitSignal(view.channel.still_changed, check_params_cb=lambda f: f is not None):
        view.transport.actions_by_name["frame_back"].trigger()
    code = shown_code(view.surfaces[0])
    assert code is not None
    assert shown - 80 <= code < shown  # a frame before the clock's time
    assert view.group.position() == code


def test_a_paused_seek_into_a_gap_shows_the_next_recording(
    qtbot: QtBot,
    qt_loop: asyncio.AbstractEventLoop,
    fake_backend: FakeBackend,
    recording: PlaybackSource,
) -> None:
    view = make_view(qtbot, fake_backend, recording, FakePlayerFactory())
    paused_at(qtbot, view, T0 + 2_000)
    view.group.seek(T0 + 20_000)
    qtbot.waitUntil(lambda: shown_code(view.surfaces[0]) == SPANS[1][0])
    assert view.channel.status is ChannelStatus.PAUSED


def test_a_damaged_segment_is_reported_and_the_view_keeps_its_picture(
    qtbot: QtBot,
    qt_loop: asyncio.AbstractEventLoop,
    fake_backend: FakeBackend,
    recording: PlaybackSource,
    tmp_path: Path,
) -> None:
    folder = tmp_path / "copy"
    shutil.copytree(Path(recording.playlist_path).parent, folder)
    playlist = folder / Path(recording.playlist_path).name
    files = SegmentFiles(str(playlist), recording.entries)
    files.paths[2].write_bytes(b"\x47" + bytes(2000))  # 4-6 s: not video any more
    source = PlaybackSource(
        recording.camera_id,
        recording.stream,
        recording.start_ms,
        recording.end_ms,
        str(playlist),
        recording.entries,
    )
    view = make_view(qtbot, fake_backend, source, FakePlayerFactory())
    paused_at(qtbot, view, T0 + 1_000)
    view.group.seek(T0 + 3_000)
    qtbot.waitUntil(lambda: shown_code(view.surfaces[0]) == T0 + 3_000)
    with qtbot.waitSignal(view.failed) as failed:
        view.group.seek(T0 + 5_000)
    assert failed.args == ["This recording is damaged and cannot be shown"]
    qtbot.wait(100)
    assert shown_code(view.surfaces[0]) == T0 + 3_000


def test_a_playing_seek_shows_its_exact_still_until_the_player_is_there(
    qtbot: QtBot,
    qt_loop: asyncio.AbstractEventLoop,
    fake_backend: FakeBackend,
    recording: PlaybackSource,
) -> None:
    players = FakePlayerFactory()
    view = make_view(qtbot, fake_backend, recording, players)
    player = playing_at(qtbot, view, T0 + 1_000)
    sink = player.render[3]
    assert callable(sink)
    blank = VideoFrame(bytes(320 * 180 * 4), 320, 180, 320 * 4)
    view.group.seek(T0 + 7_013)
    assert player.seeks()[-1] == 7_013  # the player is sought at once, as before
    qtbot.waitUntil(lambda: shown_code(view.surfaces[0]) == T0 + 7_000, timeout=1000)
    sink(blank)  # the player's picture while it gets there: hidden by the still
    qtbot.wait(60)
    assert shown_code(view.surfaces[0]) == T0 + 7_000
    qtbot.wait(PREVIEW_HOLD_MS)
    sink(VideoFrame(bytes([255]) * len(blank.data), 320, 180, 320 * 4))
    qtbot.waitUntil(lambda: (view.surfaces[0].frame or blank).data[0] == 255)


def test_pausing_during_a_playing_seeks_still_shows_the_paused_player(
    qtbot: QtBot,
    qt_loop: asyncio.AbstractEventLoop,
    fake_backend: FakeBackend,
    recording: PlaybackSource,
) -> None:
    view = make_view(qtbot, fake_backend, recording, FakePlayerFactory())
    playing_at(qtbot, view, T0 + 1_000)
    view.group.seek(T0 + 9_000)
    qtbot.waitUntil(lambda: shown_code(view.surfaces[0]) == T0 + 9_000, timeout=1000)
    with qtbot.waitSignal(view.channel.still_changed, check_params_cb=lambda f: f is None):
        view.transport.actions_by_name["play_pause"].trigger()
    assert view.channel.paused


def test_a_seeks_still_that_comes_too_late_is_not_shown(
    qtbot: QtBot,
    qt_loop: asyncio.AbstractEventLoop,
    fake_backend: FakeBackend,
    recording: PlaybackSource,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    view = make_view(qtbot, fake_backend, recording, FakePlayerFactory())
    playing_at(qtbot, view, T0 + 1_000)
    monkeypatch.setattr(channel_stills, "PREVIEW_LATE_MS", 0)  # every still is late now
    with qtbot.waitSignal(view.channel.still_changed, check_params_cb=lambda f: f is None):
        view.group.seek(T0 + 9_000)
    qtbot.wait(300)  # the still has been decoded by now, and dropped
    assert shown_code(view.surfaces[0]) != T0 + 9_000

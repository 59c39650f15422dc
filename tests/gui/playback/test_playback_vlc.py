"""PlaybackView and SyncPlayback over the real libVLC, offscreen: pictures, seeks, gaps, the playhead.

Real: libVLC (memory rendering), timecoded MPEG-TS HLS recordings made with ffmpeg, every widget, the
qasync loop. Fake: the backend (a FakeBackend pointing at the recordings).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from backend_embed.api import PlaybackSource, Span, StreamRole
from camsim.timecode import decode_luma
from tests.helpers.fake_backend import FakeBackend
from tests.helpers.recordings import make_recording
from vas_console.media.vlc_player import VlcInstance
from vas_console.ui.playback.channel import ChannelStatus
from vas_console.ui.playback.playback_view import PlaybackView
from vas_console.ui.playback.sync_playback import SyncPlayback
from vas_console.ui.playback.video_surface import RenderMode, VideoSurface

pytestmark = [pytest.mark.integration, pytest.mark.requires_ffmpeg]

T0 = 1_700_000_000_000
SPANS = ((T0, T0 + 16_000), (T0 + 36_000, T0 + 52_000))


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> PlaybackSource:
    return make_recording(tmp_path_factory.mktemp("rec"), SPANS)


@pytest.fixture(scope="module")
def vlc_instance() -> Iterator[VlcInstance]:
    instance = VlcInstance()
    yield instance
    instance.close()


def shown_code(surface: VideoSurface) -> int | None:
    frame = surface.frame
    if frame is None:
        return None
    return decode_luma(frame.data[1::4], frame.width, frame.height)


@pytest.fixture
def backend(fake_backend: FakeBackend, recording: PlaybackSource) -> FakeBackend:
    for name in ("Gate", "Yard"):
        camera = fake_backend.seed_camera(name)
        fake_backend.spans[(camera.id, StreamRole.MAIN)] = [Span(a, b) for a, b in SPANS]
        fake_backend.playback_sources[camera.id] = recording
    return fake_backend


def test_view_shows_the_sought_time_and_plays_across_the_gap(
    qtbot: QtBot,
    qt_loop: asyncio.AbstractEventLoop,
    backend: FakeBackend,
    vlc_instance: VlcInstance,
) -> None:
    camera = next(iter(backend.cameras.values()))
    view = PlaybackView(backend, vlc_instance, camera.id, camera.name, mode=RenderMode.MEMORY)
    qtbot.addWidget(view, before_close_func=lambda w: w.close_playback())
    view.resize(900, 600)
    view.show()
    view.show_time(T0 + 5_000)
    qtbot.waitUntil(lambda: (shown_code(view.surfaces[0]) or 0) >= T0 + 5_000, timeout=5000)
    code = shown_code(view.surfaces[0])
    assert code is not None
    assert (
        code - (T0 + 5_000) < 500
    )  # the picture painted (at 25 Hz) is the sought one or just after
    playhead = view.timeline.playhead_ms
    assert playhead is not None
    assert abs(playhead - code) < 500
    view.group.seek(SPANS[0][1] - 1_000)  # a second before the gap
    qtbot.waitUntil(lambda: (shown_code(view.surfaces[0]) or 0) >= SPANS[1][0], timeout=4000)
    qtbot.waitUntil(lambda: (view.timeline.playhead_ms or 0) >= SPANS[1][0])
    assert view.channel.status is ChannelStatus.PLAYING


def test_paused_seeks_and_frame_steps_show_the_exact_frames(
    qtbot: QtBot,
    qt_loop: asyncio.AbstractEventLoop,
    backend: FakeBackend,
    vlc_instance: VlcInstance,
) -> None:
    """Paused, the view shows stills decoded by the console: exact at every seek and step, forward and
    back; play resumes the real player from the still's frame."""
    camera = next(iter(backend.cameras.values()))
    view = PlaybackView(backend, vlc_instance, camera.id, camera.name, mode=RenderMode.MEMORY)
    qtbot.addWidget(view, before_close_func=lambda w: w.close_playback())
    view.show()
    view.show_time(T0 + 2_000)
    qtbot.waitUntil(lambda: view.channel.status is ChannelStatus.PLAYING, timeout=5000)
    view.transport.actions_by_name["play_pause"].trigger()
    qtbot.waitUntil(lambda: view.channel.status is ChannelStatus.PAUSED)
    view.group.seek(T0 + 9_013)
    qtbot.waitUntil(lambda: shown_code(view.surfaces[0]) == T0 + 9_000, timeout=3000)
    assert view.group.position() == T0 + 9_000  # the playhead is the frame's own time
    frame, back = (
        view.transport.actions_by_name["frame"],
        view.transport.actions_by_name["frame_back"],
    )
    frame.trigger()
    qtbot.waitUntil(lambda: shown_code(view.surfaces[0]) == T0 + 9_040, timeout=3000)
    for _ in range(3):  # faster than the stills decode: none is lost
        frame.trigger()
    qtbot.waitUntil(lambda: shown_code(view.surfaces[0]) == T0 + 9_160, timeout=3000)
    back.trigger()
    qtbot.waitUntil(lambda: shown_code(view.surfaces[0]) == T0 + 9_120, timeout=3000)
    qtbot.wait(300)
    assert shown_code(view.surfaces[0]) == T0 + 9_120  # the paused player's pictures stay hidden
    assert view.group.position() == T0 + 9_120
    view.transport.actions_by_name["play_pause"].trigger()
    qtbot.waitUntil(lambda: (shown_code(view.surfaces[0]) or 0) >= T0 + 9_400, timeout=4000)
    assert (shown_code(view.surfaces[0]) or 0) < T0 + 11_000  # played on from the still's frame
    assert view.channel.status is ChannelStatus.PLAYING


def test_sync_playback_keeps_two_real_players_together(
    qtbot: QtBot,
    qt_loop: asyncio.AbstractEventLoop,
    backend: FakeBackend,
    vlc_instance: VlcInstance,
) -> None:
    cameras = [(c.id, c.name) for c in backend.cameras.values()]
    sync = SyncPlayback(backend, vlc_instance, cameras, mode=RenderMode.MEMORY)
    qtbot.addWidget(sync, before_close_func=lambda w: w.close_playback())
    sync.resize(1000, 600)
    sync.show()
    sync.show_time(T0 + 3_000)
    sync.transport.actions_by_name["faster"].trigger()
    qtbot.waitUntil(
        lambda: all((shown_code(s) or 0) >= T0 + 6_000 for s in sync.surfaces), timeout=6000
    )
    codes = [shown_code(s) or 0 for s in sync.surfaces]
    assert abs(codes[0] - codes[1]) < 1000  # both at the same moment (painted at 25 Hz, 2x)

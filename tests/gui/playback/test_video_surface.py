"""VideoSurface and stills: a still hides the player's pictures until released, in both render modes."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from vas_console.media.vlc_player import VideoFrame
from vas_console.ui.playback.video_surface import (
    PAINT_INTERVAL_MS,
    WINDOW_RELEASE_MS,
    RenderMode,
    VideoSurface,
)


def picture(value: int) -> VideoFrame:
    return VideoFrame(bytes([value]) * (64 * 36 * 4), 64, 36, 64 * 4, 16 / 9)


class _Sink:
    """Captures the frame sink the surface hands to a player."""

    def __init__(self) -> None:
        self.sink = None

    def render_to_memory(self, _w: int, _h: int, sink: object) -> None:
        self.sink = sink

    def render_to_window(self, handle: int) -> None:
        self.handle = handle


def test_memory_mode_holds_the_still_until_the_players_next_picture(qtbot: QtBot) -> None:
    surface = VideoSurface("Gate", RenderMode.MEMORY)
    qtbot.addWidget(surface)
    player = _Sink()
    surface.attach(player)  # type: ignore[arg-type]
    assert callable(player.sink)
    player.sink(picture(10))
    qtbot.waitUntil(lambda: surface.frame is not None and surface.frame.data[0] == 10)
    player.sink(picture(20))  # rendered by the paused player just before the still came
    surface.show_still(picture(30))
    player.sink(picture(40))  # the paused player's own picture while the still is shown
    qtbot.wait(3 * PAINT_INTERVAL_MS)
    assert surface.frame is not None
    assert surface.frame.data[0] == 30
    surface.show_still(None)  # play resumes: the picture already waiting is not the new position
    qtbot.wait(3 * PAINT_INTERVAL_MS)
    assert surface.frame.data[0] == 30
    player.sink(picture(50))
    qtbot.waitUntil(lambda: surface.frame is not None and surface.frame.data[0] == 50)


def test_window_mode_swaps_libvlcs_window_for_the_still_and_back_after_a_delay(
    qtbot: QtBot,
) -> None:
    surface = VideoSurface("Gate", RenderMode.WINDOW)
    qtbot.addWidget(surface)
    surface.show()
    player = _Sink()
    surface.attach(player)  # type: ignore[arg-type]
    assert player.handle > 0
    assert surface.frame is None  # libVLC's window: nothing painted by Qt
    surface.show_still(picture(30))
    assert surface.frame is not None
    assert surface.frame.data[0] == 30
    surface.show_still(None)
    assert surface.frame is not None  # kept while the resumed player draws its new position
    qtbot.waitUntil(lambda: surface.frame is None, timeout=WINDOW_RELEASE_MS + 1000)


def test_a_held_picture_stays_until_the_still_or_the_release(qtbot: QtBot) -> None:
    surface = VideoSurface("Gate", RenderMode.MEMORY)
    qtbot.addWidget(surface)
    player = _Sink()
    surface.attach(player)  # type: ignore[arg-type]
    assert callable(player.sink)
    player.sink(picture(10))
    qtbot.waitUntil(lambda: surface.frame is not None and surface.frame.data[0] == 10)
    surface.hold_picture()  # a playing seek: its still is being decoded
    player.sink(picture(20))  # libVLC's first picture after the seek (maybe the GOP's keyframe)
    qtbot.wait(3 * PAINT_INTERVAL_MS)
    assert surface.frame.data[0] == 10
    surface.show_still(picture(30))
    assert surface.frame.data[0] == 30
    surface.show_still(None)
    player.sink(picture(40))
    qtbot.waitUntil(lambda: surface.frame is not None and surface.frame.data[0] == 40)
    surface.hold_picture()  # and a still that never comes: the release lets the player through
    player.sink(picture(50))
    qtbot.wait(3 * PAINT_INTERVAL_MS)
    assert surface.frame.data[0] == 40
    surface.show_still(None)
    player.sink(picture(60))
    qtbot.waitUntil(lambda: surface.frame is not None and surface.frame.data[0] == 60)

"""A tile whose stream is cold starts on the camera's warm stream and takes its own stream once that is live."""

from __future__ import annotations

import gc
import warnings
from dataclasses import replace

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from backend_embed.api import Camera, StreamRole
from tests.gui.live.conftest import SUB_SIZE, whep_url
from tests.gui.live.test_live_wall import drop_camera, wait_live
from tests.helpers.fake_backend import FakeBackend
from tests.helpers.live_fakes import FakeLiveSession, FakeSessionFactory
from vas_console.core.layouts import SWITCH_BACK_MARGIN, LayoutKind
from vas_console.media.live import LiveState, LiveStatus
from vas_console.ui.live.live_wall import LiveWall
from vas_console.ui.live.tile_feeds import MAX_BRIDGES
from vas_console.ui.live.video_tile import VideoTile


def _warm(backend: FakeBackend, camera: Camera, stream: StreamRole) -> None:
    key = (camera.id, stream)
    backend.live_endpoints[key] = replace(backend.live_endpoints[key], warm=True)


def test_a_small_tile_shows_the_warm_main_stream_first_then_switches_to_its_sub_stream(
    qtbot: QtBot,
    wall: LiveWall,
    fake_backend: FakeBackend,
    cameras: list[Camera],
    sessions: FakeSessionFactory,
) -> None:
    _warm(fake_backend, cameras[0], StreamRole.MAIN)
    wall.set_layout(LayoutKind.GRID_4X4)
    tile = wall.tiles[5]
    drop_camera(tile, cameras[0].id)

    wait_live(qtbot, tile)
    qtbot.waitUntil(lambda: wall.feeds.stream_of(tile) is StreamRole.SUB)
    qtbot.waitUntil(lambda: len(sessions.open()) == 1)
    first, second = sessions.sessions
    assert first.url == whep_url(cameras[0].id, StreamRole.MAIN), "the warm stream is asked first"
    assert second.url == whep_url(cameras[0].id, StreamRole.SUB)
    assert sessions.open() == [second], "the bridge closes once the tile's own stream is live"
    assert first.output_size == tile.device_size(), "the bridge is scaled to the small tile"


def _bridged_while_own_stream_offline(
    qtbot: QtBot,
    wall: LiveWall,
    fake_backend: FakeBackend,
    camera: Camera,
    sessions: FakeSessionFactory,
    offline: LiveStatus,
) -> tuple[VideoTile, FakeLiveSession, FakeLiveSession]:
    """A small tile on `camera`'s warm main stream whose own sub stream reports `offline`; the tile and
    the bridge's and its own session."""
    _warm(fake_backend, camera, StreamRole.MAIN)
    sessions.initial[whep_url(camera.id, StreamRole.SUB)] = offline
    wall.set_layout(LayoutKind.GRID_4X4)
    tile = wall.tiles[2]
    drop_camera(tile, camera.id)
    wait_live(qtbot, tile)
    qtbot.waitUntil(lambda: len(sessions.sessions) == 2 and sessions.sessions[1].started)
    bridge, own = sessions.sessions
    return tile, bridge, own


def test_the_bridge_stays_on_screen_while_the_tiles_own_stream_is_offline_and_hands_over_later(
    qtbot: QtBot,
    wall: LiveWall,
    fake_backend: FakeBackend,
    cameras: list[Camera],
    sessions: FakeSessionFactory,
) -> None:
    offline = LiveStatus(LiveState.OFFLINE, "recorder refused: 503", retry_in_s=3.0)
    tile, bridge, own = _bridged_while_own_stream_offline(
        qtbot, wall, fake_backend, cameras[1], sessions, offline
    )
    qtbot.wait(50)  # the OFFLINE status has come back to the GUI thread
    assert wall.feeds.stream_of(tile) is StreamRole.MAIN
    assert tile.status is not None
    assert tile.status.state is LiveState.LIVE
    assert not own.closed, "the tile's own session keeps retrying in the background"

    own.report(LiveStatus(LiveState.LIVE))  # the sub stream is back

    qtbot.waitUntil(lambda: wall.feeds.stream_of(tile) is StreamRole.SUB)
    qtbot.waitUntil(lambda: bridge.closed)


def test_a_tiles_own_stream_offline_for_good_is_closed_and_the_bridge_stays(
    qtbot: QtBot,
    wall: LiveWall,
    fake_backend: FakeBackend,
    cameras: list[Camera],
    sessions: FakeSessionFactory,
) -> None:
    # no retry scheduled: the session gave up (its HTTP client could not be made)
    offline = LiveStatus(LiveState.OFFLINE, "internal error (see the log)")
    tile, bridge, own = _bridged_while_own_stream_offline(
        qtbot, wall, fake_backend, cameras[1], sessions, offline
    )

    # not kept as pending forever, waiting for a retry that is never due
    qtbot.waitUntil(lambda: own.closed)
    assert not bridge.closed
    assert wall.feeds.stream_of(tile) is StreamRole.MAIN
    assert tile.status is not None
    assert tile.status.state is LiveState.LIVE


def test_a_tile_just_under_the_sub_streams_size_leaves_the_bridge_too(
    qtbot: QtBot,
    wall: LiveWall,
    fake_backend: FakeBackend,
    cameras: list[Camera],
    sessions: FakeSessionFactory,
) -> None:
    # between the hysteresis margin and the sub stream's size, a tile *on* the main stream keeps it;
    # a tile merely bridged there must not
    _warm(fake_backend, cameras[0], StreamRole.MAIN)
    tile = wall.tiles[0]  # 2x2
    width, height = tile.device_size()
    enlargement = min(width / SUB_SIZE[0], height / SUB_SIZE[1])
    assert SWITCH_BACK_MARGIN < enlargement <= 1.0, (
        f"the tile ({width}x{height}) must be in the band"
    )
    drop_camera(tile, cameras[0].id)

    qtbot.waitUntil(lambda: wall.feeds.stream_of(tile) is StreamRole.SUB)
    qtbot.waitUntil(lambda: len(sessions.open()) == 1)


def test_a_bridged_tile_maximised_onto_its_warm_stream_frees_its_bridge(
    qtbot: QtBot,
    wall: LiveWall,
    fake_backend: FakeBackend,
    cameras: list[Camera],
    sessions: FakeSessionFactory,
) -> None:
    dropped = _warm_cameras_whose_sub_streams_hang(fake_backend, cameras, sessions, MAX_BRIDGES + 1)
    wall.set_layout(LayoutKind.GRID_4X4)
    _drop_in_turn(qtbot, wall, dropped[:MAX_BRIDGES], StreamRole.MAIN)
    first = wall.tiles[0]
    own = next(s for s in sessions.sessions if s.url == whep_url(dropped[0].id, StreamRole.SUB))
    qtbot.mouseDClick(first, Qt.MouseButton.LeftButton)  # maximised: the main stream is its own now
    assert wall.state.maximised == 0
    qtbot.waitUntil(
        lambda: own.closed
    )  # refitted (debounced): the sub stream is not wanted any more
    qtbot.mouseDClick(first, Qt.MouseButton.LeftButton)
    assert wall.state.maximised is None

    drop_camera(wall.tiles[MAX_BRIDGES], dropped[MAX_BRIDGES].id)

    qtbot.waitUntil(lambda: wall.feeds.stream_of(wall.tiles[MAX_BRIDGES]) is not None)
    assert wall.feeds.stream_of(wall.tiles[MAX_BRIDGES]) is StreamRole.MAIN, (
        "a bridge slot was free"
    )


def _drop_in_turn(
    qtbot: QtBot, wall: LiveWall, cameras: list[Camera], stream: StreamRole | None = None
) -> None:
    """Drop `cameras` onto tiles 0, 1, ... one by one, each once its tile plays `stream` (or any)."""
    for index, camera in enumerate(cameras):
        drop_camera(wall.tiles[index], camera.id)
        if stream is None:
            qtbot.waitUntil(lambda i=index: wall.feeds.stream_of(wall.tiles[i]) is not None)
        else:
            qtbot.waitUntil(lambda i=index: wall.feeds.stream_of(wall.tiles[i]) is stream)


def _warm_cameras_whose_sub_streams_hang(
    backend: FakeBackend, cameras: list[Camera], sessions: FakeSessionFactory, count: int
) -> list[Camera]:
    """`count` cameras whose main streams are warm and whose sub streams stay connecting."""
    extra = [backend.seed_camera(f"Dock {n}") for n in range(max(0, count - len(cameras)))]
    chosen = [*cameras, *extra][:count]
    for camera in chosen:
        for stream in (StreamRole.SUB, StreamRole.MAIN):
            template = backend.live_endpoints[(cameras[0].id, stream)]
            backend.live_endpoints[(camera.id, stream)] = replace(
                template,
                camera_id=camera.id,
                whep_url=whep_url(camera.id, stream),
                warm=stream is StreamRole.MAIN,
            )
        sessions.initial[whep_url(camera.id, StreamRole.SUB)] = LiveStatus(LiveState.CONNECTING)
    return chosen


def test_without_a_warm_stream_a_small_tile_opens_only_its_sub_stream(
    qtbot: QtBot, wall: LiveWall, cameras: list[Camera], sessions: FakeSessionFactory
) -> None:
    wall.set_layout(LayoutKind.GRID_4X4)
    tile = wall.tiles[3]
    drop_camera(tile, cameras[2].id)

    wait_live(qtbot, tile)
    (only,) = sessions.sessions
    assert only.url == whep_url(cameras[2].id, StreamRole.SUB)


def test_at_most_max_bridges_tiles_start_on_a_warm_stream_at_once(
    qtbot: QtBot,
    wall: LiveWall,
    fake_backend: FakeBackend,
    cameras: list[Camera],
    sessions: FakeSessionFactory,
) -> None:
    dropped = _warm_cameras_whose_sub_streams_hang(fake_backend, cameras, sessions, MAX_BRIDGES + 3)
    wall.set_layout(LayoutKind.GRID_4X4)
    _drop_in_turn(qtbot, wall, dropped)

    streams = [wall.feeds.stream_of(wall.tiles[i]) for i in range(len(dropped))]
    assert streams.count(StreamRole.MAIN) == MAX_BRIDGES
    assert streams[MAX_BRIDGES:] == [StreamRole.SUB] * (len(dropped) - MAX_BRIDGES)


def test_a_switch_cancelled_before_it_ran_leaves_no_coroutine_unawaited(
    qtbot: QtBot, wall: LiveWall, cameras: list[Camera], sessions: FakeSessionFactory
) -> None:
    wall.set_layout(LayoutKind.GRID_4X4)
    tile = wall.tiles[0]
    drop_camera(tile, cameras[0].id)
    wait_live(qtbot, tile)
    tile.resize(1280, 760)  # larger than the sub stream: refit starts a switch to the main stream

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        wall.feeds.refit(tile)
        wall.feeds.close_for_quit()  # cancels the switch's task before its first step
        qtbot.wait(50)
        gc.collect()

    assert len(sessions.sessions) == 2, "the switch had made its session"
    unawaited = [w for w in caught if "never awaited" in str(w.message)]
    assert not unawaited, unawaited

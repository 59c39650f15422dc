"""A tile whose stream is cold starts on the camera's warm stream and takes its own stream once that is live."""

from __future__ import annotations

from dataclasses import replace

from pytestqt.qtbot import QtBot

from backend_embed.api import Camera, StreamRole
from tests.gui.live.conftest import whep_url
from tests.gui.live.test_live_wall import drop_camera, wait_live
from tests.helpers.fake_backend import FakeBackend
from tests.helpers.live_fakes import FakeSessionFactory
from vas_console.core.layouts import LayoutKind
from vas_console.media.live import LiveState, LiveStatus
from vas_console.ui.live.live_wall import LiveWall
from vas_console.ui.live.tile_feeds import MAX_BRIDGES


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


def test_the_bridge_stays_on_screen_when_the_tiles_own_stream_fails(
    qtbot: QtBot,
    wall: LiveWall,
    fake_backend: FakeBackend,
    cameras: list[Camera],
    sessions: FakeSessionFactory,
) -> None:
    _warm(fake_backend, cameras[1], StreamRole.MAIN)
    sessions.initial[whep_url(cameras[1].id, StreamRole.SUB)] = LiveStatus(
        LiveState.OFFLINE, "recorder refused: 503"
    )
    wall.set_layout(LayoutKind.GRID_4X4)
    tile = wall.tiles[2]
    drop_camera(tile, cameras[1].id)

    wait_live(qtbot, tile)
    qtbot.waitUntil(lambda: len(sessions.sessions) == 2 and sessions.sessions[1].closed)
    assert wall.feeds.stream_of(tile) is StreamRole.MAIN
    assert tile.status is not None
    assert tile.status.state is LiveState.LIVE


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
    extra = [fake_backend.seed_camera(f"Dock {n}") for n in range(MAX_BRIDGES)]
    for camera in [*cameras, *extra]:
        for stream in (StreamRole.SUB, StreamRole.MAIN):
            template = fake_backend.live_endpoints[(cameras[0].id, stream)]
            fake_backend.live_endpoints[(camera.id, stream)] = replace(
                template,
                camera_id=camera.id,
                whep_url=whep_url(camera.id, stream),
                warm=stream is StreamRole.MAIN,
            )
        # the sub streams keep connecting: a bridge lasts until the test ends
        sessions.initial[whep_url(camera.id, StreamRole.SUB)] = LiveStatus(LiveState.CONNECTING)
    wall.set_layout(LayoutKind.GRID_4X4)
    dropped = [*cameras, *extra]
    for index, camera in enumerate(dropped):
        drop_camera(wall.tiles[index], camera.id)
        qtbot.waitUntil(lambda i=index: wall.feeds.stream_of(wall.tiles[i]) is not None)

    streams = [wall.feeds.stream_of(wall.tiles[i]) for i in range(len(dropped))]
    assert streams.count(StreamRole.MAIN) == MAX_BRIDGES
    assert streams[MAX_BRIDGES:] == [StreamRole.SUB] * (len(dropped) - MAX_BRIDGES)

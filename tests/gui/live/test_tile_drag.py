"""Rearranging the wall: a tile dragged onto another swaps their cameras, live video and all; a group
dropped onto a tile fills the tiles from there on."""

from __future__ import annotations

import os

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from backend_embed.api import Camera, StreamRole
from tests.gui.live.conftest import whep_url
from tests.gui.live.test_live_wall import drop_camera, send_drop, wait_live
from tests.helpers.live_fakes import FakeSessionFactory, solid_frame
from vas_console.core.layouts import LayoutKind, LayoutStore
from vas_console.ui.live.dnd import (
    TILE_MIME,
    camera_id_from,
    cameras_mime_data,
    tile_index_from,
    tile_mime_data,
)
from vas_console.ui.live.live_wall import LiveWall
from vas_console.ui.live.video_tile import VideoTile


def _drag_tile(wall: LiveWall, source: int, target: int) -> bool:
    """Drop tile `source` (as its drag carries it) onto tile `target`; whether the drop was taken."""
    camera_id = wall.state.cameras[source]
    assert camera_id is not None
    return send_drop(wall.tiles[target], tile_mime_data(camera_id, source)).isAccepted()


def _press_and_move(tile: VideoTile, distance: int) -> None:
    """A left press in the tile's middle, then a move `distance` pixels right with the button held."""
    left, no_key = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    start = QPointF(tile.rect().center())
    end = start + QPointF(distance, 0)
    press = QMouseEvent(
        QEvent.Type.MouseButtonPress, start, tile.mapToGlobal(start), left, left, no_key
    )
    QApplication.sendEvent(tile, press)
    move = QMouseEvent(
        QEvent.Type.MouseMove, end, tile.mapToGlobal(end), Qt.MouseButton.NoButton, left, no_key
    )
    QApplication.sendEvent(tile, move)


def test_a_tile_dropped_on_another_swaps_their_cameras_and_keeps_both_sessions(
    qtbot: QtBot,
    wall: LiveWall,
    cameras: list[Camera],
    sessions: FakeSessionFactory,
    layout_store: LayoutStore,
) -> None:
    wall.set_layout(LayoutKind.GRID_2X2)
    drop_camera(wall.tiles[0], cameras[0].id)
    drop_camera(wall.tiles[3], cameras[1].id)
    wait_live(qtbot, wall.tiles[0])
    wait_live(qtbot, wall.tiles[3])
    first, second = sessions.open()

    assert _drag_tile(wall, 0, 3)

    assert wall.state.cameras == (cameras[1].id, None, None, cameras[0].id)
    assert (wall.tiles[0].camera_name, wall.tiles[3].camera_name) == (
        cameras[1].name,
        cameras[0].name,
    )
    assert sessions.open() == [first, second], "no session closed or opened: the video moved"
    assert len(sessions.sessions) == 2
    assert wall.feeds.camera_of(wall.tiles[3]) == cameras[0]
    # tile 0 now paints the pictures of camera 1's session
    painted = wall.tiles[0].painted_frames
    second.slot.put(solid_frame(wall.tiles[0].device_size(), b"\x00\x00\xff\xff", sequence=2))
    qtbot.waitUntil(lambda: wall.tiles[0].painted_frames > painted)
    qtbot.waitUntil(lambda: layout_store.current().cameras == wall.state.cameras)


def test_a_tile_dropped_on_an_empty_tile_moves_there(
    qtbot: QtBot, wall: LiveWall, cameras: list[Camera], sessions: FakeSessionFactory
) -> None:
    wall.set_layout(LayoutKind.GRID_2X2)
    drop_camera(wall.tiles[1], cameras[2].id)
    wait_live(qtbot, wall.tiles[1])

    assert _drag_tile(wall, 1, 2)

    assert wall.state.cameras == (None, None, cameras[2].id, None)
    assert wall.tiles[1].camera_name is None
    assert wall.tiles[2].camera_name == cameras[2].name
    assert wall.feeds.camera_of(wall.tiles[1]) is None
    assert len(sessions.sessions) == 1, "the session moved with its camera"
    assert len(sessions.open()) == 1


def test_a_spotlight_swap_gives_the_large_tile_the_main_stream_and_the_small_one_the_sub(
    qtbot: QtBot, wall: LiveWall, cameras: list[Camera], sessions: FakeSessionFactory
) -> None:
    wall.set_layout(LayoutKind.SPOTLIGHT_1_5)
    large, small = wall.tiles[0], wall.tiles[1]
    drop_camera(large, cameras[0].id)
    drop_camera(small, cameras[1].id)
    wait_live(qtbot, large)
    wait_live(qtbot, small)
    assert wall.feeds.stream_of(large) is StreamRole.MAIN
    assert wall.feeds.stream_of(small) is StreamRole.SUB

    assert _drag_tile(wall, 1, 0)

    qtbot.waitUntil(lambda: wall.feeds.stream_of(large) is StreamRole.MAIN)
    qtbot.waitUntil(lambda: wall.feeds.stream_of(small) is StreamRole.SUB)
    qtbot.waitUntil(
        lambda: (
            sorted(s.url for s in sessions.open())
            == sorted(
                [whep_url(cameras[1].id, StreamRole.MAIN), whep_url(cameras[0].id, StreamRole.SUB)]
            )
        )
    )


def test_a_tile_over_itself_refuses_the_drop(
    qtbot: QtBot, wall: LiveWall, cameras: list[Camera]
) -> None:
    wall.set_layout(LayoutKind.GRID_2X2)
    drop_camera(wall.tiles[0], cameras[0].id)
    wait_live(qtbot, wall.tiles[0])

    assert not _drag_tile(wall, 0, 0)
    assert wall.state.cameras[0] == cameras[0].id


def test_pressing_and_moving_past_the_drag_distance_starts_a_drag_of_a_tile_with_a_camera(
    qtbot: QtBot,
) -> None:
    tile = VideoTile(4)
    qtbot.addWidget(tile)
    tile.resize(320, 200)
    tile.show()
    started: list[int] = []
    tile.drag_started.connect(started.append)

    _press_and_move(tile, QApplication.startDragDistance() + 2)
    assert started == [], "an empty tile has nothing to drag"

    tile.set_camera("Gate")
    _press_and_move(tile, QApplication.startDragDistance() - 2)
    assert started == [], "a click that wobbles a little is not a drag"
    _press_and_move(tile, QApplication.startDragDistance() + 2)
    assert started == [4]


def test_a_tiles_drag_from_another_console_is_a_plain_camera_drop() -> None:
    data = tile_mime_data(7, 2)
    assert (camera_id_from(data), tile_index_from(data)) == (7, 2)

    data.setData(TILE_MIME, f"{os.getpid() + 1}:2".encode("ascii"))

    assert (camera_id_from(data), tile_index_from(data)) == (7, None)


def test_a_group_dropped_on_a_tile_fills_the_tiles_from_there_on_and_leaves_out_the_rest(
    qtbot: QtBot,
    wall: LiveWall,
    cameras: list[Camera],
    sessions: FakeSessionFactory,
    layout_store: LayoutStore,
) -> None:
    wall.set_layout(LayoutKind.GRID_2X2)
    drop_camera(wall.tiles[0], cameras[2].id)
    drop_camera(wall.tiles[2], cameras[2].id)
    wait_live(qtbot, wall.tiles[0])
    group = [cameras[0].id, cameras[1].id, cameras[2].id]

    assert send_drop(wall.tiles[2], cameras_mime_data(group)).isAccepted()

    expected = (cameras[2].id, None, cameras[0].id, cameras[1].id)
    qtbot.waitUntil(lambda: wall.state.cameras == expected)
    for index in (2, 3):
        wait_live(qtbot, wall.tiles[index])
    names = [t.camera_name for t in wall.tiles]
    assert names == [cameras[2].name, None, cameras[0].name, cameras[1].name]
    # tile 0 kept its session, tile 2's was replaced; the third camera found no tile
    shown = sorted(s.url.split("/whep/")[1].split("/")[0] for s in sessions.open())
    assert shown == sorted(str(c.id) for c in (cameras[2], cameras[0], cameras[1]))
    qtbot.waitUntil(lambda: layout_store.current().cameras == expected)


def test_a_group_with_a_camera_removed_meanwhile_places_the_others(
    qtbot: QtBot, wall: LiveWall, cameras: list[Camera]
) -> None:
    wall.set_layout(LayoutKind.GRID_2X2)
    drop = cameras_mime_data([cameras[0].id, 999, cameras[1].id])  # 999: removed by another console

    assert send_drop(wall.tiles[0], drop).isAccepted()

    expected = (cameras[0].id, None, cameras[1].id, None)
    qtbot.waitUntil(lambda: wall.state.cameras == expected)

"""The live wall: layouts, drops, maximising, tile states, wall mode, saved layouts and stream switching."""

from __future__ import annotations

import json
import time
from dataclasses import replace

import pytest
from PySide6.QtCore import QEvent, QMimeData, QPointF, QSize, Qt
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QEnterEvent
from PySide6.QtWidgets import QApplication, QInputDialog
from pytestqt.qtbot import QtBot

from backend_embed.api import BackendRestarted, BackendStopped, Camera, CameraRemoved, StreamRole
from tests.gui.live.conftest import TOKEN, WallFactory, whep_url
from tests.helpers.fake_backend import FakeBackend
from tests.helpers.live_fakes import FakeSessionFactory
from vas_console.core.layouts import LayoutKind, LayoutStore, WallState
from vas_console.media.live import LiveState, LiveStatus
from vas_console.ui.live.dnd import camera_mime_data
from vas_console.ui.live.live_wall import REFIT_DELAY_MS, LiveWall
from vas_console.ui.live.video_tile import VideoTile


def send_drop(tile: VideoTile, mime: QMimeData) -> QDropEvent:
    """Deliver a drag entering `tile` and dropping `mime` in its middle (Qt drops only after an enter)."""
    where = tile.rect().center()
    args = (
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(tile, QDragEnterEvent(where, *args))
    drop = QDropEvent(where, *args)
    QApplication.sendEvent(tile, drop)
    return drop


def drop_camera(tile: VideoTile, camera_id: int) -> None:
    """Drop `camera_id` onto `tile`, as a drag from the camera tree ends."""
    assert send_drop(tile, camera_mime_data(camera_id)).isAccepted()


def wait_live(qtbot: QtBot, tile: VideoTile) -> None:
    qtbot.waitUntil(lambda: tile.status is not None and tile.status.state is LiveState.LIVE)
    qtbot.waitUntil(lambda: tile.painted_frames > 0)


@pytest.mark.parametrize(
    ("kind", "tiles"),
    [
        (LayoutKind.SINGLE, 1),
        (LayoutKind.GRID_3X3, 9),
        (LayoutKind.GRID_4X4, 16),
        (LayoutKind.SPOTLIGHT_1_5, 6),
        (LayoutKind.SPOTLIGHT_1_7, 8),
    ],
    ids=lambda v: str(v),
)
def test_layout_switching_creates_the_right_number_of_tiles(
    qtbot: QtBot, wall: LiveWall, kind: LayoutKind, tiles: int
) -> None:
    assert len(wall.tiles) == 4
    wall.toolbar.layout_actions[kind].trigger()
    assert len(wall.tiles) == tiles
    assert wall.state.layout is kind
    qtbot.waitUntil(lambda: all(t.isVisible() for t in wall.tiles))
    big = max(wall.tiles, key=lambda t: t.width() * t.height())
    if kind in (LayoutKind.SPOTLIGHT_1_5, LayoutKind.SPOTLIGHT_1_7):
        assert big.index == 0
        assert big.width() > 1.9 * wall.tiles[1].width()


def test_dropping_a_camera_starts_a_session_with_its_token_and_paints_its_frames(
    qtbot: QtBot, wall: LiveWall, cameras: list[Camera], sessions: FakeSessionFactory
) -> None:
    tile = wall.tiles[1]
    drop_camera(tile, cameras[0].id)
    wait_live(qtbot, tile)
    assert tile.camera_name == "Entrance"
    (session,) = sessions.open()
    assert session.url == whep_url(cameras[0].id, StreamRole.SUB)
    assert session.bearer_token == TOKEN, "the endpoint's access token reaches the session"
    assert session.thread is not None
    assert session.thread.name == "test-worker"
    assert wall.state.cameras == (None, cameras[0].id, None, None)
    middle = tile.grab().toImage().pixelColor(tile.rect().center())
    assert middle == QColor(0x20, 0x80, 0x40)  # the fake frame's B, G, R bytes


def test_dropping_another_camera_replaces_the_session(
    qtbot: QtBot, wall: LiveWall, cameras: list[Camera], sessions: FakeSessionFactory
) -> None:
    tile = wall.tiles[0]
    drop_camera(tile, cameras[0].id)
    wait_live(qtbot, tile)
    drop_camera(tile, cameras[1].id)
    # exactly one session open, the new camera's (the old one closes while the new one connects)
    qtbot.waitUntil(
        lambda: [s.url for s in sessions.open()] == [whep_url(cameras[1].id, StreamRole.SUB)]
    )
    assert tile.camera_name == "Gate"
    assert sessions.sessions[0].closed


def test_a_drop_without_a_camera_is_refused(wall: LiveWall, sessions: FakeSessionFactory) -> None:
    mime = camera_mime_data(1)
    mime.setData("application/x-vas-camera-id", b"not a number")
    assert not send_drop(wall.tiles[0], mime).isAccepted()
    assert sessions.sessions == []


def test_double_click_maximises_a_tile_and_back(
    qtbot: QtBot, wall: LiveWall, cameras: list[Camera]
) -> None:
    drop_camera(wall.tiles[2], cameras[0].id)
    tile = wall.tiles[2]
    qtbot.mouseDClick(tile, Qt.MouseButton.LeftButton)
    assert wall.state.maximised == 2
    assert tile.geometry() == wall.grid.rect()
    assert [t.index for t in wall.tiles if t.isVisible()] == [2]
    qtbot.mouseDClick(tile, Qt.MouseButton.LeftButton)
    assert wall.state.maximised is None
    assert all(t.isVisible() for t in wall.tiles)
    assert tile.width() < wall.grid.width() / 2 + 1


@pytest.mark.parametrize(
    ("status", "text"),
    [
        (LiveStatus(LiveState.CONNECTING), "Connecting…"),
        (LiveStatus(LiveState.RECONNECTING, "no video for 4 s", 5.0), "Reconnecting in 5 s"),
        (LiveStatus(LiveState.OFFLINE, "recorder refused: 404 no camera"), "Offline: recorder"),
        (LiveStatus(LiveState.LIVE), ""),
    ],
    ids=["connecting", "reconnecting", "offline", "live"],
)
def test_session_states_show_on_the_tile(
    qtbot: QtBot,
    wall: LiveWall,
    cameras: list[Camera],
    sessions: FakeSessionFactory,
    status: LiveStatus,
    text: str,
) -> None:
    tile = wall.tiles[0]
    status = replace(status, since=time.monotonic())  # counting down from now
    sessions.initial[whep_url(cameras[0].id, StreamRole.SUB)] = status
    drop_camera(tile, cameras[0].id)
    qtbot.waitUntil(lambda: tile.status is not None and tile.status.state is status.state)
    assert tile.overlay_text.startswith(text)
    tile.grab()  # paints the overlay without error


def test_a_camera_without_live_streams_shows_offline_with_the_backends_message(
    qtbot: QtBot, wall: LiveWall, fake_backend: FakeBackend, sessions: FakeSessionFactory
) -> None:
    camera = fake_backend.seed_camera("No stream")
    drop_camera(wall.tiles[0], camera.id)
    tile = wall.tiles[0]
    qtbot.waitUntil(lambda: tile.status is not None and tile.status.state is LiveState.OFFLINE)
    assert "has no live main stream" in tile.overlay_text
    assert sessions.sessions == []


def test_hover_shows_the_streams_figures(
    qtbot: QtBot, wall: LiveWall, cameras: list[Camera]
) -> None:
    tile = wall.tiles[0]
    drop_camera(tile, cameras[0].id)
    wait_live(qtbot, tile)
    assert tile.hover_text == ""
    centre = QPointF(tile.rect().center())
    QApplication.sendEvent(tile, QEnterEvent(centre, centre, QPointF(tile.mapToGlobal(centre))))
    assert tile.hover_text == "SUB · 25 fps · 512 kb/s · 87 ms"
    tile.grab()
    QApplication.sendEvent(tile, QEvent(QEvent.Type.Leave))
    assert tile.hover_text == ""


def test_wall_mode_toggles_full_screen_and_is_restored_next_time(
    qtbot: QtBot, make_wall: WallFactory, layout_store: LayoutStore
) -> None:
    wall = make_wall()
    with qtbot.waitSignal(wall.wall_mode_changed) as entered:
        wall.toolbar.wall_mode_action.trigger()
    assert entered.args == [True]
    assert wall.isFullScreen()
    assert not wall.toolbar.isVisible()
    qtbot.waitUntil(lambda: layout_store.current().wall_mode)
    wall.close_for_quit()
    wall.close()

    again = make_wall()
    assert again.state.wall_mode
    assert again.isFullScreen()
    with qtbot.waitSignal(again.wall_mode_changed) as left:
        qtbot.keyClick(again, Qt.Key.Key_Escape)
    assert left.args == [False]
    assert not again.isFullScreen()
    qtbot.waitUntil(lambda: not layout_store.current().wall_mode)


def test_the_wall_is_restored_with_its_cameras(
    qtbot: QtBot,
    make_wall: WallFactory,
    layout_store: LayoutStore,
    cameras: list[Camera],
    sessions: FakeSessionFactory,
) -> None:
    cams = (cameras[2].id, None, cameras[0].id, None, None, 999)  # 999: a camera deleted since
    layout_store.save_current(WallState(LayoutKind.SPOTLIGHT_1_5, cams, maximised=None))
    wall = make_wall()
    assert wall.state.layout is LayoutKind.SPOTLIGHT_1_5
    assert wall.toolbar.layout_actions[LayoutKind.SPOTLIGHT_1_5].isChecked()
    wait_live(qtbot, wall.tiles[0])
    wait_live(qtbot, wall.tiles[2])
    assert wall.tiles[0].camera_name == "Yard"
    assert wall.tiles[5].camera_name is None
    assert len(sessions.open()) == 2


def test_a_saved_layout_is_restored_by_name(
    qtbot: QtBot, wall: LiveWall, cameras: list[Camera], layout_store: LayoutStore
) -> None:
    drop_camera(wall.tiles[0], cameras[1].id)
    qtbot.waitUntil(lambda: wall.state.cameras[0] == cameras[1].id)
    wall.toolbar.layouts_menu.aboutToShow.emit()
    save = next(a for a in wall.toolbar.layouts_menu.actions() if a.text() == "Save layout as…")
    save.trigger()
    dialog = wall.findChild(QInputDialog, "textPrompt")
    assert isinstance(dialog, QInputDialog)
    dialog.setTextValue("Gate view")
    dialog.accept()
    qtbot.waitUntil(lambda: layout_store.names() == ["Gate view"])

    wall.toolbar.layout_actions[LayoutKind.GRID_3X3].trigger()
    wall.show_camera(0, cameras[2].id)
    qtbot.waitUntil(lambda: wall.tiles[0].camera_name == "Yard")
    wall.toolbar.layouts_menu.aboutToShow.emit()
    load = next(a for a in wall.toolbar.layouts_menu.actions() if a.text() == "Gate view")
    load.trigger()
    qtbot.waitUntil(lambda: wall.state.layout is LayoutKind.GRID_2X2)
    qtbot.waitUntil(lambda: wall.tiles[0].camera_name == "Gate")


def test_a_layout_change_keeps_playing_tiles_that_keep_their_camera(
    qtbot: QtBot, wall: LiveWall, cameras: list[Camera], sessions: FakeSessionFactory
) -> None:
    drop_camera(wall.tiles[0], cameras[0].id)
    drop_camera(wall.tiles[3], cameras[1].id)
    wait_live(qtbot, wall.tiles[3])
    wall.set_layout(LayoutKind.GRID_3X3)
    assert wall.tiles[0].camera_name == "Entrance"
    assert wall.tiles[3].camera_name == "Gate"
    wall.set_layout(LayoutKind.SINGLE)
    qtbot.waitUntil(lambda: len(sessions.open()) == 1)
    assert len(sessions.sessions) == 2
    assert wall.tiles[0].camera_name == "Entrance"


def test_a_smaller_layout_and_back_brings_the_left_out_cameras_back_live(
    qtbot: QtBot,
    wall: LiveWall,
    cameras: list[Camera],
    fake_backend: FakeBackend,
    sessions: FakeSessionFactory,
) -> None:
    wall.set_layout(LayoutKind.GRID_3X3)
    drop_camera(wall.tiles[0], cameras[0].id)
    drop_camera(wall.tiles[5], cameras[1].id)
    drop_camera(wall.tiles[8], cameras[2].id)
    for index in (0, 5, 8):
        wait_live(qtbot, wall.tiles[index])
    wall.set_layout(LayoutKind.GRID_2X2)
    qtbot.waitUntil(lambda: len(sessions.open()) == 1)
    assert [t.camera_name for t in wall.tiles] == ["Entrance", None, None, None]

    wall.set_layout(LayoutKind.GRID_3X3)
    assert wall.tiles[5].camera_name == "Gate"
    assert wall.tiles[8].camera_name == "Yard"
    wait_live(qtbot, wall.tiles[5])
    wait_live(qtbot, wall.tiles[8])
    assert len(sessions.open()) == 3
    # a camera removed while off the wall does not come back
    wall.set_layout(LayoutKind.SINGLE)
    fake_backend.emit(CameraRemoved(cameras[2].id))
    qtbot.waitUntil(lambda: cameras[2].id not in wall.state.offstage)
    wall.set_layout(LayoutKind.GRID_3X3)
    assert wall.tiles[5].camera_name == "Gate"
    assert wall.tiles[8].camera_name is None


def test_a_removed_camera_leaves_the_wall(
    qtbot: QtBot,
    wall: LiveWall,
    cameras: list[Camera],
    fake_backend: FakeBackend,
    sessions: FakeSessionFactory,
) -> None:
    drop_camera(wall.tiles[1], cameras[0].id)
    wait_live(qtbot, wall.tiles[1])
    fake_backend.emit(CameraRemoved(cameras[0].id))
    qtbot.waitUntil(lambda: wall.tiles[1].camera_name is None and not sessions.open())
    assert wall.state.cameras[1] is None


def test_after_the_recorder_restarted_every_live_tile_connects_to_its_new_address(
    qtbot: QtBot,
    wall: LiveWall,
    cameras: list[Camera],
    fake_backend: FakeBackend,
    sessions: FakeSessionFactory,
) -> None:
    drop_camera(wall.tiles[0], cameras[0].id)
    drop_camera(wall.tiles[2], cameras[2].id)
    wait_live(qtbot, wall.tiles[0])
    wait_live(qtbot, wall.tiles[2])
    old = sessions.open()
    assert len(old) == 2

    fake_backend.emit(BackendStopped("The recorder stopped unexpectedly; it is being restarted."))

    # nothing serves live video now: the sessions end at once and the tiles say why
    qtbot.waitUntil(lambda: all(s.closed for s in old))
    for tile in (wall.tiles[0], wall.tiles[2]):
        assert tile.status is not None
        assert (tile.status.state, tile.status.reason) == (
            LiveState.OFFLINE,
            "The recorder stopped unexpectedly; it is being restarted.",
        )
    assert [t.camera_name for t in wall.tiles[:3]] == ["Entrance", None, "Yard"]
    # the new host listens on another port: the endpoints the tiles had point nowhere
    for (camera_id, stream), endpoint in list(fake_backend.live_endpoints.items()):
        moved = endpoint.whep_url.replace(":9/", ":10/")
        fake_backend.live_endpoints[(camera_id, stream)] = replace(endpoint, whep_url=moved)

    fake_backend.emit(BackendRestarted("The recorder stopped unexpectedly and was restarted."))

    qtbot.waitUntil(lambda: len(sessions.open()) == 2)
    assert sorted(s.url for s in sessions.open()) == [
        whep_url(cameras[0].id, StreamRole.SUB).replace(":9/", ":10/"),
        whep_url(cameras[2].id, StreamRole.SUB).replace(":9/", ":10/"),
    ]
    wait_live(qtbot, wall.tiles[0])
    assert [t.camera_name for t in wall.tiles[:3]] == ["Entrance", None, "Yard"]


def test_a_camera_with_one_stream_plays_it_and_one_with_none_says_why(
    qtbot: QtBot,
    wall: LiveWall,
    cameras: list[Camera],
    fake_backend: FakeBackend,
    sessions: FakeSessionFactory,
) -> None:
    del fake_backend.live_endpoints[
        (cameras[0].id, StreamRole.SUB)
    ]  # a camera without a sub stream
    for stream in StreamRole:
        del fake_backend.live_endpoints[(cameras[1].id, stream)]

    drop_camera(wall.tiles[0], cameras[0].id)
    drop_camera(wall.tiles[1], cameras[1].id)

    wait_live(qtbot, wall.tiles[0])
    assert wall.feeds.stream_of(wall.tiles[0]) is StreamRole.MAIN
    assert [s.url for s in sessions.open()] == [whep_url(cameras[0].id, StreamRole.MAIN)]
    qtbot.waitUntil(
        lambda: wall.tiles[1].status is not None and wall.tiles[1].status.state is LiveState.OFFLINE
    )
    status = wall.tiles[1].status
    assert status is not None
    assert (status.state, status.reason) == (
        LiveState.OFFLINE,
        f"Camera {cameras[1].id} has no live main stream.",
    )


def test_a_tile_larger_than_the_sub_stream_switches_to_the_main_stream_and_back(
    qtbot: QtBot, wall: LiveWall, cameras: list[Camera], sessions: FakeSessionFactory
) -> None:
    wall.set_layout(LayoutKind.GRID_4X4)
    tile = wall.tiles[5]
    drop_camera(tile, cameras[0].id)
    wait_live(qtbot, tile)
    assert tile.width() < 640
    assert wall.feeds.stream_of(tile) is StreamRole.SUB
    qtbot.mouseDClick(tile, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wall.feeds.stream_of(tile) is StreamRole.MAIN)
    main = sessions.sessions[-1]
    assert main.url == whep_url(cameras[0].id, StreamRole.MAIN)
    qtbot.waitUntil(lambda: sessions.open() == [main])  # the sub session closed after the switch
    assert main.output_size == tile.device_size()
    qtbot.mouseDClick(tile, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wall.feeds.stream_of(tile) is StreamRole.SUB)
    qtbot.waitUntil(lambda: len(sessions.open()) == 1)


def _3x3_just_under_the_sub_stream(qtbot: QtBot, wall: LiveWall) -> QSize:
    """Show `wall` in 3x3, sized so that its tiles are just under the sub stream's 640x360; its size.

    A new tile there opens the sub stream; one that was on the main stream would keep it, by the
    hysteresis of a resize (SWITCH_BACK_MARGIN).
    """
    wall.set_layout(LayoutKind.GRID_3X3)
    tile = wall.tiles[0]
    qtbot.waitUntil(tile.isVisible)
    width, height = tile.device_size()
    wall.resize(1280 + 3 * (622 - width), 760 + 3 * (352 - height))

    def in_band() -> bool:
        width, height = tile.device_size()
        return 0.9 < min(width / 640, height / 360) <= 1.0

    qtbot.waitUntil(in_band)
    return wall.size()


def test_a_layout_change_chooses_the_stream_afresh_and_a_resize_keeps_the_hysteresis(
    qtbot: QtBot, wall: LiveWall, cameras: list[Camera], sessions: FakeSessionFactory
) -> None:
    in_band = _3x3_just_under_the_sub_stream(qtbot, wall)
    wall.set_layout(LayoutKind.GRID_2X2)
    tile = wall.tiles[0]
    drop_camera(tile, cameras[0].id)
    wait_live(qtbot, tile)
    assert wall.feeds.stream_of(tile) is StreamRole.MAIN  # a 2x2 tile is larger than the sub stream

    wall.set_layout(LayoutKind.GRID_3X3)  # tile 0 keeps its camera and its session...

    tile = wall.tiles[0]
    qtbot.waitUntil(
        lambda: wall.feeds.stream_of(tile) is StreamRole.SUB
    )  # ...but not the main stream
    qtbot.waitUntil(
        lambda: [s.url for s in sessions.open()] == [whep_url(cameras[0].id, StreamRole.SUB)]
    )

    wall.resize(in_band.width() + 120, in_band.height() + 70)  # the operator widens the window
    qtbot.waitUntil(lambda: wall.feeds.stream_of(tile) is StreamRole.MAIN)
    wall.resize(in_band)  # and back: a resize keeps the hysteresis
    qtbot.waitUntil(lambda: wall.tiles[0].device_size()[0] < 640)
    qtbot.wait(3 * REFIT_DELAY_MS)
    assert wall.feeds.stream_of(tile) is StreamRole.MAIN


def test_a_layout_changed_while_the_wall_is_hidden_chooses_afresh_once_it_is_shown(
    qtbot: QtBot, wall: LiveWall, cameras: list[Camera], sessions: FakeSessionFactory
) -> None:
    in_band = _3x3_just_under_the_sub_stream(qtbot, wall)
    wall.set_layout(LayoutKind.GRID_2X2)
    drop_camera(wall.tiles[0], cameras[0].id)
    wait_live(qtbot, wall.tiles[0])
    assert wall.feeds.stream_of(wall.tiles[0]) is StreamRole.MAIN

    wall.hide()  # the operator is on another tab
    wall.set_layout(LayoutKind.GRID_3X3)
    qtbot.wait(3 * REFIT_DELAY_MS)
    wall.show()
    wall.resize(in_band)

    tile = wall.tiles[0]
    qtbot.waitUntil(lambda: wall.feeds.stream_of(tile) is StreamRole.SUB)


def test_a_tile_maximised_and_back_goes_back_to_its_sub_stream_however_close_to_the_threshold(
    qtbot: QtBot, wall: LiveWall, cameras: list[Camera], sessions: FakeSessionFactory
) -> None:
    _3x3_just_under_the_sub_stream(qtbot, wall)
    tile = wall.tiles[0]
    drop_camera(tile, cameras[0].id)
    wait_live(qtbot, tile)
    assert wall.feeds.stream_of(tile) is StreamRole.SUB

    qtbot.mouseDClick(tile, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wall.feeds.stream_of(tile) is StreamRole.MAIN)
    qtbot.mouseDClick(
        tile, Qt.MouseButton.LeftButton
    )  # back into the grid, just under the sub stream

    qtbot.waitUntil(lambda: wall.feeds.stream_of(tile) is StreamRole.SUB)
    qtbot.waitUntil(
        lambda: [s.url for s in sessions.open()] == [whep_url(cameras[0].id, StreamRole.SUB)]
    )


def test_layout_file_is_plain_json(
    qtbot: QtBot, wall: LiveWall, cameras: list[Camera], layout_store: LayoutStore
) -> None:
    wall.set_layout(LayoutKind.GRID_3X3)
    qtbot.waitUntil(lambda: layout_store.path.exists())
    qtbot.waitUntil(lambda: layout_store.current().layout is LayoutKind.GRID_3X3)
    data = json.loads(layout_store.path.read_text(encoding="utf-8"))
    assert data["current"]["layout"] == "3x3"
    assert data["version"] == 1

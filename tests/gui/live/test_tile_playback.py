"""Recorded video on a live tile: back 30 s, play from a picked time, back to live, quitting."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QDateTime, QPointF
from PySide6.QtGui import QContextMenuEvent, QEnterEvent
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from backend_embed.api import Camera, Span, StreamRole
from tests.gui.live.conftest import WallFactory
from tests.gui.playback.conftest import source_for
from tests.helpers.fake_backend import FakeBackend
from tests.helpers.live_fakes import FakeLiveSession, FakeSessionFactory
from tests.helpers.playback_fakes import FakePlayerFactory
from vas_console.core.layouts import LayoutKind, LayoutStore
from vas_console.runtime.loop_thread import LoopThread
from vas_console.ui.live.live_wall import LiveWall
from vas_console.ui.live.tile_controls import TimePicker
from vas_console.ui.live.video_tile import VideoTile
from vas_console.ui.playback.channel import LOAD_BEFORE_MS, ChannelStatus
from vas_console.ui.playback.playback_view import PlaybackView


@pytest.fixture
def players() -> FakePlayerFactory:
    return FakePlayerFactory()


@pytest.fixture
def recorded(fake_backend: FakeBackend, cameras: list[Camera]) -> list[Camera]:
    """The wall's cameras, recorded from an hour ago to an hour ahead."""
    now = int(time.time() * 1000)
    spans = (Span(now - 3_600_000, now + 3_600_000),)
    for camera in cameras:
        fake_backend.spans[(camera.id, StreamRole.MAIN)] = list(spans)
        fake_backend.playback_sources[camera.id] = source_for(camera.id, spans)
    return cameras


@pytest.fixture
def wall(
    qtbot: QtBot,
    qt_loop: asyncio.AbstractEventLoop,
    fake_backend: FakeBackend,
    worker: LoopThread,
    sessions: FakeSessionFactory,
    layout_store: LayoutStore,
    players: FakePlayerFactory,
    recorded: list[Camera],
) -> Iterator[LiveWall]:
    """A shown wall (2x2, three cameras live) that can play recordings on its tiles."""
    wall = LiveWall(fake_backend, worker, layout_store, session_factory=sessions, players=players)
    qtbot.addWidget(wall, before_close_func=lambda w: w.close_for_quit())
    wall.resize(1280, 760)
    wall.show()
    wall.tasks.start(wall.restore(), name="restore")
    qtbot.waitUntil(lambda: wall.tasks.idle and wall.feeds.tasks.idle)
    qtbot.waitUntil(lambda: len(sessions.open()) == 3)
    yield wall
    wall.close_for_quit()
    for future in wall.feeds.closing:
        future.result(timeout=5)
    assert not sessions.open(), "sessions left open"
    assert all(p.closed for p in players.players), "players left open"


def session_of(sessions: FakeSessionFactory, camera: Camera) -> list[FakeLiveSession]:
    return [s for s in sessions.open() if f"/whep/{camera.id}/" in s.url]


def requested_ms(fake_backend: FakeBackend) -> int:
    """The wall time the last playlist was asked around."""
    call = fake_backend.calls_to("playback_source")[-1]
    return int(call.args[1]) + LOAD_BEFORE_MS


def view_of(wall: LiveWall, tile: VideoTile) -> PlaybackView:
    assert wall.playback is not None
    view = wall.playback.view_of(tile)
    assert view is not None
    return view


def go_back(qtbot: QtBot, wall: LiveWall, tile: VideoTile) -> PlaybackView:
    tile.buttons.back.click()
    view = view_of(wall, tile)
    qtbot.waitUntil(lambda: view.channel.status is ChannelStatus.PLAYING)
    return view


def back_then_live(
    qtbot: QtBot, wall: LiveWall, sessions: FakeSessionFactory, camera: Camera
) -> VideoTile:
    """Tile 0 (showing `camera`) to recorded video and, once its live session closed, Live again: its
    new live session is being set up when this returns."""
    tile = wall.tiles[0]
    go_back(qtbot, wall, tile)
    qtbot.waitUntil(lambda: not session_of(sessions, camera))
    tile.buttons.live.click()
    return tile


def test_back_30_s_swaps_the_tile_to_recorded_video(
    qtbot: QtBot,
    wall: LiveWall,
    sessions: FakeSessionFactory,
    recorded: list[Camera],
    fake_backend: FakeBackend,
) -> None:
    tile = wall.tiles[0]
    others = {c.id: session_of(sessions, c) for c in recorded[1:]}
    asked = time.time() * 1000 - 30_000
    view = go_back(qtbot, wall, tile)
    assert abs(requested_ms(fake_backend) - asked) < 1000
    assert view.channel.camera_id == recorded[0].id
    qtbot.waitUntil(lambda: not session_of(sessions, recorded[0]))
    assert tile.recorded
    assert view.parent() is tile
    assert view.isVisible()
    assert view.geometry() == tile.video_rect()
    assert tile.buttons.live.isVisible()
    # only that tile changed
    assert {c.id: session_of(sessions, c) for c in recorded[1:]} == others
    assert not any(t.recorded for t in wall.tiles[1:])
    assert wall.state.layout is LayoutKind.GRID_2X2


def test_live_closes_the_players_and_resumes_the_live_session(
    qtbot: QtBot,
    wall: LiveWall,
    sessions: FakeSessionFactory,
    players: FakePlayerFactory,
    recorded: list[Camera],
) -> None:
    tile = wall.tiles[0]
    go_back(qtbot, wall, tile)
    qtbot.waitUntil(lambda: not session_of(sessions, recorded[0]))
    tile.buttons.live.click()
    assert players.players
    assert all(p.closed for p in players.players)
    assert wall.playback is not None
    assert wall.playback.view_of(tile) is None
    assert not tile.recorded
    assert not tile.buttons.live.isVisible()
    qtbot.waitUntil(lambda: len(session_of(sessions, recorded[0])) == 1)
    qtbot.waitUntil(lambda: tile.painted_frames > 0)
    assert len(sessions.open()) == 3


def test_back_30_s_right_after_live_leaves_no_live_session_running(
    qtbot: QtBot,
    wall: LiveWall,
    sessions: FakeSessionFactory,
    recorded: list[Camera],
) -> None:
    """Live, then -30 s before the tile's live session even started: the session must not start
    (it would run unseen behind the recorded video until quit)."""
    tile = back_then_live(qtbot, wall, sessions, recorded[0])
    wall.back(0)  # the same instant: the live session is still being set up
    view = view_of(wall, tile)
    qtbot.waitUntil(lambda: view.channel.status is ChannelStatus.PLAYING)
    qtbot.waitUntil(lambda: wall.feeds.tasks.idle)
    qtbot.wait(100)
    assert tile.recorded
    assert not session_of(sessions, recorded[0])
    assert wall.feeds.camera_of(tile) is None


def test_a_layout_change_while_a_tile_starts_plays_it_once_on_its_new_tile(
    qtbot: QtBot,
    wall: LiveWall,
    sessions: FakeSessionFactory,
    recorded: list[Camera],
) -> None:
    back_then_live(qtbot, wall, sessions, recorded[0])
    wall.set_layout(LayoutKind.GRID_3X3)  # the same instant: the tile's session is not up yet
    qtbot.waitUntil(lambda: wall.feeds.tasks.idle)
    qtbot.waitUntil(lambda: len(session_of(sessions, recorded[0])) == 1)
    qtbot.wait(100)
    assert len(session_of(sessions, recorded[0])) == 1
    assert len(sessions.open()) == 3
    shown = next(t for t in wall.tiles if wall.feeds.camera_of(t) == recorded[0])
    qtbot.waitUntil(lambda: shown.painted_frames > 0)


def test_the_picker_opens_without_blocking_and_plays_the_chosen_time(
    qtbot: QtBot, wall: LiveWall, sessions: FakeSessionFactory, fake_backend: FakeBackend
) -> None:
    tile = wall.tiles[1]
    tile.buttons.pick.click()  # returns at once: the dialog is not run modally
    picker = wall.time_picker
    assert isinstance(picker, TimePicker)
    assert picker.isVisible()
    assert not picker.isModal()
    assert len(sessions.open()) == 3  # nothing changed yet
    chosen = (int(time.time()) - 600) * 1000
    picker.edit.setDateTime(QDateTime.fromMSecsSinceEpoch(chosen))
    picker.accept()
    view = view_of(wall, tile)
    qtbot.waitUntil(lambda: view.channel.status is ChannelStatus.PLAYING)
    assert requested_ms(fake_backend) == chosen
    assert tile.recorded
    assert wall.time_picker is None


def test_double_click_still_maximises_a_recorded_tile(qtbot: QtBot, wall: LiveWall) -> None:
    tile = wall.tiles[2]
    view = go_back(qtbot, wall, tile)
    tile.double_clicked.emit(tile.index)
    assert wall.state.maximised == 2
    assert not wall.tiles[0].isVisible()
    qtbot.waitUntil(lambda: view.geometry() == tile.video_rect())
    assert tile.geometry() == wall.grid.rect()


def test_a_layout_change_puts_recorded_tiles_back_to_live(
    qtbot: QtBot,
    wall: LiveWall,
    sessions: FakeSessionFactory,
    players: FakePlayerFactory,
    recorded: list[Camera],
) -> None:
    go_back(qtbot, wall, wall.tiles[0])
    wall.set_layout(LayoutKind.GRID_3X3)
    assert all(p.closed for p in players.players)
    assert not any(t.recorded for t in wall.tiles)
    qtbot.waitUntil(lambda: len(session_of(sessions, recorded[0])) == 1)


def test_quitting_closes_the_recorded_views_and_the_picker(
    qtbot: QtBot, wall: LiveWall, players: FakePlayerFactory
) -> None:
    go_back(qtbot, wall, wall.tiles[0])
    picker = wall.pick_time(1)
    assert picker is not None
    assert picker.isVisible()
    wall.close_for_quit()
    assert players.players
    assert all(p.closed for p in players.players)
    assert wall.time_picker is None
    assert wall.playback is not None
    assert not wall.playback.tiles()


def test_without_players_the_tile_offers_no_recorded_video(make_wall: WallFactory) -> None:
    plain = make_wall()
    tile = plain.tiles[0]
    tile.enterEvent(QEnterEvent(QPointF(5, 5), QPointF(5, 5), QPointF(5, 5)))
    assert plain.playback is None
    assert not tile.buttons.back.isVisible()
    assert not tile.buttons.pick.isVisible()
    plain.back(0)
    assert plain.pick_time(0) is None
    assert not tile.recorded


def test_hover_shows_the_buttons_and_the_menu_offers_the_actions(
    qtbot: QtBot, wall: LiveWall, fake_backend: FakeBackend
) -> None:
    tile = wall.tiles[0]
    assert not tile.buttons.isVisible()
    tile.enterEvent(QEnterEvent(QPointF(5, 5), QPointF(5, 5), QPointF(5, 5)))
    assert tile.buttons.back.isVisible()
    assert tile.buttons.pick.isVisible()
    assert not tile.buttons.live.isVisible()
    assert tile.buttons.geometry().bottom() < tile.header_height()
    where = tile.rect().center()
    tile.contextMenuEvent(
        QContextMenuEvent(QContextMenuEvent.Reason.Mouse, where, tile.mapToGlobal(where))
    )
    menu = tile.findChild(QMenu)
    assert menu is not None
    texts = [a.text() for a in menu.actions()]
    assert texts[:2] == ["Back 30 s", "Play from…"]
    asked = time.time() * 1000 - 30_000
    menu.actions()[0].trigger()
    menu.close()
    assert tile.recorded
    qtbot.waitUntil(lambda: bool(fake_backend.calls_to("playback_source")))
    assert abs(requested_ms(fake_backend) - asked) < 1000


def test_a_tile_playing_recorded_video_swapped_with_another_goes_back_to_live(
    qtbot: QtBot,
    wall: LiveWall,
    sessions: FakeSessionFactory,
    players: FakePlayerFactory,
    recorded: list[Camera],
) -> None:
    go_back(qtbot, wall, wall.tiles[0])
    qtbot.waitUntil(lambda: not session_of(sessions, recorded[0]))
    (moving,) = session_of(sessions, recorded[1])

    wall.swap_tiles(0, 1)

    assert not wall.tiles[0].recorded
    assert all(p.closed for p in players.players)
    assert wall.state.cameras[:2] == (recorded[1].id, recorded[0].id)
    assert wall.feeds.camera_of(wall.tiles[0]) == recorded[1]
    assert session_of(sessions, recorded[1]) == [moving], "the live tile's session moved along"
    qtbot.waitUntil(lambda: len(session_of(sessions, recorded[0])) == 1)  # live again, on tile 1
    assert wall.feeds.camera_of(wall.tiles[1]) == recorded[0]

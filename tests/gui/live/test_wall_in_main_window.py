"""The live wall inside the main window: a fresh wall shows the cameras; wall mode hides the window chrome."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from backend_embed.api import Camera
from tests.gui.live.conftest import WallFactory
from tests.gui.live.test_live_wall import wait_live
from tests.helpers.fake_backend import FakeBackend
from tests.helpers.live_fakes import FakeSessionFactory
from vas_console.core.layouts import LayoutStore
from vas_console.logsetup import LogBuffer
from vas_console.runtime.loop_thread import LoopThread
from vas_console.ui.live.live_wall import LiveWall
from vas_console.ui.main_window import MainWindow


def test_an_empty_wall_shows_the_enabled_cameras_in_order(
    qtbot: QtBot,
    make_wall: WallFactory,
    cameras: list[Camera],
    fake_backend: FakeBackend,
) -> None:
    gate = cameras[1]
    fake_backend.cameras[gate.id] = replace(gate, enabled=False)
    wall = make_wall()
    wait_live(qtbot, wall.tiles[0])
    wait_live(qtbot, wall.tiles[1])
    assert [t.camera_name for t in wall.tiles[:3]] == ["Entrance", "Yard", None]


@pytest.fixture
def shown(
    qtbot: QtBot,
    qt_loop: asyncio.AbstractEventLoop,
    fake_backend: FakeBackend,
    worker: LoopThread,
    sessions: FakeSessionFactory,
    layout_store: LayoutStore,
    cameras: list[Camera],
) -> Iterator[tuple[MainWindow, LiveWall]]:
    """The main window with a live wall, shown and loaded; quit at the end, every session closed."""
    wall = LiveWall(fake_backend, worker, layout_store, session_factory=sessions)
    window = MainWindow(fake_backend, LogBuffer(), live_wall=wall)
    qtbot.addWidget(window, before_close_func=lambda w: w.close_for_quit())
    window.show()
    window.tasks.start(window.load(), name="load")
    qtbot.waitUntil(lambda: window.tasks.idle and wall.tasks.idle)
    yield window, wall
    window.close_for_quit()
    for future in wall.feeds.closing:
        future.result(timeout=5)
    assert not sessions.open()


def test_in_the_window_the_arrow_keys_reach_the_wall_and_move_between_tiles(
    qtbot: QtBot, shown: tuple[MainWindow, LiveWall]
) -> None:
    window, wall = shown
    window.activateWindow()
    wall.tiles[0].setFocus()
    qtbot.waitUntil(wall.tiles[0].hasFocus)

    qtbot.keyClick(wall.tiles[0], Qt.Key.Key_Right)  # no window-wide shortcut takes it first

    qtbot.waitUntil(wall.tiles[1].hasFocus)
    qtbot.keyClick(wall.tiles[1], Qt.Key.Key_Return)
    assert wall.state.maximised == 1


def test_wall_mode_hides_menus_docks_and_tabs_and_brings_them_back(
    qtbot: QtBot, shown: tuple[MainWindow, LiveWall]
) -> None:
    window, wall = shown
    assert window.workspace.currentWidget() is wall
    assert window.workspace.tabText(0) == "Live"
    assert window.full_screen_action.shortcut().isEmpty(), "F11 belongs to the wall"

    with qtbot.waitSignal(wall.wall_mode_changed):
        wall.toolbar.wall_mode_action.trigger()
    assert not window.menuBar().isVisible()
    assert not window.statusBar().isVisible()
    assert not window.workspace.tabBar().isVisible()
    assert not window.tree.isVisible()

    with qtbot.waitSignal(wall.wall_mode_changed):
        qtbot.keyClick(wall, Qt.Key.Key_Escape)
    assert window.menuBar().isVisible()
    assert window.statusBar().isVisible()
    assert window.workspace.tabBar().isVisible()
    assert window.tree.isVisible()

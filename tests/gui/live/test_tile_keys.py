"""The wall from the keyboard: arrows move between tiles, Enter maximises the tile and goes back."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from backend_embed.api import Camera
from tests.gui.live.test_live_wall import drop_camera
from vas_console.core.layouts import LayoutKind
from vas_console.ui.live.live_wall import LiveWall


def _focused(wall: LiveWall) -> int | None:
    widget = wall.focusWidget()
    return next((t.index for t in wall.tiles if t is widget), None)


def test_arrow_keys_move_the_focus_across_the_grid_and_stop_at_its_edges(
    qtbot: QtBot, wall: LiveWall
) -> None:
    wall.set_layout(LayoutKind.GRID_2X2)
    wall.tiles[0].setFocus()
    assert _focused(wall) == 0
    path = []
    for key in (
        Qt.Key.Key_Right,
        Qt.Key.Key_Right,
        Qt.Key.Key_Down,
        Qt.Key.Key_Left,
        Qt.Key.Key_Up,
    ):
        tile = wall.tiles[_focused(wall) or 0]
        qtbot.keyClick(tile, key)
        path.append(_focused(wall))

    assert path == [1, 1, 3, 2, 0]


def test_enter_maximises_the_focused_tile_and_enter_again_goes_back(
    qtbot: QtBot, wall: LiveWall, cameras: list[Camera]
) -> None:
    wall.set_layout(LayoutKind.GRID_3X3)
    drop_camera(wall.tiles[4], cameras[0].id)
    wall.tiles[4].setFocus()

    qtbot.keyClick(wall.tiles[4], Qt.Key.Key_Return)
    assert wall.state.maximised == 4
    qtbot.keyClick(wall.tiles[4], Qt.Key.Key_Right)  # one tile shown: the focus stays
    assert _focused(wall) == 4
    qtbot.keyClick(wall.tiles[4], Qt.Key.Key_Enter)

    assert wall.state.maximised is None


def test_an_arrow_with_a_modifier_is_not_a_step(qtbot: QtBot, wall: LiveWall) -> None:
    wall.set_layout(LayoutKind.GRID_2X2)
    wall.tiles[0].setFocus()

    qtbot.keyClick(wall.tiles[0], Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)

    assert _focused(wall) == 0

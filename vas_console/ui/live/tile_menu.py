"""A tile's context menu and its keyboard actions (S snapshot, B bookmark now, while the tile has focus)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, Qt, SignalInstance
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from vas_console.ui.bookmarks.glyphs import icon
from vas_console.ui.live.tile_controls import BACK_S

if TYPE_CHECKING:
    from vas_console.ui.live.video_tile import VideoTile


def _live_only(tile: VideoTile, signal: SignalInstance) -> None:
    """Emit `signal(tile.index)` if the tile shows a camera's live picture (not empty, not recorded)."""
    if tile.camera_name is not None and not tile.recorded:
        signal.emit(tile.index)


def install_tile_actions(tile: VideoTile) -> dict[str, QAction]:
    """Snapshot (S) and Bookmark now (B), active while the tile itself has the keyboard focus."""
    snapshot = QAction(icon("camera"), "Snapshot", tile)
    snapshot.setObjectName("tileSnapshot")
    snapshot.setShortcut(QKeySequence("S"))
    snapshot.triggered.connect(lambda: _live_only(tile, tile.snapshot_requested))
    bookmark = QAction(icon("bookmark"), "Bookmark now…", tile)
    bookmark.setObjectName("tileBookmarkNow")
    bookmark.setShortcut(QKeySequence("B"))
    bookmark.triggered.connect(lambda: _live_only(tile, tile.bookmark_requested))
    actions = {"snapshot": snapshot, "bookmark_now": bookmark}
    for action in actions.values():
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
    tile.addActions(list(actions.values()))
    return actions


def show_tile_menu(tile: VideoTile, global_pos: QPoint) -> QMenu | None:
    """The tile's context menu (none for an empty tile), shown at `global_pos`."""
    if tile.camera_name is None:
        return None
    menu = QMenu(tile)
    menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    index = tile.index
    if tile.playback_available:
        menu.addAction(f"Back {BACK_S} s").triggered.connect(
            lambda: tile.back_requested.emit(index)
        )
        menu.addAction("Play from…").triggered.connect(lambda: tile.pick_requested.emit(index))
    if tile.recorded:
        menu.addAction("Live").triggered.connect(lambda: tile.live_requested.emit(index))
    else:
        menu.addSeparator()
        menu.addAction(tile.actions_by_name["snapshot"])
        menu.addAction(tile.actions_by_name["bookmark_now"])
    menu.addSeparator()
    menu.addAction("Remove from the wall").triggered.connect(
        lambda: tile.clear_requested.emit(index)
    )
    menu.popup(global_pos)
    return menu

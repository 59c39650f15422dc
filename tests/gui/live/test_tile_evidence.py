"""Snapshots and "bookmark now" from live tiles: buttons, context menu, S / B keys, flash, notices, errors."""

from __future__ import annotations

import time

from PySide6.QtCore import QPointF, QSettings, Qt
from PySide6.QtGui import QContextMenuEvent, QEnterEvent
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from backend_embed.api import BackendError, Camera
from tests.helpers.fake_backend import FakeBackend
from vas_console.ui.bookmarks.bookmark_actions import default_name
from vas_console.ui.bookmarks.settings import NOW_WINDOW_KEY
from vas_console.ui.live.live_wall import LiveWall
from vas_console.ui.live.tile_evidence import SnapshotFlash


def hover(wall: LiveWall, index: int) -> None:
    wall.tiles[index].enterEvent(QEnterEvent(QPointF(5, 5), QPointF(5, 5), QPointF(5, 5)))


def test_snapshot_button_takes_a_live_snapshot_of_the_tiles_camera(
    qtbot: QtBot, cameras: list[Camera], wall: LiveWall, fake_backend: FakeBackend
) -> None:
    tile = wall.tiles[1]
    assert tile.camera_name == cameras[1].name
    hover(wall, 1)
    assert tile.buttons.snapshot.isVisible()
    assert tile.buttons.bookmark.isVisible()
    with qtbot.waitSignal(wall.notice) as signal:
        tile.buttons.snapshot.click()
    assert [c.args for c in fake_backend.calls_to("take_live_snapshot")] == [(cameras[1].id,)]
    assert signal.args[0].startswith(f"Snapshot saved: {cameras[1].name} ")
    flash = tile.findChild(SnapshotFlash)
    assert flash is not None
    assert flash.text == "Snapshot saved"
    assert flash.geometry() == tile.video_rect()
    qtbot.waitUntil(lambda: tile.findChild(SnapshotFlash) is None)  # brief


def test_s_key_on_the_focused_tile_and_the_context_menu_take_snapshots(
    qtbot: QtBot, cameras: list[Camera], wall: LiveWall, fake_backend: FakeBackend
) -> None:
    wall.window().activateWindow()
    tile = wall.tiles[2]
    qtbot.mouseClick(tile, Qt.MouseButton.LeftButton)
    assert tile.hasFocus()
    qtbot.keyClick(tile, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: len(fake_backend.calls_to("take_live_snapshot")) == 1)
    assert fake_backend.calls_to("take_live_snapshot")[0].args == (cameras[2].id,)
    where = tile.rect().center()
    tile.contextMenuEvent(
        QContextMenuEvent(QContextMenuEvent.Reason.Mouse, where, tile.mapToGlobal(where))
    )
    menu = tile.findChild(QMenu)
    assert menu is not None
    snapshot = next(a for a in menu.actions() if a.text() == "Snapshot")
    assert "Bookmark now…" in [a.text() for a in menu.actions()]
    snapshot.trigger()
    menu.close()
    qtbot.waitUntil(lambda: len(fake_backend.calls_to("take_live_snapshot")) == 2)
    assert fake_backend.calls_to("take_live_snapshot")[1].args == (cameras[2].id,)


def test_a_failed_snapshot_flashes_and_reports_the_error(
    qtbot: QtBot, cameras: list[Camera], wall: LiveWall, fake_backend: FakeBackend
) -> None:
    fake_backend.failures["take_live_snapshot"] = BackendError("No picture from the camera now.")
    with qtbot.waitSignal(wall.tasks.backend_failed) as signal:
        wall.tiles[0].actions_by_name["snapshot"].trigger()
    assert signal.args[0].user_message == "No picture from the camera now."
    assert wall.evidence.flashes == ["Snapshot failed"]


def test_an_empty_tile_offers_no_snapshot(
    cameras: list[Camera], wall: LiveWall, fake_backend: FakeBackend
) -> None:
    wall.clear_tile(0)
    hover(wall, 0)
    assert not wall.tiles[0].buttons.snapshot.isVisible()
    wall.tiles[0].actions_by_name["snapshot"].trigger()
    assert fake_backend.calls_to("take_live_snapshot") == []


def test_bookmark_now_opens_the_dialog_for_now_plus_minus_the_window(
    qtbot: QtBot, cameras: list[Camera], wall: LiveWall, fake_backend: FakeBackend
) -> None:
    before = int(time.time() * 1000)
    wall.tiles[1].buttons.bookmark_clicked.emit()
    after = int(time.time() * 1000)
    dialog = wall.evidence.editor.dialog
    assert dialog is not None
    start, end = dialog.start_edit.wall_ms(), dialog.end_edit.wall_ms()
    assert end - start == 10_000  # 5 s either side by default
    assert before - 5000 <= start <= after - 5000
    assert dialog.camera_label.text() == cameras[1].name
    assert dialog.name_edit.text() == default_name(cameras[1].name, start + 5000)
    assert dialog.lock_box.isChecked()
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: bool(fake_backend.calls_to("add_bookmark")))
    draft = fake_backend.calls_to("add_bookmark")[0].args[0]
    assert (draft.camera_id, draft.start_ms, draft.end_ms) == (cameras[1].id, start, end)


def test_bookmark_now_window_comes_from_the_settings(cameras: list[Camera], wall: LiveWall) -> None:
    QSettings().setValue(NOW_WINDOW_KEY, 30)
    try:
        wall.tiles[0].actions_by_name["bookmark_now"].trigger()
        dialog = wall.evidence.editor.dialog
        assert dialog is not None
        assert dialog.end_edit.wall_ms() - dialog.start_edit.wall_ms() == 60_000
        dialog.close()
    finally:
        QSettings().remove(NOW_WINDOW_KEY)

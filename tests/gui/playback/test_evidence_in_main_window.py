"""The evidence parts in the main window: Snapshots tab, Bookmarks dock, export from the marked range."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot

from backend_embed.api import Camera, SnapshotsChanged
from tests.helpers.fake_backend import FakeBackend
from vas_console.ui.evidence.export_dialog import ExportDialog
from vas_console.ui.evidence_desk import PLAY_LEAD_MS
from vas_console.ui.main_window import MainWindow
from vas_console.ui.playback.playback_view import PlaybackView

T0 = 1_795_255_200_000


@pytest.fixture
def window(main_window: MainWindow) -> Iterator[MainWindow]:
    yield main_window
    for dialog in main_window.findChildren(QDialog):
        dialog.close()


def _tab_titles(window: MainWindow) -> list[str]:
    return [window.workspace.tabText(i) for i in range(window.workspace.count())]


def test_the_gallery_is_a_tab_and_follows_backend_events(
    qtbot: QtBot, window: MainWindow, fake_backend: FakeBackend, recorded_cameras: list[Camera]
) -> None:
    assert "Snapshots" in _tab_titles(window)
    gallery = window.evidence.gallery
    assert gallery.model.rowCount() == 0

    fake_backend.seed_snapshot(recorded_cameras[0].id, T0)
    fake_backend.emit(SnapshotsChanged())

    qtbot.waitUntil(lambda: gallery.model.rowCount() == 1)


def test_open_in_playback_from_the_gallery_plays_that_camera_just_before_the_moment(
    qtbot: QtBot, window: MainWindow, recorded_cameras: list[Camera]
) -> None:
    camera = recorded_cameras[2]
    window.evidence.gallery.open_in_playback.emit(camera.id, T0)

    view = window.playback.view if window.playback is not None else None
    assert isinstance(view, PlaybackView)
    assert window.workspace.currentWidget() is window.playback
    assert [c.camera_id for c in view.channels] == [camera.id]
    assert view.timeline.playhead_ms == T0 - PLAY_LEAD_MS


def test_export_video_starts_from_the_marked_range_and_the_playing_camera(
    qtbot: QtBot, window: MainWindow, recorded_cameras: list[Camera]
) -> None:
    camera = recorded_cameras[1]
    assert window.playback is not None
    window.playback.open_cameras([(camera.id, camera.name)], T0)
    view = window.playback.view
    assert view is not None
    view.timeline.set_marks(T0 - 120_000, T0 - 60_000)

    assert window.evidence.actions is not None
    window.evidence.actions.export.trigger()

    dialog = window.findChild(ExportDialog)
    assert dialog is not None
    assert dialog.selected_cameras() == (camera.id,)
    assert dialog.range_ms() == (T0 - 120_000, T0 - 60_000)


def test_the_bookmark_dock_is_in_the_view_menu_and_the_key_in_help(window: MainWindow) -> None:
    assert not window.evidence.bookmark_dock.isVisible()
    window.evidence.bookmarks_action.trigger()
    assert window.evidence.bookmark_dock.isVisible()
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    assert any("signing" in a.text() for a in help_menu.actions())
    QApplication.processEvents()


def test_the_bookmark_dock_opens_at_a_list_width_not_half_the_window(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.resize(1600, 1000)
    window.evidence.bookmarks_action.trigger()
    qtbot.waitUntil(lambda: window.evidence.bookmark_dock.isVisible())
    QApplication.processEvents()
    assert window.evidence.bookmark_dock.width() <= 420
    assert window.workspace.width() > window.evidence.bookmark_dock.width()

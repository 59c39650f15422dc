"""Tests for vas_console/ui/camera_actions.py, driven through the main window's menus and dialogs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from backend_embed.api import Camera, ExportFormat, ImportFileError, LineError
from tests.helpers.fake_backend import FakeBackend
from vas_console.ui.camera_dialog import CameraDialog
from vas_console.ui.main_window import MainWindow
from vas_console.ui.notices import NoticeLevel
from vas_console.ui.prompts import MAX_LISTED_ERRORS, ImportErrorsDialog

W = TypeVar("W", bound=QWidget)


def child_of(qtbot: QtBot, window: MainWindow, kind: type[W]) -> W:
    """Wait until `window` has a child of `kind` (a dialog it opened) and return it."""
    qtbot.waitUntil(lambda: window.findChild(kind) is not None)
    child = window.findChild(kind)
    assert child is not None
    return child


def open_box(qtbot: QtBot, window: MainWindow) -> QMessageBox:
    qtbot.waitUntil(lambda: any(b.isVisible() for b in window.findChildren(QMessageBox)))
    return next(b for b in window.findChildren(QMessageBox) if b.isVisible())


def press(box: QMessageBox, text: str) -> None:
    button = next(b for b in box.buttons() if b.text().replace("&", "") == text)
    button.click()


def test_delete_asks_for_confirmation_and_cancel_keeps_the_camera(
    qtbot: QtBot,
    demo_window: MainWindow,
    fake_backend: FakeBackend,
    demo_cameras: dict[str, Camera],
) -> None:
    demo_window.tree.select_camera(demo_cameras["gate"].id)

    demo_window.commands.delete_camera.trigger()
    box = open_box(qtbot, demo_window)

    assert "North gate" in box.text()
    press(box, "Cancel")
    qtbot.waitUntil(lambda: not box.isVisible())
    assert fake_backend.calls_to("delete_camera") == []


def test_confirmed_delete_removes_the_camera(
    qtbot: QtBot,
    demo_window: MainWindow,
    fake_backend: FakeBackend,
    demo_cameras: dict[str, Camera],
) -> None:
    gate = demo_cameras["gate"]
    demo_window.tree.select_camera(gate.id)
    demo_window.commands.delete_camera.trigger()

    press(open_box(qtbot, demo_window), "Delete")

    qtbot.waitUntil(lambda: gate.id not in demo_window.overview.cards())
    assert [c.args for c in fake_backend.calls_to("delete_camera")] == [(gate.id,)]
    assert demo_window.notice_bar.text_label.text() == "Deleted camera “North gate”."


def test_delete_group_that_still_has_cameras_shows_the_backend_message(
    qtbot: QtBot, demo_window: MainWindow, fake_backend: FakeBackend
) -> None:
    yard = next(g for g in fake_backend.groups.values() if g.name == "Yard")
    demo_window.tree.select_group(yard.id)

    demo_window.commands.delete_group.trigger()
    box = open_box(qtbot, demo_window)
    assert "It holds 2 cameras." in box.text()
    press(box, "Delete")

    qtbot.waitUntil(lambda: demo_window.notice_bar.level is NoticeLevel.ERROR)
    assert "still has cameras" in demo_window.notice_bar.text_label.text()
    assert yard.id in fake_backend.groups


def test_add_group_asks_for_a_name_and_shows_the_new_folder(
    qtbot: QtBot, demo_window: MainWindow, fake_backend: FakeBackend
) -> None:
    demo_window.commands.add_group.trigger()
    prompt = child_of(qtbot, demo_window, QInputDialog)

    prompt.setTextValue("  Parking  ")
    prompt.accept()

    qtbot.waitUntil(lambda: _has_folder(demo_window, "Parking"))
    assert [c.args for c in fake_backend.calls_to("add_group")] == [("Parking",)]


def _has_folder(window: MainWindow, name: str) -> bool:
    model = window.tree.model
    return any(model.item(r, 0).text() == name for r in range(model.rowCount()))


def test_disable_from_the_menu_updates_the_tree_and_the_action_text(
    qtbot: QtBot,
    demo_window: MainWindow,
    fake_backend: FakeBackend,
    demo_cameras: dict[str, Camera],
) -> None:
    entrance = demo_cameras["entrance"]
    demo_window.tree.select_camera(entrance.id)
    assert demo_window.commands.toggle_enabled.text() == "D&isable camera"

    demo_window.commands.toggle_enabled.trigger()

    qtbot.waitUntil(lambda: demo_window.commands.toggle_enabled.text() == "&Enable camera")
    assert [c.args for c in fake_backend.calls_to("set_camera_enabled")] == [(entrance.id, False)]
    assert demo_window.overview.cards()[entrance.id].status_label.text() == "Disabled"


def test_test_connection_from_the_menu_reports_the_result(
    qtbot: QtBot, demo_window: MainWindow, demo_cameras: dict[str, Camera]
) -> None:
    demo_window.tree.select_camera(demo_cameras["gate"].id)

    demo_window.commands.test_camera.trigger()

    qtbot.waitUntil(lambda: "Online" in demo_window.notice_bar.text_label.text())
    assert (
        demo_window.notice_bar.text_label.text() == "“North gate”: Online · H264 1280x720 @ 25 fps"
    )
    assert demo_window.counts_label.text() == "Online 3/4 · 1 failing"


def test_camera_actions_are_disabled_without_a_selected_camera(demo_window: MainWindow) -> None:
    commands = demo_window.commands
    assert not commands.edit_camera.isEnabled()
    assert not commands.delete_camera.isEnabled()
    assert commands.add_camera.isEnabled()


def test_context_menu_on_a_camera_offers_edit_test_and_delete(
    demo_window: MainWindow, demo_cameras: dict[str, Camera]
) -> None:
    demo_window.tree.select_camera(demo_cameras["gate"].id)

    menu = demo_window.commands.build_menu(demo_window.tree.selection())

    texts = [a.text().replace("&", "") for a in menu.actions() if not a.isSeparator()]
    assert texts[:4] == ["Edit camera…", "Test connection", "Disable camera", "Delete camera…"]
    menu.deleteLater()


def test_double_clicking_a_card_opens_the_edit_dialog(
    qtbot: QtBot, demo_window: MainWindow, demo_cameras: dict[str, Camera]
) -> None:
    card = demo_window.overview.cards()[demo_cameras["reception"].id]

    qtbot.mouseDClick(card, Qt.MouseButton.LeftButton)

    dialog = child_of(qtbot, demo_window, CameraDialog)
    assert dialog.form.name.text() == "Reception"
    dialog.reject()


def test_import_errors_are_listed_and_say_nothing_was_imported(
    qtbot: QtBot, demo_window: MainWindow, fake_backend: FakeBackend, tmp_path: Path
) -> None:
    errors = tuple(LineError(n, "main_url", "Not an RTSP URL") for n in range(2, 80))
    fake_backend.failures["import_cameras"] = ImportFileError("The file has 78 problems.", errors)
    source = tmp_path / "cameras.csv"
    source.write_text("name,main_url\n", encoding="utf-8")

    choose_file(qtbot, demo_window, demo_window.commands.import_cameras, source)

    dialog = child_of(qtbot, demo_window, ImportErrorsDialog)
    lines = dialog.error_list.toPlainText().splitlines()
    assert lines[0] == "line 2, main_url: Not an RTSP URL"
    assert len(lines) == MAX_LISTED_ERRORS + 1
    assert lines[-1] == "… and 28 more problems"
    assert "Nothing was imported" in dialog.heading.text()
    dialog.close()


def test_import_through_the_file_dialog_adds_the_cameras(
    qtbot: QtBot, demo_window: MainWindow, fake_backend: FakeBackend, tmp_path: Path
) -> None:
    source = tmp_path / "cameras.json"
    source.write_text(json.dumps([{"name": "Roof", "main_url": "rtsp://192.0.2.40/live"}]), "utf-8")

    choose_file(qtbot, demo_window, demo_window.commands.import_cameras, source)

    qtbot.waitUntil(lambda: len(demo_window.overview.cards()) == 5)
    assert [c.args for c in fake_backend.calls_to("import_cameras")] == [(source,)]
    assert demo_window.notice_bar.text_label.text() == "Imported 1 cameras from cameras.json."


def test_export_through_the_file_dialog_writes_the_file(
    qtbot: QtBot, demo_window: MainWindow, fake_backend: FakeBackend, tmp_path: Path
) -> None:
    target = tmp_path / "out.csv"

    choose_file(qtbot, demo_window, demo_window.commands.export_cameras, target)

    qtbot.waitUntil(lambda: target.exists())
    assert [c.args for c in fake_backend.calls_to("export_cameras")] == [(target, ExportFormat.CSV)]
    qtbot.waitUntil(lambda: "Exported 4 cameras" in demo_window.notice_bar.text_label.text())


def choose_file(qtbot: QtBot, window: MainWindow, action: QAction, path: Path) -> None:
    """Trigger `action`, then pick `path` in the (Qt, non-native) file dialog it opens."""
    action.trigger()
    dialog = child_of(qtbot, window, QFileDialog)
    dialog.selectFile(str(path))
    dialog.accept()

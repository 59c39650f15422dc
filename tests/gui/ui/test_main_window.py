"""Tests for vas_console/ui/main_window.py: the tree, the overview, the status bar, events and the log."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QWidget
from pytestqt.qtbot import QtBot

from backend_embed.api import (
    BackendRestarted,
    BackendStopped,
    Camera,
    CameraGroup,
    CameraRemoved,
    CamerasChanged,
    CameraStatus,
    CameraStatusChanged,
    CameraStatusInfo,
    DatabaseError,
    GroupsChanged,
)
from tests.helpers.fake_backend import ONLINE_PROBE, FakeBackend
from vas_console.logsetup import LogBuffer
from vas_console.ui.camera_tree import CameraTreeModel
from vas_console.ui.main_window import MainWindow
from vas_console.ui.notices import NoticeLevel


def tree_rows(model: CameraTreeModel) -> dict[str, list[tuple[str, str]]]:
    """{folder name: [(camera name, status text), ...]} in model order."""
    rows: dict[str, list[tuple[str, str]]] = {}
    for g in range(model.rowCount()):
        folder = model.item(g, 0)
        rows[folder.text()] = [
            (folder.child(r, 0).text(), folder.child(r, 1).text()) for r in range(folder.rowCount())
        ]
    return rows


def all_widget_text(root: QWidget) -> str:
    """Every label, tooltip, window title and plain-text view under `root` (what an operator can see)."""
    parts = [root.windowTitle(), root.toolTip()]
    for widget in root.findChildren(QWidget):
        parts.append(widget.toolTip())
        if isinstance(widget, QLabel):
            parts.append(widget.text())
        if isinstance(widget, QPlainTextEdit):
            parts.append(widget.toPlainText())
    return "\n".join(parts)


def test_tree_shows_groups_as_folders_with_cameras_and_their_status(
    demo_window: MainWindow,
) -> None:
    rows = tree_rows(demo_window.tree.model)

    assert set(rows) == {"Lobby", "Yard"}
    assert sorted(rows["Lobby"]) == [
        ("Entrance", "Online · H264 1280x720 @ 25 fps"),
        ("Reception", "Online · H264 1920x1080 @ 30 fps"),
    ]
    assert sorted(rows["Yard"]) == [
        ("Loading dock", "Authentication failed: The camera rejected the password"),
        ("North gate", "Offline: No route to host 192.0.2.21"),
    ]


def test_cameras_without_group_are_listed_under_ungrouped(
    make_window: Callable[[], MainWindow], fake_backend: FakeBackend
) -> None:
    fake_backend.seed_group("Lobby")
    fake_backend.seed_camera("Spare", "rtsp://192.0.2.30/live")

    window = make_window()

    assert tree_rows(window.tree.model)["Ungrouped"] == [("Spare", "Not checked yet")]


def test_camera_tooltip_shows_url_location_and_tags_without_credentials(
    demo_window: MainWindow, demo_cameras: dict[str, Camera]
) -> None:
    index = demo_window.tree.model.camera_row(demo_cameras["entrance"].id)
    tooltip = index.data(Qt.ItemDataRole.ToolTipRole)

    assert "Main: rtsp://192.0.2.11:554/main" in tooltip
    assert "Location: Main hall" in tooltip
    assert "Tags: entrance, indoor" in tooltip
    assert "s3cret" not in tooltip


def test_status_bar_counts_online_cameras_and_names_the_database(demo_window: MainWindow) -> None:
    assert demo_window.counts_label.text() == "Online 2/4 · 2 failing"
    assert demo_window.database_label.text() == "Database: SQLite"


def test_status_event_updates_tree_cards_and_counts(
    qtbot: QtBot,
    demo_window: MainWindow,
    fake_backend: FakeBackend,
    demo_cameras: dict[str, Camera],
) -> None:
    gate = demo_cameras["gate"]

    fake_backend.set_status(CameraStatusInfo(gate.id, CameraStatus.ONLINE, probe=ONLINE_PROBE))

    qtbot.waitUntil(lambda: demo_window.counts_label.text() == "Online 3/4 · 1 failing")
    assert ("North gate", "Online · H264 1280x720 @ 25 fps") in tree_rows(demo_window.tree.model)[
        "Yard"
    ]
    card = demo_window.overview.cards()[gate.id]
    assert card.status_label.text() == "Online"
    assert card.detail_label.text() == "H264 1280x720 @ 25 fps"


def test_status_event_from_a_worker_thread_reaches_the_window(
    qtbot: QtBot,
    demo_window: MainWindow,
    fake_backend: FakeBackend,
    demo_cameras: dict[str, Camera],
) -> None:
    info = CameraStatusInfo(demo_cameras["entrance"].id, CameraStatus.OFFLINE, "Connection refused")
    worker = threading.Thread(target=fake_backend.emit, args=(CameraStatusChanged(info),))

    worker.start()
    worker.join()

    qtbot.waitUntil(lambda: demo_window.counts_label.text() == "Online 1/4 · 3 failing")
    card = demo_window.overview.cards()[info.camera_id]
    assert card.detail_label.text() == "Connection refused"


def test_camera_removed_event_drops_its_row_and_card(
    qtbot: QtBot,
    demo_window: MainWindow,
    fake_backend: FakeBackend,
    demo_cameras: dict[str, Camera],
) -> None:
    gate = demo_cameras["gate"]
    del fake_backend.cameras[gate.id]

    fake_backend.emit(CameraRemoved(gate.id))

    qtbot.waitUntil(lambda: gate.id not in demo_window.overview.cards())
    assert [name for name, _ in tree_rows(demo_window.tree.model)["Yard"]] == ["Loading dock"]


def test_groups_changed_event_reloads_the_groups(
    qtbot: QtBot, demo_window: MainWindow, fake_backend: FakeBackend
) -> None:
    lobby = next(g for g in fake_backend.groups.values() if g.name == "Lobby")
    fake_backend.groups[lobby.id] = CameraGroup(lobby.id, "Main lobby")

    fake_backend.emit(GroupsChanged())

    qtbot.waitUntil(lambda: "Main lobby" in tree_rows(demo_window.tree.model))
    assert "Lobby" not in tree_rows(demo_window.tree.model)


def test_disabled_camera_shows_as_disabled_and_leaves_the_online_count(
    qtbot: QtBot,
    demo_window: MainWindow,
    fake_backend: FakeBackend,
    demo_cameras: dict[str, Camera],
) -> None:
    disabled = replace(demo_cameras["reception"], enabled=False)

    fake_backend.emit(CamerasChanged((disabled,)))

    qtbot.waitUntil(lambda: "1 disabled" in demo_window.counts_label.text())
    assert ("Reception", "Disabled") in tree_rows(demo_window.tree.model)["Lobby"]
    assert demo_window.counts_label.text() == "Online 1/3 · 2 failing · 1 disabled"


def test_password_never_appears_in_tree_cards_status_bar_or_log(
    qtbot: QtBot,
    demo_window: MainWindow,
    fake_backend: FakeBackend,
    log_buffer: LogBuffer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert fake_backend.passwords  # the demo holds two passwords
    caplog.set_level(logging.INFO, logger="vas_console")
    logging.getLogger("vas_console").addHandler(log_buffer)
    try:
        demo_window.log_action.trigger()
        demo_window.tasks.start(demo_window.load(), name="reload")
        qtbot.waitUntil(lambda: "Showing 4 cameras" in demo_window.log_view.toPlainText())
    finally:
        logging.getLogger("vas_console").removeHandler(log_buffer)

    shown = all_widget_text(demo_window)
    for item_text in _model_texts(demo_window.tree.model):
        shown += "\n" + item_text
    for password in fake_backend.passwords.values():
        assert password not in shown


def _model_texts(model: CameraTreeModel) -> list[str]:
    texts = []
    for g in range(model.rowCount()):
        folder = model.item(g, 0)
        for r in range(folder.rowCount()):
            for c in range(2):
                item = folder.child(r, c)
                texts += [item.text(), item.toolTip()]
    return texts


def test_log_view_shows_new_log_lines(
    qtbot: QtBot, main_window: MainWindow, log_buffer: LogBuffer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="vas_console.test")
    logger = logging.getLogger("vas_console.test")
    logger.addHandler(log_buffer)
    try:
        logger.info("Camera %s reconnected", "Entrance")
    finally:
        logger.removeHandler(log_buffer)

    qtbot.waitUntil(lambda: "Camera Entrance reconnected" in main_window.log_view.toPlainText())
    assert main_window.log_view.isReadOnly()


def test_log_view_is_hidden_until_chosen_in_the_view_menu(main_window: MainWindow) -> None:
    assert not main_window.log_view.isVisible()

    main_window.log_action.trigger()

    assert main_window.log_view.isVisible()


def test_backend_failure_while_loading_shows_a_notice(
    qtbot: QtBot, make_window: Callable[[], MainWindow], fake_backend: FakeBackend
) -> None:
    fake_backend.failures["list_cameras"] = DatabaseError("The database cannot be opened.")

    window = make_window()

    assert window.notice_bar.level is NoticeLevel.ERROR
    assert window.notice_bar.text_label.text() == "The database cannot be opened."
    assert window.statusBar().currentMessage() == "The database cannot be opened."


def test_a_backend_that_stopped_on_its_own_is_reported_loudly_and_commands_go_off(
    qtbot: QtBot, demo_window: MainWindow, fake_backend: FakeBackend
) -> None:
    assert demo_window.commands.import_cameras.isEnabled()
    assert demo_window.counts_label.text() == "Online 2/4 · 2 failing"

    fake_backend.emit(BackendStopped("The recorder stopped unexpectedly; restart the console."))

    qtbot.waitUntil(lambda: demo_window.notice_bar.level is NoticeLevel.ERROR)
    assert "Recording has stopped" in demo_window.notice_bar.text_label.text()
    assert not demo_window.commands.import_cameras.isEnabled()
    # nothing stale: no camera is shown online or recording any more
    assert demo_window.counts_label.text().startswith("Online 0/4")
    assert "Recording 0/" in demo_window.recording_label.text()
    boxes = [
        w for w in demo_window.findChildren(QWidget) if w.windowTitle() == "The recorder stopped"
    ]
    assert boxes
    assert boxes[0].isVisible()


def test_a_backend_that_came_back_shows_it_and_the_commands_work_again(
    qtbot: QtBot, demo_window: MainWindow, fake_backend: FakeBackend
) -> None:
    fake_backend.emit(BackendStopped("The recorder stopped unexpectedly; it is being restarted."))
    qtbot.waitUntil(lambda: not demo_window.commands.import_cameras.isEnabled())
    assert demo_window.counts_label.text().startswith("Online 0/4")
    boxes = [
        w for w in demo_window.findChildren(QWidget) if w.windowTitle() == "The recorder stopped"
    ]
    assert len(boxes) == 1
    assert boxes[0].isVisible()

    fake_backend.emit(BackendRestarted("The recorder stopped unexpectedly and was restarted."))

    qtbot.waitUntil(lambda: demo_window.notice_bar.level is NoticeLevel.INFO)
    assert demo_window.notice_bar.text_label.text() == (
        "The recorder stopped unexpectedly and was restarted. Recording resumes."
    )
    assert demo_window.commands.import_cameras.isEnabled()
    # the box that said nothing records is gone: no longer true
    assert not [
        w
        for w in demo_window.findChildren(QWidget)
        if w.windowTitle() == "The recorder stopped" and w.isVisible()
    ]
    # the tree and the status bar show the backend's statuses again, not the stopped ones
    qtbot.waitUntil(lambda: demo_window.counts_label.text() == "Online 2/4 · 2 failing")


def test_quit_asks_the_composition_root_and_leaves_the_window_open(
    qtbot: QtBot, main_window: MainWindow
) -> None:
    with qtbot.waitSignal(main_window.quit_requested, timeout=1000):
        main_window.close()

    assert main_window.isVisible()


def test_close_for_quit_unsubscribes_from_the_backend(
    main_window: MainWindow, fake_backend: FakeBackend
) -> None:
    assert fake_backend.subscriber_count == 1

    main_window.close_for_quit()

    assert fake_backend.subscriber_count == 0
    assert not main_window.isVisible()


def test_empty_backend_shows_a_hint_to_add_cameras(main_window: MainWindow) -> None:
    assert main_window.overview.empty_hint.isVisible()
    assert main_window.counts_label.text() == "No cameras"

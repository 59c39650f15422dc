"""BookmarkDialog: defaults, inline validation, exact range, tags; BookmarkEditor: save and backend refusal."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QDateTime, QSettings
from PySide6.QtWidgets import QDialogButtonBox, QWidget
from pytestqt.qtbot import QtBot

from backend_embed.api import BookmarkDraft, Camera, InvalidInputError
from tests.gui.bookmarks.conftest import T0
from tests.helpers.fake_backend import FakeBackend
from vas_console.ui.bookmarks.bookmark_actions import BookmarkEditor, default_name, now_range
from vas_console.ui.bookmarks.bookmark_dialog import BookmarkDialog, parse_tags
from vas_console.ui.bookmarks.settings import NOW_WINDOW_KEY, now_window_s


def press_ok(dialog: BookmarkDialog) -> None:
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def test_a_new_bookmark_is_locked_by_default_and_keeps_the_exact_range(qtbot: QtBot) -> None:
    dialog = BookmarkDialog(7, "Gate", T0 + 123, T0 + 10_456, name="Van")
    qtbot.addWidget(dialog)
    assert dialog.camera_label.text() == "Gate"
    assert dialog.lock_box.isChecked()
    assert dialog.start_edit.displayFormat() == "yyyy-MM-dd HH:mm:ss"
    with qtbot.waitSignal(dialog.submitted) as signal:
        press_ok(dialog)
    assert signal.args == [BookmarkDraft(7, T0 + 123, T0 + 10_456, "Van", "", (), True)]


def test_name_is_required_and_the_end_must_follow_the_start(qtbot: QtBot) -> None:
    dialog = BookmarkDialog(7, "Gate", T0, T0 + 10_000)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.name_edit.setText("   ")
    dialog.end_edit.setDateTime(QDateTime.fromMSecsSinceEpoch(T0 - 60_000))
    submitted: list[object] = []
    dialog.submitted.connect(submitted.append)
    press_ok(dialog)
    assert submitted == []
    assert dialog.error_label.isVisible()
    assert "name" in dialog.error_label.text()
    assert "end must be after the start" in dialog.error_label.text()
    dialog.name_edit.setText("Fixed")
    dialog.end_edit.setDateTime(QDateTime.fromMSecsSinceEpoch(T0 + 20_000))
    press_ok(dialog)
    assert len(submitted) == 1
    draft = submitted[0]
    assert isinstance(draft, BookmarkDraft)
    assert (draft.start_ms, draft.end_ms) == (T0, T0 + 20_000)  # edited: whole seconds
    assert not dialog.error_label.isVisible()


def test_tags_are_split_on_commas_trimmed_and_deduplicated() -> None:
    assert parse_tags(" theft, Gate ,, gate,night ") == ("theft", "Gate", "night")
    assert parse_tags("") == ()


def test_note_tags_and_unlock_reach_the_draft(qtbot: QtBot) -> None:
    dialog = BookmarkDialog(3, "Yard", T0, T0 + 5000, name="Fox")
    qtbot.addWidget(dialog)
    dialog.note_edit.setPlainText("ran across the lawn")
    dialog.tags_edit.setText("animal, night")
    dialog.lock_box.setChecked(False)
    draft = dialog.draft()
    assert (draft.note, draft.tags, draft.locked) == (
        "ran across the lawn",
        ("animal", "night"),
        False,
    )


def test_editor_adds_and_closes_or_shows_the_backend_refusal_inline(
    qtbot: QtBot, qt_loop: asyncio.AbstractEventLoop, fake_backend: FakeBackend
) -> None:
    camera = fake_backend.seed_camera("Gate")
    parent = QWidget()
    qtbot.addWidget(parent)
    editor = BookmarkEditor(fake_backend, parent)
    notices: list[str] = []
    editor.notice.connect(notices.append)
    dialog = editor.add(camera.id, camera.name, T0, T0 + 8000)
    assert dialog.name_edit.text() == default_name("Gate", T0)
    fake_backend.failures["add_bookmark"] = InvalidInputError("The range is too long.")
    press_ok(dialog)
    qtbot.waitUntil(lambda: dialog.error_label.text() == "The range is too long.")
    assert dialog.isVisible()
    press_ok(dialog)
    qtbot.waitUntil(lambda: bool(notices))
    assert editor.dialog is None  # accepted and closed
    draft = fake_backend.calls_to("add_bookmark")[-1].args[0]
    assert (draft.camera_id, draft.start_ms, draft.end_ms, draft.locked) == (
        camera.id,
        T0,
        T0 + 8000,
        True,
    )
    assert notices == [f"Bookmark added: {default_name('Gate', T0)} (locked)"]


def test_bookmark_now_uses_the_configured_window(
    qtbot: QtBot, qt_loop: asyncio.AbstractEventLoop, fake_backend: FakeBackend, tmp_path: object
) -> None:
    settings = QSettings(f"{tmp_path}/settings.ini", QSettings.Format.IniFormat)
    assert now_window_s(settings) == 5
    parent = QWidget()
    qtbot.addWidget(parent)
    editor = BookmarkEditor(fake_backend, parent, settings=settings)
    dialog = editor.bookmark_now(4, "Yard", now_ms=T0)
    assert (dialog.start_edit.wall_ms(), dialog.end_edit.wall_ms()) == now_range(T0, 5)
    assert now_range(T0, 5) == (T0 - 5000, T0 + 5000)
    assert dialog.name_edit.text() == default_name("Yard", T0)
    dialog.close()
    settings.setValue(NOW_WINDOW_KEY, 20)
    dialog = editor.bookmark_now(4, "Yard", now_ms=T0)
    assert (dialog.start_edit.wall_ms(), dialog.end_edit.wall_ms()) == (T0 - 20_000, T0 + 20_000)
    settings.setValue(NOW_WINDOW_KEY, "nonsense")
    assert now_window_s(settings) == 5


def test_editing_keeps_the_bookmark_values_and_updates_it(
    qtbot: QtBot, qt_loop: asyncio.AbstractEventLoop, fake_backend: FakeBackend
) -> None:
    camera: Camera = fake_backend.seed_camera("Gate")
    parent = QWidget()
    qtbot.addWidget(parent)
    editor = BookmarkEditor(fake_backend, parent)
    draft = BookmarkDraft(camera.id, T0, T0 + 4000, "Van", "white", ("vehicle",), False)
    bookmark = fake_backend._bookmark_of(99, draft, T0)
    fake_backend.bookmarks[99] = bookmark
    dialog = editor.edit(bookmark, "Gate")
    assert dialog.windowTitle() == "Edit bookmark"
    assert (dialog.name_edit.text(), dialog.tags_edit.text()) == ("Van", "vehicle")
    assert not dialog.lock_box.isChecked()
    dialog.name_edit.setText("White van")
    press_ok(dialog)
    qtbot.waitUntil(lambda: bool(fake_backend.calls_to("update_bookmark")))
    call = fake_backend.calls_to("update_bookmark")[-1]
    assert call.args[0] == 99
    assert call.args[1] == BookmarkDraft(
        camera.id, T0, T0 + 4000, "White van", "white", ("vehicle",), False
    )

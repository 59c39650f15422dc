"""BookmarkList: table contents, debounced search, camera filter, play, lock/unlock, delete rules, events."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QTableWidgetItem
from pytestqt.qtbot import QtBot

from backend_embed.api import Bookmark, BookmarksChanged, Camera
from tests.gui.bookmarks.conftest import T0, seed_bookmark
from tests.helpers.fake_backend import FakeBackend
from vas_console.ui.bookmarks.bookmark_list import (
    LOCK_COLUMN,
    NAME_COLUMN,
    BookmarkList,
    format_duration,
)


def cell(widget: BookmarkList, row: int, column: int) -> QTableWidgetItem:
    item = widget.table.item(row, column)
    assert item is not None
    return item


def names(widget: BookmarkList) -> list[str]:
    return [cell(widget, row, 3).text() for row in range(widget.table.rowCount())]


def select_named(widget: BookmarkList, name: str) -> Bookmark:
    bookmark = next(b for b in widget.bookmarks if b.name == name)
    widget.select(bookmark.id)
    assert widget.selected() == bookmark
    return bookmark


def test_table_shows_camera_start_duration_name_tags_and_lock(bookmark_list: BookmarkList) -> None:
    assert names(bookmark_list) == ["Van at the gate", "Delivery", "Fox", "Gate left open"]
    assert [cell(bookmark_list, 0, c).text() for c in (0, 2, 4)] == ["Gate", "30 s", "vehicle"]
    assert cell(bookmark_list, 3, 2).text() == "2 min 05 s"
    assert not cell(bookmark_list, 0, LOCK_COLUMN).icon().isNull()
    assert cell(bookmark_list, 1, LOCK_COLUMN).icon().isNull()
    assert cell(bookmark_list, 1, 0).toolTip() == "parcel left outside"


def test_in_a_narrow_dock_the_name_keeps_the_room_on_one_line(
    qtbot: QtBot, bookmark_list: BookmarkList
) -> None:
    bookmark_list.resize(390, 400)  # the Bookmarks dock's width beside a 1366 px window
    qtbot.wait(50)
    header = bookmark_list.table.horizontalHeader()
    assert not bookmark_list.table.wordWrap()  # a long name is elided, never broken over two lines
    assert header.sectionSize(NAME_COLUMN) >= 100
    assert header.sectionSize(NAME_COLUMN) > header.sectionSize(0)
    # Duration and Tags are left out there; the name's tooltip gives them
    assert [bookmark_list.table.isColumnHidden(c) for c in range(6)] == [0, 0, 1, 0, 1, 0]
    assert bookmark_list.table.horizontalScrollBar().maximum() == 0  # everything fits
    assert cell(bookmark_list, 0, NAME_COLUMN).toolTip() == "Van at the gate\n30 s · vehicle"
    assert cell(bookmark_list, 1, NAME_COLUMN).toolTip() == "Delivery\nparcel left outside\n30 s"
    bookmark_list.resize(800, 400)
    qtbot.wait(50)
    assert not any(bookmark_list.table.isColumnHidden(c) for c in range(6))


def test_search_is_debounced_and_matches_name_note_and_tags(
    qtbot: QtBot, bookmark_list: BookmarkList, fake_backend: FakeBackend
) -> None:
    before = len(fake_backend.calls_to("list_bookmarks"))
    for text in ("p", "pa", "parcel"):
        bookmark_list.search.setText(text)
    qtbot.waitUntil(lambda: names(bookmark_list) == ["Delivery"])  # matched in the note
    assert len(fake_backend.calls_to("list_bookmarks")) == before + 1  # one query for three keys
    assert fake_backend.calls_to("list_bookmarks")[-1].args[0].text == "parcel"
    bookmark_list.search.setText("NIGHT")  # a tag, any case
    qtbot.waitUntil(lambda: names(bookmark_list) == ["Fox"])
    bookmark_list.search.setText("gate")
    qtbot.waitUntil(lambda: names(bookmark_list) == ["Van at the gate", "Gate left open"])


def test_camera_filter_shows_one_camera(
    qtbot: QtBot, bookmark_list: BookmarkList, cameras: list[Camera]
) -> None:
    combo = bookmark_list.camera_filter
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "All cameras",
        "Entrance",
        "Gate",
        "Yard",
    ]
    combo.setCurrentIndex(combo.findData(cameras[1].id))
    combo.activated.emit(combo.currentIndex())
    qtbot.waitUntil(lambda: names(bookmark_list) == ["Van at the gate", "Gate left open"])
    assert bookmark_list.query().camera_ids == frozenset({cameras[1].id})


def test_play_and_double_click_open_the_bookmark_start_in_playback(
    qtbot: QtBot, bookmark_list: BookmarkList
) -> None:
    bookmark = select_named(bookmark_list, "Fox")
    with qtbot.waitSignal(bookmark_list.open_in_playback) as signal:
        bookmark_list.play_button.click()
    assert signal.args == [bookmark.camera_id, T0 + 120_000]
    item = cell(bookmark_list, 1, 0)
    with qtbot.waitSignal(bookmark_list.open_in_playback) as signal:
        bookmark_list.table.itemDoubleClicked.emit(item)
    assert signal.args[1] == T0 + 60_000


def test_lock_and_unlock_call_the_backend_and_relabel_the_button(
    qtbot: QtBot, bookmark_list: BookmarkList, fake_backend: FakeBackend
) -> None:
    van = select_named(bookmark_list, "Van at the gate")
    assert bookmark_list.lock_button.text() == "Unlock"
    bookmark_list.lock_button.click()
    qtbot.waitUntil(lambda: bookmark_list.lock_button.text() == "Lock")
    assert fake_backend.calls_to("set_bookmark_locked")[-1].args == (van.id, False)
    assert not fake_backend.bookmarks[van.id].locked
    bookmark_list.lock_button.click()
    qtbot.waitUntil(lambda: bookmark_list.lock_button.text() == "Unlock")
    assert fake_backend.calls_to("set_bookmark_locked")[-1].args == (van.id, True)


def test_deleting_a_locked_bookmark_is_refused_with_a_message(
    bookmark_list: BookmarkList, fake_backend: FakeBackend
) -> None:
    select_named(bookmark_list, "Van at the gate")
    notices: list[str] = []
    bookmark_list.notice.connect(notices.append)
    bookmark_list.delete_button.click()
    expected = "\u201cVan at the gate\u201d is locked: unlock it before deleting it."
    assert bookmark_list.message.isVisible()
    assert bookmark_list.message.text() == notices[-1] == expected
    assert fake_backend.calls_to("delete_bookmark") == []
    assert bookmark_list.findChild(QMessageBox) is None  # no confirmation asked


def test_deleting_an_unlocked_bookmark_asks_first(
    qtbot: QtBot, bookmark_list: BookmarkList, fake_backend: FakeBackend
) -> None:
    delivery = select_named(bookmark_list, "Delivery")
    bookmark_list.delete_button.click()
    box = bookmark_list.findChild(QMessageBox, "confirmBox")
    assert box is not None
    assert "Delivery" in box.text()
    delete = next(b for b in box.buttons() if b.text() == "Delete")
    delete.click()
    qtbot.waitUntil(lambda: "Delivery" not in names(bookmark_list))
    assert fake_backend.calls_to("delete_bookmark")[-1].args == (delivery.id,)


def test_bookmarks_changed_reloads(
    qtbot: QtBot, bookmark_list: BookmarkList, fake_backend: FakeBackend, cameras: list[Camera]
) -> None:
    seed_bookmark(fake_backend, cameras[2], T0 + 500_000, "Ladder")
    bookmark_list.handle_event(BookmarksChanged((cameras[2].id,)))
    qtbot.waitUntil(lambda: "Ladder" in names(bookmark_list))


def test_edit_opens_the_dialog_filled_in(bookmark_list: BookmarkList) -> None:
    select_named(bookmark_list, "Fox")
    bookmark_list.edit_button.click()
    dialog = bookmark_list.editor.dialog
    assert dialog is not None
    assert (dialog.name_edit.text(), dialog.tags_edit.text()) == ("Fox", "animal, night")
    assert dialog.camera_label.text() == "Yard"
    dialog.close()


def test_format_duration() -> None:
    assert [format_duration(ms) for ms in (400, 59_000, 61_000, 3_720_000)] == [
        "0 s",
        "59 s",
        "1 min 01 s",
        "1 h 02 min",
    ]

"""BookmarkList: every bookmark, searchable by text and filtered by camera, with play, edit, lock, delete."""

from __future__ import annotations

import asyncio
import logging

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QIcon, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from backend_embed.api import (
    BackendApi,
    BackendEvent,
    Bookmark,
    BookmarkQuery,
    BookmarksChanged,
    CameraRemoved,
    CamerasChanged,
)
from vas_console.ui import prompts, theme
from vas_console.ui.aio import TaskKeeper, async_slot
from vas_console.ui.bookmarks.bookmark_actions import BookmarkEditor, format_wall
from vas_console.ui.bookmarks.glyphs import icon

logger = logging.getLogger(__name__)

SEARCH_DELAY_MS = 250
COLUMNS = ("Camera", "Start", "Duration", "Name", "Tags", "")
NAME_COLUMN = 3
LOCK_COLUMN = 5
NARROW_COLUMNS = {0: 90, 4: 80}
"""Camera and Tags: a set width in px (elided; the operator can widen them), so the name keeps the room."""
HIDDEN_WHEN_NARROW = (2, 4)
NARROW_WIDTH = 560
"""Below this width (the Bookmarks dock) Duration and Tags are left out; the name's tooltip gives them."""


def format_duration(ms: int) -> str:
    """ "45 s", "2 min 05 s", "1 h 02 min"."""
    seconds = max(0, round(ms / 1000))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class BookmarkList(QWidget):
    """The bookmarks of every camera (or one), newest range last, as the backend's query finds them.

    Typing in the search box reloads after `SEARCH_DELAY_MS` (text matched in name, note and tags by the
    backend). Double-click or Play opens the bookmark in playback; Delete asks first and refuses a locked
    bookmark with a message to unlock it. Feed backend events to `handle_event` (on the GUI thread).

    Signals:
        open_in_playback(int, object): camera id and start (UTC ms) to play from.
        notice(str): an operator message (confirmations, refusals).
    """

    open_in_playback = Signal(int, object)
    notice = Signal(str)

    def __init__(self, backend: BackendApi, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("bookmarkList")
        self._backend = backend
        self.tasks = TaskKeeper(self)
        self.editor = BookmarkEditor(backend, self)
        self.editor.notice.connect(self.notice)
        self.editor.saved.connect(self._on_editor_saved)
        self.editor.tasks.backend_failed.connect(self.tasks.backend_failed)
        self.editor.tasks.failed_unexpectedly.connect(self.tasks.failed_unexpectedly)
        self._camera_names: dict[int, str] = {}
        self._bookmarks: list[Bookmark] = []
        self._reload_task: asyncio.Task[None] | None = None
        self.search = QLineEdit(self)
        self.search.setObjectName("bookmarkSearch")
        self.search.setPlaceholderText("Search name, note, tags")
        self.search.setClearButtonEnabled(True)
        self.camera_filter = QComboBox(self)
        self.camera_filter.setObjectName("bookmarkCameraFilter")
        self.camera_filter.addItem("All cameras", None)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._schedule_reload)
        self.search.textChanged.connect(self._search_timer.start)
        self.camera_filter.activated.connect(self._schedule_reload)
        self.table = self._make_table()
        self.message = QLabel(self)
        self.message.setObjectName("bookmarkMessage")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {theme.AMBER};")
        self.message.hide()
        self.play_button = self._button("bookmarkPlay", "Play", self.play_selected)
        self.edit_button = self._button("bookmarkEdit", "Edit…", self.edit_selected)
        self.lock_button = self._button("bookmarkLock", "Lock", self._on_lock_clicked)
        self.delete_button = self._button("bookmarkDelete", "Delete…", self.delete_selected)
        filters = QHBoxLayout()
        filters.addWidget(self.search, 1)
        filters.addWidget(self.camera_filter)
        buttons = QHBoxLayout()
        for button in (self.play_button, self.edit_button, self.lock_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self._update_buttons()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        narrow = self.width() < NARROW_WIDTH
        for column in HIDDEN_WHEN_NARROW:
            self.table.setColumnHidden(column, narrow)

    def _make_table(self) -> QTableWidget:
        table = QTableWidget(0, len(COLUMNS), self)
        table.setObjectName("bookmarkTable")
        table.setHorizontalHeaderLabels(list(COLUMNS))
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.verticalHeader().hide()
        # in a narrow dock the name keeps the room: camera and tags get a set width (elided, resizable)
        table.setWordWrap(False)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(NAME_COLUMN, QHeaderView.ResizeMode.Stretch)
        for column, width in NARROW_COLUMNS.items():
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, width)
        table.itemSelectionChanged.connect(self._update_buttons)
        table.itemDoubleClicked.connect(self._on_table_item_double_clicked)
        table.customContextMenuRequested.connect(self._on_table_context_menu)
        return table

    def _button(self, name: str, text: str, slot: object) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.clicked.connect(slot)
        return button

    # -- state -------------------------------------------------------------------------------------

    @property
    def bookmarks(self) -> list[Bookmark]:
        """The bookmarks shown, in table order."""
        return list(self._bookmarks)

    def selected(self) -> Bookmark | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self._bookmarks):
            return None
        return self._bookmarks[rows[0].row()]

    def select(self, bookmark_id: int) -> None:
        for row, bookmark in enumerate(self._bookmarks):
            if bookmark.id == bookmark_id:
                self.table.selectRow(row)

    def query(self) -> BookmarkQuery:
        camera = self.camera_filter.currentData()
        cameras = frozenset() if camera is None else frozenset({int(camera)})
        return BookmarkQuery(camera_ids=cameras, text=self.search.text().strip())

    async def reload(self) -> None:
        """Load the camera names (first time) and the bookmarks matching the search and filter."""
        if not self._camera_names:
            await self._load_cameras()
        bookmarks = await self._backend.list_bookmarks(self.query())
        self._show(bookmarks)

    def handle_event(self, event: BackendEvent) -> None:
        """Reload on bookmark and camera changes (call on the GUI thread)."""
        if isinstance(event, CamerasChanged):
            for camera in event.cameras:
                self._camera_names[camera.id] = camera.name
            self._fill_camera_filter()
            self._schedule_reload()
        elif isinstance(event, CameraRemoved | BookmarksChanged):
            self._schedule_reload()

    # -- actions -----------------------------------------------------------------------------------

    def play_selected(self) -> None:
        bookmark = self.selected()
        if bookmark is not None:
            self.open_in_playback.emit(bookmark.camera_id, bookmark.start_ms)

    def edit_selected(self) -> None:
        bookmark = self.selected()
        if bookmark is not None:
            self.editor.edit(bookmark, self._name_of(bookmark.camera_id))

    def delete_selected(self) -> None:
        bookmark = self.selected()
        if bookmark is None:
            return
        if bookmark.locked:
            self._say(f"\u201c{bookmark.name}\u201d is locked: unlock it before deleting it.")
            return
        prompts.confirm(
            self,
            "Delete bookmark",
            f"Delete the bookmark \u201c{bookmark.name}\u201d? Its recording is not deleted.",
            lambda: self._delete(bookmark),
        )

    def set_selected_locked(self, locked: bool) -> None:
        bookmark = self.selected()
        if bookmark is not None:
            self.tasks.start(self._set_locked(bookmark, locked), name="BookmarkList.lock")

    # -- helpers -----------------------------------------------------------------------------------

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()
        self.notice.emit(text)

    def _name_of(self, camera_id: int) -> str:
        return self._camera_names.get(camera_id, f"Camera {camera_id}")

    async def _load_cameras(self) -> None:
        cameras = await self._backend.list_cameras()
        self._camera_names = {c.id: c.name for c in cameras}
        self._fill_camera_filter()

    def _fill_camera_filter(self) -> None:
        current = self.camera_filter.currentData()
        self.camera_filter.clear()
        self.camera_filter.addItem("All cameras", None)
        for camera_id, name in sorted(self._camera_names.items(), key=lambda i: i[1].casefold()):
            self.camera_filter.addItem(name, camera_id)
        index = self.camera_filter.findData(current)
        self.camera_filter.setCurrentIndex(max(0, index))

    def _show(self, bookmarks: list[Bookmark]) -> None:
        chosen = self.selected()
        self._bookmarks = list(bookmarks)
        table = self.table
        table.setRowCount(len(bookmarks))
        lock = icon("lock", 14, theme.AMBER)
        for row, bookmark in enumerate(bookmarks):
            cells = (
                self._name_of(bookmark.camera_id),
                format_wall(bookmark.start_ms),
                format_duration(bookmark.end_ms - bookmark.start_ms),
                bookmark.name,
                ", ".join(bookmark.tags),
                "",
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, bookmark.id)
                if column == LOCK_COLUMN:
                    locked = bookmark.locked
                    item.setIcon(lock if locked else QIcon())
                    item.setToolTip("Locked: kept from deletion and retention" if locked else "")
                elif column == NAME_COLUMN:
                    facts = " · ".join((cells[2], *bookmark.tags))
                    item.setToolTip(
                        "\n".join(t for t in (bookmark.name, bookmark.note, facts) if t)
                    )
                elif bookmark.note:
                    item.setToolTip(bookmark.note)
                table.setItem(row, column, item)
        if chosen is not None:
            self.select(chosen.id)
        self._update_buttons()

    def _update_buttons(self) -> None:
        bookmark = self.selected()
        for button in (self.play_button, self.edit_button, self.lock_button, self.delete_button):
            button.setEnabled(bookmark is not None)
        self.lock_button.setText("Unlock" if bookmark is not None and bookmark.locked else "Lock")

    def _schedule_reload(self) -> None:
        if self._reload_task is not None and not self._reload_task.done():
            self._reload_task.cancel()
        self._reload_task = self.tasks.start(self.reload(), name="BookmarkList.reload")

    def _delete(self, bookmark: Bookmark) -> None:
        self.tasks.start(self._delete_bookmark(bookmark), name="BookmarkList.delete")

    async def _delete_bookmark(self, bookmark: Bookmark) -> None:
        await self._backend.delete_bookmark(bookmark.id)
        self.message.hide()
        self.notice.emit(f"Bookmark deleted: {bookmark.name}")
        await self.reload()

    async def _set_locked(self, bookmark: Bookmark, locked: bool) -> None:
        changed = await self._backend.set_bookmark_locked(bookmark.id, locked)
        self.message.hide()
        state = "locked" if changed.locked else "unlocked"
        self.notice.emit(f"Bookmark {state}: {changed.name}")
        await self.reload()

    def _on_lock_clicked(self) -> None:
        bookmark = self.selected()
        if bookmark is not None:
            self.set_selected_locked(not bookmark.locked)

    @async_slot
    async def _on_editor_saved(self) -> None:
        await self.reload()

    def _on_table_item_double_clicked(self, item: QTableWidgetItem) -> None:
        self.table.selectRow(item.row())
        self.play_selected()

    def _on_table_context_menu(self, pos: QPoint) -> None:
        item = self.table.itemAt(pos)
        if item is None:
            return
        self.table.selectRow(item.row())
        bookmark = self.selected()
        if bookmark is None:
            return
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.addAction("Play").triggered.connect(self.play_selected)
        menu.addAction("Edit…").triggered.connect(self.edit_selected)
        text = "Unlock" if bookmark.locked else "Lock"
        menu.addAction(text).triggered.connect(self._on_lock_clicked)
        menu.addSeparator()
        menu.addAction("Delete…").triggered.connect(self.delete_selected)
        menu.popup(self.table.viewport().mapToGlobal(pos))

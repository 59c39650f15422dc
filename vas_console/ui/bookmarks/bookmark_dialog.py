"""BookmarkDialog: add or edit one bookmark (camera, range, name, note, tags, lock), validated inline."""

from __future__ import annotations

from PySide6.QtCore import QDateTime, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from backend_embed.api import Bookmark, BookmarkDraft
from vas_console.ui import theme

TIME_FORMAT = "yyyy-MM-dd HH:mm:ss"


def parse_tags(text: str) -> tuple[str, ...]:
    """Comma separated tags, trimmed, empty and repeated ones dropped (first spelling wins)."""
    seen: set[str] = set()
    tags: list[str] = []
    for part in text.split(","):
        tag = part.strip()
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            tags.append(tag)
    return tuple(tags)


class _TimeField(QDateTimeEdit):
    """A date-time field to the second that gives back the exact ms it was given until it is edited."""

    def __init__(self, wall_ms: int, parent: QWidget) -> None:
        super().__init__(parent)
        self.setDisplayFormat(TIME_FORMAT)
        self.setCalendarPopup(True)
        self._exact = wall_ms
        self.setDateTime(QDateTime.fromMSecsSinceEpoch(wall_ms))

    def wall_ms(self) -> int:
        shown = int(self.dateTime().toMSecsSinceEpoch()) // 1000
        return self._exact if shown == self._exact // 1000 else shown * 1000


class BookmarkDialog(QDialog):
    """The bookmark form. A new bookmark is locked against deletion (and retention) unless unticked.

    Open it with `open()`. OK validates (a name; the end after the start) and shows problems inline;
    a valid form emits `submitted(BookmarkDraft)` and stays open until the owner calls `accept()` (saved)
    or `show_error(message)` (the backend refused it).

    Signals:
        submitted(BookmarkDraft): the operator pressed OK on a valid form.
    """

    submitted = Signal(object)

    def __init__(
        self,
        camera_id: int,
        camera_name: str,
        start_ms: int,
        end_ms: int,
        *,
        name: str = "",
        bookmark: Bookmark | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("bookmarkDialog")
        self.setWindowTitle("Edit bookmark" if bookmark is not None else "Add bookmark")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.camera_id = camera_id
        self.bookmark = bookmark
        if bookmark is not None:
            start_ms, end_ms, name = bookmark.start_ms, bookmark.end_ms, bookmark.name
        self.camera_label = QLabel(camera_name, self)
        self.camera_label.setTextFormat(Qt.TextFormat.PlainText)
        self.start_edit = _TimeField(start_ms, self)
        self.start_edit.setObjectName("bookmarkStart")
        self.end_edit = _TimeField(end_ms, self)
        self.end_edit.setObjectName("bookmarkEnd")
        self.name_edit = QLineEdit(name, self)
        self.name_edit.setObjectName("bookmarkName")
        self.name_edit.setPlaceholderText("Required")
        self.note_edit = QPlainTextEdit(self)
        self.note_edit.setObjectName("bookmarkNote")
        self.note_edit.setFixedHeight(72)
        self.tags_edit = QLineEdit(self)
        self.tags_edit.setObjectName("bookmarkTags")
        self.tags_edit.setPlaceholderText("Comma separated, e.g. theft, gate")
        self.lock_box = QCheckBox("Lock against deletion", self)
        self.lock_box.setObjectName("bookmarkLocked")
        self.lock_box.setToolTip(
            "A locked bookmark cannot be deleted, and its recording is kept from retention"
        )
        self.lock_box.setChecked(True if bookmark is None else bookmark.locked)
        if bookmark is not None:
            self.note_edit.setPlainText(bookmark.note)
            self.tags_edit.setText(", ".join(bookmark.tags))
        self.error_label = QLabel(self)
        self.error_label.setObjectName("bookmarkError")
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(f"color: {theme.ERROR};")
        self.error_label.hide()
        form = QFormLayout()
        form.addRow("Camera", self.camera_label)
        form.addRow("Start", self.start_edit)
        form.addRow("End", self.end_edit)
        form.addRow("Name", self.name_edit)
        form.addRow("Note", self.note_edit)
        form.addRow("Tags", self.tags_edit)
        form.addRow("", self.lock_box)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.name_edit.setFocus()
        self.name_edit.selectAll()
        self.resize(460, self.sizeHint().height())

    def draft(self) -> BookmarkDraft:
        """What the form holds now (not validated)."""
        return BookmarkDraft(
            camera_id=self.camera_id,
            start_ms=self.start_edit.wall_ms(),
            end_ms=self.end_edit.wall_ms(),
            name=self.name_edit.text().strip(),
            note=self.note_edit.toPlainText().strip(),
            tags=parse_tags(self.tags_edit.text()),
            locked=self.lock_box.isChecked(),
        )

    def problems(self) -> list[str]:
        """What keeps the form from being saved, in words ([] when valid)."""
        draft = self.draft()
        found = []
        if not draft.name:
            found.append("Give the bookmark a name.")
        if draft.end_ms <= draft.start_ms:
            found.append("The end must be after the start.")
        return found

    def show_error(self, message: str) -> None:
        """Show `message` under the form and let the operator try again."""
        self.error_label.setText(message)
        self.error_label.show()
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(True)

    def _on_buttons_accepted(self) -> None:
        problems = self.problems()
        if problems:
            self.show_error("\n".join(problems))
            if not self.draft().name:
                self.name_edit.setFocus()
            return
        self.error_label.hide()
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        self.submitted.emit(self.draft())

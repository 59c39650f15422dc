"""The tile header's hover buttons (back 30 s, play from…, live) and the non-blocking time picker."""

from __future__ import annotations

import time

from PySide6.QtCore import QDateTime, Signal
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from vas_console.ui import theme
from vas_console.ui.bookmarks.glyphs import icon

BACK_S = 30
PICKER_DEFAULT_AGO_MS = 5 * 60_000
_BUTTON_STYLE = (
    "QToolButton { padding: 0px 6px; border: 1px solid %s; border-radius: 3px; }"
    "QToolButton:hover { background: %s; }"
)
_LIVE_STYLE = (
    f"QToolButton {{ padding: 0px 6px; color: #ffffff; background: {theme.HIGHLIGHT};"
    f" border: 1px solid {theme.HIGHLIGHT}; border-radius: 3px; font-weight: bold; }}"
)


class TileButtons(QWidget):
    """Small buttons at the right end of a tile's header.

    "-30 s" and "Play from…" show while the tile is hovered (and playback is available); the snapshot and
    "bookmark now" icons while a tile with a camera shows live video and is hovered; "Live" whenever the
    tile plays recorded video.

    Signals:
        back_clicked(), pick_clicked(), live_clicked(), snapshot_clicked(), bookmark_clicked(): the
            operator pressed that button.
    """

    back_clicked = Signal()
    pick_clicked = Signal()
    live_clicked = Signal()
    snapshot_clicked = Signal()
    bookmark_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tileButtons")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 1, 2, 1)
        layout.setSpacing(3)
        self.back = self._button("backButton", f"-{BACK_S} s", f"Play the last {BACK_S} seconds")
        self.pick = self._button("pickButton", "Play from…", "Play recorded video from a time")
        self.live = self._button("liveButton", "Live", "Back to the live picture")
        self.live.setStyleSheet(_LIVE_STYLE)
        self.snapshot = self._button(
            "snapshotButton", "", "Save a snapshot of the live picture (S)"
        )
        self.snapshot.setIcon(icon("camera", 14))
        self.bookmark = self._button(
            "bookmarkNowButton", "", "Bookmark now: the seconds around this moment (B)"
        )
        self.bookmark.setIcon(icon("bookmark", 14))
        for button in (self.snapshot, self.bookmark, self.back, self.pick, self.live):
            layout.addWidget(button)
        self.back.clicked.connect(self.back_clicked)
        self.pick.clicked.connect(self.pick_clicked)
        self.live.clicked.connect(self.live_clicked)
        self.snapshot.clicked.connect(self.snapshot_clicked)
        self.bookmark.clicked.connect(self.bookmark_clicked)
        self.update_visibility(hovered=False, available=False, recorded=False)

    def _button(self, name: str, text: str, tip: str) -> QToolButton:
        button = QToolButton(self)
        button.setObjectName(name)
        button.setText(text)
        button.setToolTip(tip)
        button.setAutoRaise(True)
        button.setStyleSheet(_BUTTON_STYLE % (theme.BORDER_STRONG, theme.PANEL_HOVER))
        return button

    def update_visibility(
        self, *, hovered: bool, available: bool, recorded: bool, camera: bool = False
    ) -> None:
        """Show the buttons that apply now; the widget hides when none does."""
        self.back.setVisible(hovered and available)
        self.pick.setVisible(hovered and available)
        self.live.setVisible(recorded)
        evidence = hovered and camera and not recorded
        self.snapshot.setVisible(evidence)
        self.bookmark.setVisible(evidence)
        self.setVisible(recorded or (hovered and available) or evidence)
        self.adjustSize()

    def place(self, tile_width: int, header_height: int) -> None:
        """Put the buttons at the right end of a tile's header."""
        width = self.sizeHint().width()
        self.setGeometry(tile_width - width - 2, 0, width, header_height)


class TimePicker(QDialog):
    """A small non-modal dialog: a date and time to play a tile's camera from (shown with `show()`).

    Signals:
        time_chosen(int): the operator accepted; wall time in ms (UTC epoch).
    """

    time_chosen = Signal(object)  # int ms: beyond a C int

    def __init__(self, camera_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tileTimePicker")
        self.setWindowTitle(f"Play {camera_name} from")
        self.setModal(False)
        now_ms = int(time.time() * 1000)
        self.edit = QDateTimeEdit(self)
        self.edit.setDisplayFormat("yyyy-MM-dd HH:mm:ss")
        self.edit.setCalendarPopup(True)
        self.edit.setMaximumDateTime(QDateTime.fromMSecsSinceEpoch(now_ms))
        self.edit.setDateTime(QDateTime.fromMSecsSinceEpoch(now_ms - PICKER_DEFAULT_AGO_MS))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Play recorded video of {camera_name} from:", self))
        layout.addWidget(self.edit)
        layout.addWidget(buttons)

    def set_time(self, wall_ms: int) -> None:
        self.edit.setDateTime(QDateTime.fromMSecsSinceEpoch(wall_ms))

    def chosen_ms(self) -> int:
        return int(self.edit.dateTime().toMSecsSinceEpoch())

    def accept(self) -> None:
        self.time_chosen.emit(self.chosen_ms())
        super().accept()

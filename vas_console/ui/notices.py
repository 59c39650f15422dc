"""The notice bar: a non-modal, dismissable line above the overview for failures and confirmations."""

from __future__ import annotations

import enum

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

from vas_console.ui import theme

INFO_TIMEOUT_MS = 8000


class NoticeLevel(enum.StrEnum):
    """How a notice looks: information fades away by itself, an error stays until dismissed."""

    INFO = "info"
    ERROR = "error"


class NoticeBar(QFrame):
    """Shows the latest notice; a newer one replaces it. Hidden while there is nothing to say."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("noticeBar")
        self.text_label = QLabel(self)
        self.text_label.setObjectName("noticeText")
        self.text_label.setTextFormat(Qt.TextFormat.PlainText)
        self.text_label.setWordWrap(True)
        self.text_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton(self)
        close.setText("✕")
        close.setToolTip("Dismiss")
        close.setAutoRaise(True)
        close.clicked.connect(self._on_close_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 6, 6)
        layout.addWidget(self.text_label, 1)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.hide()

    @property
    def level(self) -> NoticeLevel | None:
        """The level of the notice shown, or None when hidden."""
        value = self.property("level")
        return NoticeLevel(value) if not self.isHidden() and value else None

    def show_notice(self, text: str, level: NoticeLevel = NoticeLevel.INFO) -> None:
        """Show `text` (plain text, already fit for the operator)."""
        self.text_label.setText(text)
        self.setProperty("level", str(level))
        theme.repolish(self)
        self.show()
        if level is NoticeLevel.INFO:
            self._timer.start(INFO_TIMEOUT_MS)
        else:
            self._timer.stop()

    def dismiss(self) -> None:
        self._timer.stop()
        self.hide()

    def _on_close_clicked(self) -> None:
        self.dismiss()

    def _on_timer_timeout(self) -> None:
        self.hide()

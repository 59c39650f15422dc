"""The in-app log view: the newest log lines from `LogBuffer`, appended live on the GUI thread."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from vas_console.logsetup import LogBuffer
from vas_console.ui.event_relay import LineRelay

MAX_LINES = 5000


class LogView(QPlainTextEdit):
    """A read-only, bounded view of the log.

    It listens to the buffer while attached; `detach()` must be called before the view is destroyed (the
    main window does it when it closes), or the buffer would call a deleted relay.
    """

    def __init__(self, buffer: LogBuffer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("logView")
        self.setReadOnly(True)
        self.setMaximumBlockCount(MAX_LINES)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setStyleHint(QFont.StyleHint.Monospace)
        self.setFont(font)
        self._buffer = buffer
        self._relay = LineRelay(self)
        self._relay.line_received.connect(self._on_relay_line_received)
        for line in buffer.lines():
            self.appendPlainText(line)
        buffer.set_listener(self._relay.post)
        self._attached = True

    def detach(self) -> None:
        """Stop listening to the buffer. Safe to call twice."""
        if self._attached:
            self._buffer.set_listener(None)
            self._attached = False

    def _on_relay_line_received(self, line: str) -> None:
        bar = self.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 2
        self.appendPlainText(line)
        if at_end:
            bar.setValue(bar.maximum())

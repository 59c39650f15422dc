"""Thread-safe relays that carry backend events and log lines from any thread to the GUI thread."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal

from backend_embed.api import BackendEvent


class EventRelay(QObject):
    """Re-emits backend events on the GUI thread.

    Pass `post` to `BackendApi.subscribe`: it may be called on any thread and never blocks. Delivery is
    always queued, even from the GUI thread, so a subscriber never runs inside the backend call that
    published the event. Must be created on the GUI thread.

    Signals:
        event_received(BackendEvent): a backend event, delivered on the GUI thread in publication order.
    """

    event_received = Signal(object)
    _posted = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._posted.connect(self._on_self_posted, Qt.ConnectionType.QueuedConnection)

    def post(self, event: BackendEvent) -> None:
        """Queue `event` for the GUI thread. Safe to call from any thread."""
        self._posted.emit(event)

    def _on_self_posted(self, event: BackendEvent) -> None:
        self.event_received.emit(event)


class LineRelay(QObject):
    """Re-emits text lines (new log lines) on the GUI thread; `post` may be called on any thread.

    Signals:
        line_received(str): one line, delivered on the GUI thread in order.
    """

    line_received = Signal(str)
    _posted = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._posted.connect(self._on_self_posted, Qt.ConnectionType.QueuedConnection)

    def post(self, line: str) -> None:
        """Queue `line` for the GUI thread. Safe to call from any thread."""
        self._posted.emit(line)

    def _on_self_posted(self, line: str) -> None:
        self.line_received.emit(line)

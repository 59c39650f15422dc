"""GuiPoster: runs callables posted from any thread (libVLC's) on the GUI thread, in order."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal


class GuiPoster(QObject):
    """The `post` function a `VlcPlayer` needs: thread-safe, never runs the callable inline.

    Must be created on the GUI thread. Delivery is a queued connection, so a callable posted from the GUI
    thread itself also runs later (never inside the libVLC call that caused it).
    """

    _posted = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._posted.connect(self._on_self_posted, Qt.ConnectionType.QueuedConnection)

    def post(self, callback: Callable[[], None]) -> None:
        """Queue `callback` for the GUI thread. Safe to call from any thread.

        Once Qt deleted the poster (its owner is gone) callbacks are dropped: the player that still
        reports is being closed.
        """
        try:
            self._posted.emit(callback)
        except RuntimeError:  # "Signal source has been deleted"
            return

    def _on_self_posted(self, callback: Callable[[], None]) -> None:
        callback()

"""What the evidence dialogs share: folder choosing, opening a folder, the backend event subscription."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QWidget

from backend_embed.api import BackendApi, BackendEvent
from vas_console.ui.event_relay import EventRelay

#: asks the operator for a folder: (parent, caption, start folder) -> the chosen folder, "" if none
ChooseFolder = Callable[[QWidget, str, str], str]
#: shows a folder in the desktop's file manager
ShowFolder = Callable[[str], None]


def choose_folder(parent: QWidget, caption: str, start: str) -> str:
    """The Qt folder chooser (not the native one: it works the same everywhere, offscreen too)."""
    return QFileDialog.getExistingDirectory(
        parent,
        caption,
        start,
        QFileDialog.Option.ShowDirsOnly | QFileDialog.Option.DontUseNativeDialog,
    )


def show_folder(folder: str) -> None:
    """Open `folder` in the desktop's file manager."""
    QDesktopServices.openUrl(QUrl.fromLocalFile(folder))


def local_time(ms: int) -> str:
    """UTC milliseconds as local `2026-11-21 11:30:22`."""
    return datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M:%S")


def duration_text(ms: int) -> str:
    """`45 s`, `5 min 30 s`, `2 h 05 min`."""
    seconds = max(0, ms) // 1000
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


class EventSubscription(QObject):
    """Backend events delivered on the GUI thread to `handler` until `close()` (or until it is deleted)."""

    def __init__(
        self, backend: BackendApi, handler: Callable[[BackendEvent], None], parent: QObject
    ) -> None:
        super().__init__(parent)
        self._relay = EventRelay(self)
        self._relay.event_received.connect(handler)
        held = [backend.subscribe(self._relay.post)]
        self._held = held

        def release() -> None:  # not a method: it runs while Qt destroys this object too
            while held:
                held.pop()()

        self._release = release
        self.destroyed.connect(release)

    def close(self) -> None:
        """Stop the subscription (idempotent)."""
        self._release()

"""Offline review: open a copied recordings folder (or an export) and play it without this installation's data."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QWidget

from backend_embed.api import BackendApi
from vas_console.ui.aio import TaskKeeper
from vas_console.ui.playback.recordings import OfflineRecordings
from vas_console.ui.playback_area import PlaybackArea

logger = logging.getLogger(__name__)


class OfflineReviewer(QObject):
    """Owns the "Open recordings folder…" action and what it starts.

    The folder is indexed read-only by the backend in a temporary index; its cameras (up to four, in sync)
    play in the Playback tab from the start of their recordings.

    Signals:
        opened(OfflineReview): a folder was opened and is playing.
    """

    opened = Signal(object)

    def __init__(
        self, backend: BackendApi, playback: PlaybackArea, tasks: TaskKeeper, window: QWidget
    ) -> None:
        super().__init__(window)
        self._backend = backend
        self._playback = playback
        self._tasks = tasks
        self._window = window
        self.action = QAction("Open &recordings folder…", window)
        self.action.setShortcut("Ctrl+O")
        self.action.triggered.connect(self._on_action_triggered)

    def _on_action_triggered(self) -> None:
        dialog = QFileDialog(self._window, "Open a recordings folder or an export")
        dialog.setObjectName("offlineFolderDialog")
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.fileSelected.connect(self.open_folder)
        dialog.open()

    def open_folder(self, folder: str) -> None:
        """Open `folder` for review (in a task: the backend indexes it first)."""
        self._tasks.start(self._open(Path(folder)), name="open offline review")

    async def _open(self, folder: Path) -> None:
        review = await self._backend.open_offline(folder)
        cameras = [(c.id, f"{c.name} (offline)") for c in review.cameras if c.start_ms is not None]
        recordings = OfflineRecordings(self._backend, review.id)
        if not cameras:
            await self._backend.close_offline(review.id)
            logger.info("No recordings in %s", folder)
            return
        start = min(c.start_ms for c in review.cameras if c.start_ms is not None)
        self._playback.open_cameras(cameras, at_ms=start, recordings=recordings)
        logger.info("Reviewing %s: %d cameras", folder, len(cameras))
        self.opened.emit(review)

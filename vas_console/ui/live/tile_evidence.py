"""TileEvidence: live snapshots and "bookmark now" from the wall's tiles, with a flash on the tile."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QRect, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget
from shiboken6 import Shiboken

from backend_embed.api import BackendApi, BackendError
from vas_console.ui import theme
from vas_console.ui.aio import TaskKeeper
from vas_console.ui.bookmarks.bookmark_actions import BookmarkEditor, format_wall
from vas_console.ui.live.video_tile import VideoTile

logger = logging.getLogger(__name__)

FLASH_MS = 600


class SnapshotFlash(QWidget):
    """A short translucent flash with a word over a tile's picture ("Snapshot saved", "Snapshot failed")."""

    def __init__(self, tile: VideoTile, text: str, *, error: bool = False) -> None:
        super().__init__(tile)
        self.setObjectName("snapshotFlash")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.text = text
        self.error = error
        self.setGeometry(tile.video_rect())
        QTimer.singleShot(FLASH_MS, self.deleteLater)
        self.show()
        self.raise_()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        colour = QColor(theme.ERROR if self.error else "#ffffff")
        colour.setAlpha(70)
        painter.fillRect(self.rect(), colour)
        metrics = painter.fontMetrics()
        box = QRect(0, 0, metrics.horizontalAdvance(self.text) + 24, metrics.height() + 12)
        box.moveCenter(self.rect().center())
        painter.fillRect(box, QColor(0, 0, 0, 190))
        painter.setPen(QColor(theme.ERROR if self.error else theme.TEXT))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, self.text)
        painter.end()


class TileEvidence(TaskKeeper):
    """Snapshots and bookmarks for the live wall's tiles (`attach` each tile as it is built).

    A snapshot is taken of the camera's newest main-stream frame (`take_live_snapshot`); the tile flashes
    "Snapshot saved" (or "Snapshot failed", and the `BackendError` goes to `backend_failed` as for every
    task of this keeper). "Bookmark now" opens the bookmark dialog for now ± the configured window.

    Signals:
        notice(str): "Snapshot saved: <camera> <time>", "Bookmark added: …".
    """

    notice = Signal(str)

    def __init__(
        self, backend: BackendApi, camera_of: Callable[[int], int | None], parent: QWidget
    ) -> None:
        super().__init__(parent)
        self._backend = backend
        self._camera_of = camera_of
        self.editor = BookmarkEditor(backend, parent)
        self.editor.notice.connect(self.notice)
        self.editor.tasks.backend_failed.connect(self.backend_failed)
        self.editor.tasks.failed_unexpectedly.connect(self.failed_unexpectedly)
        self.flashes: list[str] = []  # what was flashed, newest last (for tests and the log)

    def attach(self, tile: VideoTile) -> None:
        tile.snapshot_requested.connect(lambda _index: self.snapshot(tile))
        tile.bookmark_requested.connect(lambda _index: self.bookmark_now(tile))

    def snapshot(self, tile: VideoTile) -> None:
        camera_id = self._camera_of(tile.index)
        if camera_id is not None:
            self.start(self._snapshot(tile, camera_id), name=f"TileEvidence.snapshot({camera_id})")

    def bookmark_now(self, tile: VideoTile) -> None:
        camera_id = self._camera_of(tile.index)
        if camera_id is not None:
            self.editor.bookmark_now(camera_id, tile.camera_name or f"Camera {camera_id}")

    async def _snapshot(self, tile: VideoTile, camera_id: int) -> None:
        try:
            snapshot = await self._backend.take_live_snapshot(camera_id)
        except BackendError:
            self._flash(tile, "Snapshot failed", error=True)
            raise
        self._flash(tile, "Snapshot saved")
        name = snapshot.camera_name or tile.camera_name or f"Camera {camera_id}"
        self.notice.emit(f"Snapshot saved: {name} {format_wall(snapshot.time_ms)}")

    def _flash(self, tile: VideoTile, text: str, *, error: bool = False) -> None:
        self.flashes.append(text)
        if Shiboken.isValid(tile):  # not a tile a layout change deleted meanwhile
            SnapshotFlash(tile, text, error=error)

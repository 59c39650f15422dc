"""ThumbnailCache: snapshot thumbnails decoded in a worker thread, on demand, into a bounded LRU cache."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict

from PySide6.QtCore import QObject, QSize, Signal
from PySide6.QtGui import QImage, QImageReader, QPixmap

from backend_embed.api import Snapshot
from vas_console.ui.aio import TaskKeeper

logger = logging.getLogger(__name__)

THUMB_BOX = QSize(224, 126)
"""Thumbnails are decoded to fit this box (the delegate draws them at most this large)."""
MAX_PIXMAPS = 600
"""About 60 MB of thumbnails: several screens of a large gallery."""
MAX_QUEUED = 256
"""Requests beyond this drop the oldest: the grid scrolled past them, a later paint asks again."""
BATCH = 24


def decode_thumbnail(path: str, box: QSize = THUMB_BOX) -> QImage:
    """Read a JPEG scaled to fit `box` (decoding at the smaller size is cheaper); a null image if unreadable.

    Safe on any thread (QImage, not QPixmap).
    """
    reader = QImageReader(path)
    size = reader.size()
    if size.isValid() and size.width() > 0 and size.height() > 0:
        scale = min(box.width() / size.width(), box.height() / size.height(), 1.0)
        reader.setScaledSize(
            QSize(max(1, round(size.width() * scale)), max(1, round(size.height() * scale)))
        )
    return reader.read()


class ThumbnailCache(QObject):
    """Thumbnails by snapshot id: `pixmap()` answers from memory and queues what is missing.

    Only what the view paints is requested, so a grid of 10,000 snapshots decodes only the visible ones.
    Each thumbnail is decoded once while it stays among the MAX_PIXMAPS most recently used; an unreadable
    file is remembered as such (and drawn as a placeholder). Decoding runs in a worker thread, one batch
    at a time, newest requests first.

    Signals:
        loaded(): new thumbnails are ready (repaint).
    """

    loaded = Signal()

    def __init__(self, parent: QObject | None = None, *, capacity: int = MAX_PIXMAPS) -> None:
        super().__init__(parent)
        self._capacity = capacity
        self._pixmaps: OrderedDict[int, QPixmap | None] = OrderedDict()
        self._queue: OrderedDict[int, str] = OrderedDict()
        self._in_flight: set[int] = set()
        self._worker: asyncio.Task[None] | None = None
        self._tasks = TaskKeeper(self)
        self.decoded_ids: list[int] = []
        """Every snapshot id decoded, in order (repeats mean a thumbnail was evicted and decoded again)."""

    @property
    def tasks(self) -> TaskKeeper:
        return self._tasks

    def __len__(self) -> int:
        return len(self._pixmaps)

    def pixmap(self, snapshot: Snapshot) -> QPixmap | None:
        """The thumbnail if decoded (None while loading or if unreadable); queues the decode if needed."""
        if snapshot.id in self._pixmaps:
            self._pixmaps.move_to_end(snapshot.id)
            return self._pixmaps[snapshot.id]
        if snapshot.id in self._in_flight:
            return None
        self._queue[snapshot.id] = snapshot.thumbnail_path
        self._queue.move_to_end(snapshot.id)
        while len(self._queue) > MAX_QUEUED:
            self._queue.popitem(last=False)
        if self._worker is None or self._worker.done():
            try:
                asyncio.get_running_loop()
            except RuntimeError:  # a paint outside the application's loop: nothing can decode
                logger.debug("No event loop: thumbnail %s not loaded", snapshot.id)
                return None
            self._worker = self._tasks.start(self._drain(), name="ThumbnailCache.drain")
        return None

    def known(self, snapshot_id: int) -> bool:
        """True once the snapshot's thumbnail was decoded (or found unreadable) and is still cached."""
        return snapshot_id in self._pixmaps

    def forget(self, keep: set[int]) -> None:
        """Drop cached thumbnails and queued requests of snapshots not in `keep` (they were deleted)."""
        for snapshot_id in [i for i in self._pixmaps if i not in keep]:
            del self._pixmaps[snapshot_id]
        for snapshot_id in [i for i in self._queue if i not in keep]:
            del self._queue[snapshot_id]

    def close(self) -> None:
        """Stop decoding for good."""
        self._queue.clear()
        self._tasks.cancel_all()

    async def _drain(self) -> None:
        while self._queue:
            batch: list[tuple[int, str]] = []
            while self._queue and len(batch) < BATCH:
                batch.append(self._queue.popitem(last=True))  # newest first: what is on screen now
            self._in_flight = {snapshot_id for snapshot_id, _ in batch}
            try:
                images = await asyncio.to_thread(_decode_all, [path for _, path in batch])
            finally:
                self._in_flight = set()
            for (snapshot_id, _path), image in zip(batch, images, strict=True):
                self._pixmaps[snapshot_id] = None if image.isNull() else QPixmap.fromImage(image)
                self._pixmaps.move_to_end(snapshot_id)
                self.decoded_ids.append(snapshot_id)
            while len(self._pixmaps) > self._capacity:
                self._pixmaps.popitem(last=False)
            self.loaded.emit()


def _decode_all(paths: list[str]) -> list[QImage]:
    return [decode_thumbnail(path) for path in paths]

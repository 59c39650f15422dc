"""PreviewCache: hover thumbnails per camera and time bucket, listed and decoded ahead of the hover."""

from __future__ import annotations

import asyncio
import logging
import math
from collections import OrderedDict
from collections.abc import Iterable

from PySide6.QtCore import QObject, QSize, QTimer, Signal
from PySide6.QtGui import QImage, QImageReader

from backend_embed.api import Preview
from vas_console.ui.aio import TaskKeeper
from vas_console.ui.playback.recordings import Recordings

logger = logging.getLogger(__name__)

BUCKETS_PER_VIEW = 48
_BUCKET_LADDER_MS = (
    5_000, 10_000, 30_000, 60_000, 120_000, 300_000, 600_000,
    1_800_000, 3_600_000, 7_200_000, 21_600_000,
)  # fmt: skip
PROBE_WINDOW_MS = 60_000
"""A bucket's preview is the one nearest its middle within this window: cheap at any zoom."""
DEBOUNCE_MS = 120
MAX_IMAGES = 512
THUMB_SIZE = QSize(192, 108)

_Key = tuple[int, int, int]  # camera, bucket size, bucket index


def bucket_size(span_ms: float) -> int:
    """The bucket length for a view showing `span_ms`: about `BUCKETS_PER_VIEW` buckets across."""
    wanted = span_ms / BUCKETS_PER_VIEW
    return next((b for b in _BUCKET_LADDER_MS if b >= wanted), _BUCKET_LADDER_MS[-1])


def decode_thumbnail(path: str, width: int, height: int, box: QSize = THUMB_SIZE) -> QImage:
    """Read a preview JPEG scaled to fit `box` (decoding at the smaller size is cheaper). Any thread."""
    reader = QImageReader(path)
    if width > 0 and height > 0:
        scale = min(box.width() / width, box.height() / height, 1.0)
        reader.setScaledSize(QSize(max(1, round(width * scale)), max(1, round(height * scale))))
    return reader.read()


class PreviewCache(QObject):
    """Thumbnails for the timeline's hover, never decoded on the hover itself.

    `request` (called when the view settles and when the pointer enters a lane) lists the preview nearest
    the middle of each visible bucket and decodes it in a worker thread; `image_at` only looks in memory.
    A bucket without a preview is remembered as such. Failures are reported by `tasks`.

    Signals:
        changed(): new thumbnails were decoded.
    """

    changed = Signal()

    def __init__(self, backend: Recordings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._backend = backend
        self._tasks = TaskKeeper(self)
        self._images: OrderedDict[_Key, QImage | None] = OrderedDict()
        self._wanted: list[_Key] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._closed = False

    @property
    def tasks(self) -> TaskKeeper:
        return self._tasks

    def request(self, camera_ids: Iterable[int], start_ms: float, end_ms: float) -> None:
        """Prepare thumbnails for every bucket of [start, end) of these cameras (debounced)."""
        size = bucket_size(end_ms - start_ms)
        first, last = math.floor(start_ms / size), math.floor((end_ms - 1) / size)
        keys = [
            (camera, size, index)
            for camera in camera_ids
            for index in range(first, last + 1)
            if (camera, size, index) not in self._images
        ]
        if keys:
            self._wanted = keys
            self._timer.start()

    def image_at(self, camera_id: int, time_ms: float, span_ms: float) -> QImage | None:
        """The thumbnail of the bucket holding `time_ms` at this zoom, if already decoded."""
        size = bucket_size(span_ms)
        return self._images.get((camera_id, size, math.floor(time_ms / size)))

    def known(self, camera_id: int, time_ms: float, span_ms: float) -> bool:
        """True when the bucket was looked up (it may have no preview)."""
        size = bucket_size(span_ms)
        return (camera_id, size, math.floor(time_ms / size)) in self._images

    def close(self) -> None:
        """Stop fetching for good: pending requests are dropped and running fetches cancelled."""
        self._closed = True
        self._timer.stop()
        self._tasks.cancel_all()

    def _on_timer_timeout(self) -> None:
        wanted, self._wanted = self._wanted, []
        if wanted and not self._closed:
            self._tasks.start(self._load(wanted), name="PreviewCache.load")

    async def _load(self, keys: list[_Key]) -> None:
        previews = await asyncio.gather(*(self._nearest(key) for key in keys))
        for key, preview in zip(keys, previews, strict=True):
            image = None
            if preview is not None:
                image = await asyncio.to_thread(
                    decode_thumbnail, preview.path, preview.width, preview.height
                )
                if image.isNull():
                    logger.debug("Cannot read preview %s", preview.path)
                    image = None
            self._images[key] = image
            self._images.move_to_end(key)
        while len(self._images) > MAX_IMAGES:
            self._images.popitem(last=False)
        self.changed.emit()

    async def _nearest(self, key: _Key) -> Preview | None:
        camera_id, size, index = key
        middle = index * size + size // 2
        half = min(size, PROBE_WINDOW_MS) // 2
        found = await self._backend.previews(camera_id, middle - half, middle + half)
        return min(found, key=lambda p: abs(p.time_ms - middle), default=None)

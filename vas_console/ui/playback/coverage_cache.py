"""CoverageCache: recorded spans per camera, fetched in aligned chunks after a pause in zooming and panning."""

from __future__ import annotations

import asyncio
import bisect
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable

from PySide6.QtCore import QObject, QTimer, Signal

from backend_embed.api import Span, StreamRole
from vas_console.core.timeline_model import ChunkKey
from vas_console.ui.aio import TaskKeeper
from vas_console.ui.playback.recordings import Recordings

logger = logging.getLogger(__name__)

DEBOUNCE_MS = 150
MAX_WAIT_MS = 400
"""While requests keep coming (a long drag), fetch at least this often anyway."""
RECENT_TTL_S = 30.0
"""Chunks that reach into the last minutes are fetched again after this: recording goes on."""
MAX_CHUNKS = 4000

_Key = tuple[int, ChunkKey]


class CoverageCache(QObject):
    """Answers "what is recorded here" for the timeline from memory, and fetches what it lacks.

    `request` remembers the chunks a view needs and starts one fetch task `DEBOUNCE_MS` after the last
    request (or `MAX_WAIT_MS` after the first of a continuous stream), so a zoom or a drag costs a few
    rounds of backend calls, not one per mouse event. Each
    (camera, chunk) is fetched once and kept (least recently used dropped beyond `MAX_CHUNKS`), except
    chunks near the present, which expire after `RECENT_TTL_S`. Failures are reported by `tasks`.

    Signals:
        changed(): new coverage arrived; views should repaint.
    """

    changed = Signal()

    def __init__(
        self,
        backend: Recordings,
        *,
        stream: StreamRole = StreamRole.MAIN,
        clock: Callable[[], float] = time.time,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._backend = backend
        self._stream = stream
        self._clock = clock
        self._tasks = TaskKeeper(self)
        self._chunks: OrderedDict[_Key, _Chunk] = OrderedDict()
        self._sizes: list[int] = []  # chunk sizes seen, smallest first: the finest answer wins
        self._wanted: list[_Key] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._closed = False
        self._first_wait = 0.0
        self.fetches = 0  # backend calls made, for tests and the stall benchmark

    @property
    def tasks(self) -> TaskKeeper:
        return self._tasks

    def request(self, camera_ids: Iterable[int], chunks: Iterable[ChunkKey]) -> None:
        """Ask for coverage of these cameras over these chunks; fetched after the debounce delay."""
        keys = [(camera, chunk) for camera in camera_ids for chunk in chunks]
        missing = [key for key in keys if not self._fresh(key)]
        if not missing:
            return
        self._wanted = missing
        now = time.monotonic()
        if not self._timer.isActive():
            self._first_wait = now
            self._timer.start()
        elif now - self._first_wait < MAX_WAIT_MS / 1000:
            self._timer.start()  # restart: wait until the view settles (but not forever)

    def spans(self, camera_id: int, start_ms: float, end_ms: float) -> list[Span] | None:
        """Recorded spans overlapping [start, end) in time order, or None if some of it is not loaded.

        Spans that continue across a chunk boundary come back as two touching spans.
        """
        result: list[Span] = []
        for size in self._sizes:
            first, last = int(start_ms // size), int((end_ms - 1) // size)
            keys = [(camera_id, ChunkKey(size, index)) for index in range(first, last + 1)]
            if all(key in self._chunks for key in keys):
                for key in keys:
                    result.extend(self._chunks[key].overlapping(start_ms, end_ms))
                    self._chunks.move_to_end(key)
                return result
        return None

    def clear(self) -> None:
        self._chunks.clear()
        self.changed.emit()

    def _fresh(self, key: _Key) -> bool:
        entry = self._chunks.get(key)
        if entry is None:
            return False
        recent = key[1].end_ms > (self._clock() - 600) * 1000
        return not recent or self._clock() - entry.fetched_at < RECENT_TTL_S

    def close(self) -> None:
        """Stop fetching for good: pending requests are dropped and running fetches cancelled."""
        self._closed = True
        self._timer.stop()
        self._tasks.cancel_all()

    def _on_timer_timeout(self) -> None:
        wanted, self._wanted = self._wanted, []
        if wanted and not self._closed:
            self._tasks.start(self._fetch(wanted), name="CoverageCache.fetch")

    async def _fetch(self, keys: list[_Key]) -> None:
        results = await asyncio.gather(*(self._fetch_one(key) for key in keys))
        now = self._clock()
        for key, spans in zip(keys, results, strict=True):
            self._chunks[key] = _Chunk(now, spans)
            self._chunks.move_to_end(key)
            if key[1].size_ms not in self._sizes:
                bisect.insort(self._sizes, key[1].size_ms)
        while len(self._chunks) > MAX_CHUNKS:
            self._chunks.popitem(last=False)
        self.changed.emit()

    async def _fetch_one(self, key: _Key) -> list[Span]:
        camera_id, chunk = key
        self.fetches += 1
        coverage = await self._backend.coverage(
            camera_id, chunk.start_ms, chunk.end_ms, self._stream
        )
        return list(coverage.spans)


class _Chunk:
    """The spans of one (camera, chunk) and when they were fetched."""

    __slots__ = ("ends", "fetched_at", "spans")

    def __init__(self, fetched_at: float, spans: list[Span]) -> None:
        self.fetched_at = fetched_at
        self.spans = spans
        self.ends = [s.end_ms for s in spans]

    def overlapping(self, start_ms: float, end_ms: float) -> list[Span]:
        result = []
        for span in self.spans[bisect.bisect_right(self.ends, start_ms) :]:
            if span.start_ms >= end_ms:
                break
            result.append(span)
        return result

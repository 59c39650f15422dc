"""BookmarkCache: the bookmarks of a playback view's cameras around the visible range, kept up to date."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from PySide6.QtCore import QObject, Signal

from backend_embed.api import BackendEvent, Bookmark, BookmarkQuery, BookmarksChanged, Unsubscribe
from vas_console.ui.aio import TaskKeeper
from vas_console.ui.event_relay import EventRelay
from vas_console.ui.playback.recordings import RecordedEvidence

logger = logging.getLogger(__name__)


class BookmarkCache(QObject):
    """Loads the bookmarks overlapping the visible range (and one range's width either side, so a pan
    needs no new query) of some cameras; reloads on `BookmarksChanged` of those cameras.

    Signals:
        changed(): new bookmarks arrived; the timeline repaints.
    """

    changed = Signal()

    def __init__(self, evidence: RecordedEvidence, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._evidence = evidence
        self._tasks = TaskKeeper(self)
        self._cameras: frozenset[int] = frozenset()
        self._window: tuple[int, int] | None = None  # what the loaded list covers
        self._bookmarks: list[Bookmark] = []
        self._load: asyncio.Task[None] | None = None
        self._relay = EventRelay(self)
        self._relay.event_received.connect(self._on_relay_event_received)
        self._unsubscribe: Unsubscribe | None = evidence.subscribe(self._relay.post)

    @property
    def tasks(self) -> TaskKeeper:
        return self._tasks

    def bookmarks(self) -> list[Bookmark]:
        """The loaded bookmarks, in time order."""
        return list(self._bookmarks)

    def request(self, camera_ids: Sequence[int], start_ms: float, end_ms: float) -> None:
        """Make sure the bookmarks of these cameras over [start_ms, end_ms) are loaded (or loading)."""
        cameras = frozenset(camera_ids)
        window = self._window
        if (
            cameras == self._cameras
            and window is not None
            and window[0] <= start_ms
            and end_ms <= window[1]
        ):
            return
        span = end_ms - start_ms
        self._cameras = cameras
        self._window = (int(start_ms - span), int(end_ms + span))
        self.reload()

    def reload(self) -> None:
        """Query the current window again (a newer query replaces one still running)."""
        if not self._cameras or self._window is None:
            return
        if self._load is not None and not self._load.done():
            self._load.cancel()
        query = BookmarkQuery(self._cameras, self._window[0], self._window[1])
        self._load = self._tasks.start(self._fetch(query), name="BookmarkCache.load")

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._tasks.cancel_all()

    async def _fetch(self, query: BookmarkQuery) -> None:
        self._bookmarks = await self._evidence.list_bookmarks(query)
        self.changed.emit()

    def _on_relay_event_received(self, event: BackendEvent) -> None:
        if isinstance(event, BookmarksChanged) and self._cameras.intersection(event.camera_ids):
            self.reload()

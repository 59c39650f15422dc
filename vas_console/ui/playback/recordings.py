"""Recordings: what the playback views need from a backend, so an offline review can stand in for it."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from backend_embed.api import (
    BackendApi,
    Bookmark,
    BookmarkDraft,
    BookmarkQuery,
    Coverage,
    EventCallback,
    PlaybackSource,
    Preview,
    Snapshot,
    StreamRole,
    Unsubscribe,
)


class Recordings(Protocol):
    """The three questions playback asks: what is recorded, a playlist of it, and its previews."""

    async def coverage(
        self, camera_id: int, start_ms: int, end_ms: int, stream: StreamRole = StreamRole.MAIN
    ) -> Coverage: ...

    async def playback_source(
        self, camera_id: int, start_ms: int, end_ms: int, stream: StreamRole = StreamRole.MAIN
    ) -> PlaybackSource: ...

    async def previews(self, camera_id: int, start_ms: int, end_ms: int) -> list[Preview]: ...


@runtime_checkable
class RecordedEvidence(Protocol):
    """What playback of the live installation offers beyond `Recordings`: bookmarks and snapshots.

    A `BackendApi` is one; an offline review (`OfflineRecordings`) is not: it has no database to hold them.
    """

    async def list_bookmarks(self, query: BookmarkQuery) -> list[Bookmark]: ...

    async def add_bookmark(self, draft: BookmarkDraft) -> Bookmark: ...

    async def update_bookmark(self, bookmark_id: int, draft: BookmarkDraft) -> Bookmark: ...

    async def take_recorded_snapshot(self, camera_id: int, time_ms: int) -> Snapshot: ...

    def subscribe(self, callback: EventCallback) -> Unsubscribe: ...


def evidence_of(recordings: Recordings) -> RecordedEvidence | None:
    """The bookmarks and snapshots behind `recordings`, or None (an offline review has none)."""
    return recordings if isinstance(recordings, RecordedEvidence) else None


class OfflineRecordings:
    """The recordings of one offline review (a copied folder), asked through the backend's offline calls."""

    def __init__(self, backend: BackendApi, review_id: str) -> None:
        self._backend = backend
        self.review_id = review_id

    async def coverage(
        self, camera_id: int, start_ms: int, end_ms: int, stream: StreamRole = StreamRole.MAIN
    ) -> Coverage:
        return await self._backend.offline_coverage(
            self.review_id, camera_id, start_ms, end_ms, stream
        )

    async def playback_source(
        self, camera_id: int, start_ms: int, end_ms: int, stream: StreamRole = StreamRole.MAIN
    ) -> PlaybackSource:
        return await self._backend.offline_playback_source(
            self.review_id, camera_id, start_ms, end_ms, stream
        )

    async def previews(self, camera_id: int, start_ms: int, end_ms: int) -> list[Preview]:
        return await self._backend.offline_previews(self.review_id, camera_id, start_ms, end_ms)

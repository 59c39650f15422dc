"""Recordings: what the playback views need from a backend, so an offline review can stand in for it."""

from __future__ import annotations

from typing import Protocol

from backend_embed.api import BackendApi, Coverage, PlaybackSource, Preview, StreamRole


class Recordings(Protocol):
    """The three questions playback asks: what is recorded, a playlist of it, and its previews."""

    async def coverage(
        self, camera_id: int, start_ms: int, end_ms: int, stream: StreamRole = StreamRole.MAIN
    ) -> Coverage: ...

    async def playback_source(
        self, camera_id: int, start_ms: int, end_ms: int, stream: StreamRole = StreamRole.MAIN
    ) -> PlaybackSource: ...

    async def previews(self, camera_id: int, start_ms: int, end_ms: int) -> list[Preview]: ...


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

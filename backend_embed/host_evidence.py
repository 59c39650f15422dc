"""The evidence half of BackendHost's API: every call is handed to its EvidenceServices."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from backend_embed.api.errors import InvalidInputError
from backend_embed.api.evidence import (
    Bookmark,
    BookmarkDraft,
    BookmarkQuery,
    ClipExportRequest,
    ClipExportResult,
    EvidenceKey,
    ExportVerification,
    Snapshot,
    SnapshotFilter,
)
from backend_embed.evidence_services import EvidenceServices


class EvidenceCalls:
    """Mixin: snapshots, bookmarks, export and verification. The host provides `evidence` once started."""

    @property
    def evidence(self) -> EvidenceServices:
        raise NotImplementedError

    async def take_live_snapshot(self, camera_id: int) -> Snapshot:
        return await self.evidence.take_live_snapshot(camera_id)

    async def take_recorded_snapshot(self, camera_id: int, time_ms: int) -> Snapshot:
        return await self.evidence.take_recorded_snapshot(camera_id, time_ms)

    async def list_snapshots(self, snapshot_filter: SnapshotFilter) -> list[Snapshot]:
        return await self.evidence.list_snapshots(snapshot_filter)

    async def delete_snapshots(self, snapshot_ids: Sequence[int]) -> int:
        return await self.evidence.delete_snapshots(snapshot_ids)

    async def set_snapshot_protected(self, snapshot_id: int, protected: bool) -> Snapshot:
        return await self.evidence.set_snapshot_protected(snapshot_id, protected)

    async def export_snapshots(self, snapshot_ids: Sequence[int], folder: Path) -> int:
        return await self.evidence.export_snapshots(snapshot_ids, folder)

    async def add_bookmark(self, draft: BookmarkDraft) -> Bookmark:
        return await self.evidence.add_bookmark(draft)

    async def update_bookmark(self, bookmark_id: int, draft: BookmarkDraft) -> Bookmark:
        return await self.evidence.update_bookmark(bookmark_id, draft)

    async def set_bookmark_locked(self, bookmark_id: int, locked: bool) -> Bookmark:
        return await self.evidence.set_bookmark_locked(bookmark_id, locked)

    async def delete_bookmark(self, bookmark_id: int) -> None:
        await self.evidence.delete_bookmark(bookmark_id)

    async def list_bookmarks(self, query: BookmarkQuery) -> list[Bookmark]:
        return await self.evidence.list_bookmarks(query)

    async def export_clips(self, request: ClipExportRequest) -> ClipExportResult:
        if request.end_ms <= request.start_ms:
            raise InvalidInputError("The end of the export must come after its start.", field="end")
        return await self.evidence.export_clips(request)

    async def verify_export(self, folder: Path) -> ExportVerification:
        return await self.evidence.verify_export(folder)

    async def evidence_key(self) -> EvidenceKey:
        return await self.evidence.evidence_key()

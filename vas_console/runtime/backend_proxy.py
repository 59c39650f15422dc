"""WorkerBackend: the BackendApi as seen from the GUI loop, every call forwarded to the worker loop."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from backend_embed.api import (
    BackendApi,
    Bookmark,
    BookmarkDraft,
    BookmarkQuery,
    Camera,
    CameraGroup,
    CameraSpec,
    CameraStatusInfo,
    ClipExportRequest,
    ClipExportResult,
    Coverage,
    EventCallback,
    EvidenceKey,
    ExportFormat,
    ExportVerification,
    ImportReport,
    LiveEndpoint,
    OfflineReview,
    PlaybackSource,
    Preview,
    ProbeResult,
    ProtectedRange,
    RecorderStatus,
    Snapshot,
    SnapshotFilter,
    StorageReport,
    StreamRole,
    Unsubscribe,
)
from vas_console.runtime.loop_thread import LoopThread


class WorkerBackend:
    """Implements BackendApi by running each coroutine of `backend` on `worker` and awaiting it here.

    Event callbacks are passed through unchanged: they are called on the worker thread, so the UI relays them
    to the GUI thread itself.
    """

    def __init__(self, backend: BackendApi, worker: LoopThread) -> None:
        self._backend = backend
        self._worker = worker

    async def list_cameras(self) -> list[Camera]:
        return await self._worker.call(self._backend.list_cameras())

    async def get_camera(self, camera_id: int) -> Camera:
        return await self._worker.call(self._backend.get_camera(camera_id))

    async def add_camera(self, spec: CameraSpec) -> Camera:
        return await self._worker.call(self._backend.add_camera(spec))

    async def update_camera(self, camera_id: int, spec: CameraSpec) -> Camera:
        return await self._worker.call(self._backend.update_camera(camera_id, spec))

    async def delete_camera(self, camera_id: int) -> None:
        await self._worker.call(self._backend.delete_camera(camera_id))

    async def set_camera_enabled(self, camera_id: int, enabled: bool) -> Camera:
        return await self._worker.call(self._backend.set_camera_enabled(camera_id, enabled))

    async def list_groups(self) -> list[CameraGroup]:
        return await self._worker.call(self._backend.list_groups())

    async def add_group(self, name: str) -> CameraGroup:
        return await self._worker.call(self._backend.add_group(name))

    async def rename_group(self, group_id: int, name: str) -> CameraGroup:
        return await self._worker.call(self._backend.rename_group(group_id, name))

    async def delete_group(self, group_id: int) -> None:
        await self._worker.call(self._backend.delete_group(group_id))

    async def probe_spec(
        self, spec: CameraSpec, stream: StreamRole = StreamRole.MAIN
    ) -> ProbeResult:
        return await self._worker.call(self._backend.probe_spec(spec, stream))

    async def probe_camera(self, camera_id: int) -> CameraStatusInfo:
        return await self._worker.call(self._backend.probe_camera(camera_id))

    async def camera_statuses(self) -> list[CameraStatusInfo]:
        return await self._worker.call(self._backend.camera_statuses())

    async def import_cameras(self, path: Path) -> ImportReport:
        return await self._worker.call(self._backend.import_cameras(path))

    async def export_cameras(self, path: Path, fmt: ExportFormat) -> int:
        return await self._worker.call(self._backend.export_cameras(path, fmt))

    async def recorder_statuses(self) -> list[RecorderStatus]:
        return await self._worker.call(self._backend.recorder_statuses())

    async def coverage(
        self, camera_id: int, start_ms: int, end_ms: int, stream: StreamRole = StreamRole.MAIN
    ) -> Coverage:
        return await self._worker.call(self._backend.coverage(camera_id, start_ms, end_ms, stream))

    async def storage_report(self) -> StorageReport:
        return await self._worker.call(self._backend.storage_report())

    async def protect_range(
        self, camera_id: int | None, start_ms: int, end_ms: int, reason: str
    ) -> ProtectedRange:
        return await self._worker.call(
            self._backend.protect_range(camera_id, start_ms, end_ms, reason)
        )

    async def unprotect_range(self, range_id: int) -> None:
        await self._worker.call(self._backend.unprotect_range(range_id))

    async def live_endpoint(self, camera_id: int, stream: StreamRole) -> LiveEndpoint:
        return await self._worker.call(self._backend.live_endpoint(camera_id, stream))

    async def playback_source(
        self, camera_id: int, start_ms: int, end_ms: int, stream: StreamRole = StreamRole.MAIN
    ) -> PlaybackSource:
        return await self._worker.call(
            self._backend.playback_source(camera_id, start_ms, end_ms, stream)
        )

    async def previews(self, camera_id: int, start_ms: int, end_ms: int) -> list[Preview]:
        return await self._worker.call(self._backend.previews(camera_id, start_ms, end_ms))

    async def open_offline(self, folder: Path) -> OfflineReview:
        return await self._worker.call(self._backend.open_offline(folder))

    async def offline_coverage(
        self,
        review_id: str,
        camera_id: int,
        start_ms: int,
        end_ms: int,
        stream: StreamRole = StreamRole.MAIN,
    ) -> Coverage:
        return await self._worker.call(
            self._backend.offline_coverage(review_id, camera_id, start_ms, end_ms, stream)
        )

    async def offline_playback_source(
        self,
        review_id: str,
        camera_id: int,
        start_ms: int,
        end_ms: int,
        stream: StreamRole = StreamRole.MAIN,
    ) -> PlaybackSource:
        return await self._worker.call(
            self._backend.offline_playback_source(review_id, camera_id, start_ms, end_ms, stream)
        )

    async def offline_previews(
        self, review_id: str, camera_id: int, start_ms: int, end_ms: int
    ) -> list[Preview]:
        return await self._worker.call(
            self._backend.offline_previews(review_id, camera_id, start_ms, end_ms)
        )

    async def close_offline(self, review_id: str) -> None:
        await self._worker.call(self._backend.close_offline(review_id))

    async def take_live_snapshot(self, camera_id: int) -> Snapshot:
        return await self._worker.call(self._backend.take_live_snapshot(camera_id))

    async def take_recorded_snapshot(self, camera_id: int, time_ms: int) -> Snapshot:
        return await self._worker.call(self._backend.take_recorded_snapshot(camera_id, time_ms))

    async def list_snapshots(self, snapshot_filter: SnapshotFilter) -> list[Snapshot]:
        return await self._worker.call(self._backend.list_snapshots(snapshot_filter))

    async def delete_snapshots(self, snapshot_ids: Sequence[int]) -> int:
        return await self._worker.call(self._backend.delete_snapshots(tuple(snapshot_ids)))

    async def set_snapshot_protected(self, snapshot_id: int, protected: bool) -> Snapshot:
        return await self._worker.call(self._backend.set_snapshot_protected(snapshot_id, protected))

    async def export_snapshots(self, snapshot_ids: Sequence[int], folder: Path) -> int:
        return await self._worker.call(self._backend.export_snapshots(tuple(snapshot_ids), folder))

    async def add_bookmark(self, draft: BookmarkDraft) -> Bookmark:
        return await self._worker.call(self._backend.add_bookmark(draft))

    async def update_bookmark(self, bookmark_id: int, draft: BookmarkDraft) -> Bookmark:
        return await self._worker.call(self._backend.update_bookmark(bookmark_id, draft))

    async def set_bookmark_locked(self, bookmark_id: int, locked: bool) -> Bookmark:
        return await self._worker.call(self._backend.set_bookmark_locked(bookmark_id, locked))

    async def delete_bookmark(self, bookmark_id: int) -> None:
        await self._worker.call(self._backend.delete_bookmark(bookmark_id))

    async def list_bookmarks(self, query: BookmarkQuery) -> list[Bookmark]:
        return await self._worker.call(self._backend.list_bookmarks(query))

    async def export_clips(self, request: ClipExportRequest) -> ClipExportResult:
        return await self._worker.call(self._backend.export_clips(request))

    async def verify_export(self, folder: Path) -> ExportVerification:
        return await self._worker.call(self._backend.verify_export(folder))

    async def evidence_key(self) -> EvidenceKey:
        return await self._worker.call(self._backend.evidence_key())

    def subscribe(self, callback: EventCallback) -> Unsubscribe:
        return self._backend.subscribe(callback)

"""The BackendApi protocol: what the console may ask of a backend, embedded or remote."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from backend_embed.api.dto import (
    Camera,
    CameraGroup,
    CameraSpec,
    CameraStatusInfo,
    ExportFormat,
    ImportReport,
    ProbeResult,
    StreamRole,
)
from backend_embed.api.events import BackendEvent
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
from backend_embed.api.media import LiveEndpoint, OfflineReview, PlaybackSource, Preview
from backend_embed.api.recording import Coverage, ProtectedRange, RecorderStatus, StorageReport

EventCallback = Callable[[BackendEvent], None]
Unsubscribe = Callable[[], None]


class BackendApi(Protocol):
    """Every method runs on the backend's own event loop; the console reaches it through the worker thread.

    Expected failures raise `BackendError` subclasses with an operator-ready `user_message`.
    """

    async def list_cameras(self) -> list[Camera]: ...

    async def get_camera(self, camera_id: int) -> Camera: ...

    async def add_camera(self, spec: CameraSpec) -> Camera: ...

    async def update_camera(self, camera_id: int, spec: CameraSpec) -> Camera: ...

    async def delete_camera(self, camera_id: int) -> None: ...

    async def set_camera_enabled(self, camera_id: int, enabled: bool) -> Camera: ...

    async def list_groups(self) -> list[CameraGroup]: ...

    async def add_group(self, name: str) -> CameraGroup: ...

    async def rename_group(self, group_id: int, name: str) -> CameraGroup: ...

    async def delete_group(self, group_id: int) -> None: ...

    async def probe_spec(
        self, spec: CameraSpec, stream: StreamRole = StreamRole.MAIN
    ) -> ProbeResult:
        """Test a camera that may not be saved yet (the "Test connection" button of the dialog)."""
        ...

    async def probe_camera(self, camera_id: int) -> CameraStatusInfo:
        """Probe a saved camera's main stream and publish its new status."""
        ...

    async def camera_statuses(self) -> list[CameraStatusInfo]: ...

    async def import_cameras(self, path: Path) -> ImportReport: ...

    async def export_cameras(self, path: Path, fmt: ExportFormat) -> int: ...

    async def recorder_statuses(self) -> list[RecorderStatus]: ...

    async def coverage(
        self, camera_id: int, start_ms: int, end_ms: int, stream: StreamRole = StreamRole.MAIN
    ) -> Coverage:
        """Recorded spans and gaps of one camera stream in [start_ms, end_ms) (the timeline's lanes)."""
        ...

    async def storage_report(self) -> StorageReport: ...

    async def protect_range(
        self, camera_id: int | None, start_ms: int, end_ms: int, reason: str
    ) -> ProtectedRange:
        """Lock a range against retention (camera_id None: every camera)."""
        ...

    async def unprotect_range(self, range_id: int) -> None: ...

    async def live_endpoint(self, camera_id: int, stream: StreamRole) -> LiveEndpoint:
        """The WHEP endpoint for one camera stream (started on demand; the camera keeps one session)."""
        ...

    async def playback_source(
        self, camera_id: int, start_ms: int, end_ms: int, stream: StreamRole = StreamRole.MAIN
    ) -> PlaybackSource:
        """A VOD playlist of the recordings of one camera stream in [start_ms, end_ms)."""
        ...

    async def previews(self, camera_id: int, start_ms: int, end_ms: int) -> list[Preview]:
        """Preview images made while recording, in time order."""
        ...

    async def open_offline(self, folder: Path) -> OfflineReview:
        """Open a copied recordings folder or an export for review, read-only, without the database.

        Raises:
            NotFoundError: the folder does not exist or holds no recordings.
        """
        ...

    async def offline_coverage(
        self,
        review_id: str,
        camera_id: int,
        start_ms: int,
        end_ms: int,
        stream: StreamRole = StreamRole.MAIN,
    ) -> Coverage:
        """`coverage` of a camera of an open offline review."""
        ...

    async def offline_playback_source(
        self,
        review_id: str,
        camera_id: int,
        start_ms: int,
        end_ms: int,
        stream: StreamRole = StreamRole.MAIN,
    ) -> PlaybackSource:
        """`playback_source` of a camera of an open offline review (the playlist is in a temporary folder)."""
        ...

    async def offline_previews(
        self, review_id: str, camera_id: int, start_ms: int, end_ms: int
    ) -> list[Preview]:
        """`previews` of a camera of an open offline review."""
        ...

    async def close_offline(self, review_id: str) -> None:
        """Forget an offline review and delete its temporary index and playlists."""
        ...

    # evidence: snapshots -----------------------------------------------------------------------------

    async def take_live_snapshot(self, camera_id: int) -> Snapshot:
        """Save the newest frame of the camera's main stream (whatever stream a tile shows).

        Raises:
            LiveSourceUnavailableError (a BackendError): no picture from the camera right now.
        """
        ...

    async def take_recorded_snapshot(self, camera_id: int, time_ms: int) -> Snapshot:
        """Save the recorded frame shown at `time_ms` (the frame whose span contains it).

        Raises:
            NotFoundError: nothing is recorded at `time_ms`.
        """
        ...

    async def list_snapshots(self, snapshot_filter: SnapshotFilter) -> list[Snapshot]:
        """Matching snapshots, newest first."""
        ...

    async def delete_snapshots(self, snapshot_ids: Sequence[int]) -> int:
        """Delete snapshots and their files; returns how many were deleted.

        Raises:
            ConflictError: one of them is protected (nothing is deleted).
        """
        ...

    async def set_snapshot_protected(self, snapshot_id: int, protected: bool) -> Snapshot: ...

    async def export_snapshots(self, snapshot_ids: Sequence[int], folder: Path) -> int:
        """Copy the JPEGs (and a `snapshots.json` of their metadata) into `folder`; returns the count."""
        ...

    # evidence: bookmarks -----------------------------------------------------------------------------

    async def add_bookmark(self, draft: BookmarkDraft) -> Bookmark:
        """Add a bookmark; a locked one protects its range from retention at once."""
        ...

    async def update_bookmark(self, bookmark_id: int, draft: BookmarkDraft) -> Bookmark:
        """Edit a bookmark (its lock follows `draft.locked` and its new range)."""
        ...

    async def set_bookmark_locked(self, bookmark_id: int, locked: bool) -> Bookmark: ...

    async def delete_bookmark(self, bookmark_id: int) -> None:
        """Delete an unlocked bookmark.

        Raises:
            ConflictError: it is locked (unlock it first).
        """
        ...

    async def list_bookmarks(self, query: BookmarkQuery) -> list[Bookmark]:
        """Matching bookmarks in time order."""
        ...

    # evidence: clip export ---------------------------------------------------------------------------

    async def export_clips(self, request: ClipExportRequest) -> ClipExportResult:
        """Export and sign a range of some cameras; publishes `ExportProgress` events with `request.job_id`.

        Cancelling the call stops the export and removes everything it wrote.

        Raises:
            ExportError (a BackendError): nothing recorded, destination exists or unwritable, disk full,
                ffmpeg failed.
        """
        ...

    async def verify_export(self, folder: Path) -> ExportVerification:
        """Check an export folder's signature and files (against this installation's key)."""
        ...

    async def evidence_key(self) -> EvidenceKey:
        """The installation's signing key, created on first use."""
        ...

    def subscribe(self, callback: EventCallback) -> Unsubscribe: ...

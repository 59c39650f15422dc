"""EvidenceServices: snapshots, bookmarks, signed clip export and its verification, over one database.

The pictures come from MediaServices (`live_still`, `recorded_still`); the signing key is created on first
use (not at start: a console that never exports never writes one).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Protocol

from backend_embed.api.dto import Camera
from backend_embed.api.events import (
    BackendEvent,
    BookmarksChanged,
    ExportProgress,
    SnapshotsChanged,
)
from backend_embed.api.evidence import (
    Bookmark,
    BookmarkDraft,
    BookmarkQuery,
    ClipExportRequest,
    ClipExportResult,
    EvidenceKey,
    ExportedClip,
    ExportFileState,
    ExportFileVerdict,
    ExportVerification,
    Snapshot,
    SnapshotFilter,
    SnapshotSource,
)
from backend_embed.config import BackendConfig
from backend_embed.db.engine import Database
from backend_embed.evidence.bookmarks import BookmarkRepository
from backend_embed.evidence.export import ClipExporter, ExportError
from backend_embed.evidence.signing import InstallationKey
from backend_embed.evidence.verify import format_report, verify_export
from backend_embed.recording.segments import SegmentRepository
from backend_embed.snapshots.still import Still
from backend_embed.snapshots.store import NewSnapshot, SnapshotStore

logger = logging.getLogger(__name__)

#: how often snapshot retention runs besides after each snapshot
_PRUNE_INTERVAL_S = 3600.0
_PROGRESS_STEP = 0.01


class StillSource(Protocol):
    """Where snapshots' pictures come from (MediaServices)."""

    async def live_still(self, camera: Camera) -> Still: ...

    async def recorded_still(self, camera_id: int, time_ms: int) -> Still: ...


CameraLookup = Callable[[int], Awaitable[Camera]]


class EvidenceServices:
    """Construct, `start()`, use, `stop()`. Every method runs on the host's loop."""

    def __init__(
        self,
        config: BackendConfig,
        db: Database,
        stills: StillSource,
        camera: CameraLookup,
        publish: Callable[[BackendEvent], None],
    ) -> None:
        self._config = config
        self._stills = stills
        self._camera = camera
        self._publish = publish
        self._store = SnapshotStore(db, config.data_dir / "snapshots")
        self._bookmarks = BookmarkRepository(db)
        self._segments = SegmentRepository(db)
        self._key: InstallationKey | None = None
        self._key_lock = asyncio.Lock()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        await self._store.sweep_orphans()
        await self._prune()
        self._tasks.append(asyncio.create_task(self._prune_forever(), name="snapshot-retention"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    # -- snapshots --------------------------------------------------------------------------------

    async def take_live_snapshot(self, camera_id: int) -> Snapshot:
        camera = await self._camera(camera_id)
        still = await self._stills.live_still(camera)
        return await self._save(camera, SnapshotSource.LIVE, still)

    async def take_recorded_snapshot(self, camera_id: int, time_ms: int) -> Snapshot:
        camera = await self._camera(camera_id)
        still = await self._stills.recorded_still(camera_id, time_ms)
        return await self._save(camera, SnapshotSource.RECORDED, still)

    async def _save(self, camera: Camera, source: SnapshotSource, still: Still) -> Snapshot:
        snapshot = await self._store.add(
            NewSnapshot(
                camera_id=camera.id,
                camera_name=camera.name,
                source=source,
                stream=still.stream,
                time_ms=still.time_ms,
                width=still.width,
                height=still.height,
                jpeg=still.jpeg,
                thumbnail=still.thumbnail,
            )
        )
        logger.info(
            "Snapshot %d of %s (%s, %dx%d)",
            snapshot.id,
            camera.name,
            source.value,
            still.width,
            still.height,
        )
        await self._prune()
        self._publish(SnapshotsChanged())
        return snapshot

    async def list_snapshots(self, snapshot_filter: SnapshotFilter) -> list[Snapshot]:
        return await self._store.find(snapshot_filter)

    async def delete_snapshots(self, snapshot_ids: Sequence[int]) -> int:
        count = await self._store.delete(snapshot_ids)
        if count:
            self._publish(SnapshotsChanged())
        return count

    async def set_snapshot_protected(self, snapshot_id: int, protected: bool) -> Snapshot:
        snapshot = await self._store.set_protected(snapshot_id, protected)
        self._publish(SnapshotsChanged())
        return snapshot

    async def export_snapshots(self, snapshot_ids: Sequence[int], folder: Path) -> int:
        count = await self._store.export(snapshot_ids, folder)
        logger.info("Exported %d snapshots", count)
        return count

    async def _prune(self) -> None:
        deleted = await self._store.prune(
            max_age_days=self._config.snapshot_max_age_days,
            max_count=self._config.snapshot_max_count,
        )
        if deleted:
            logger.info("Snapshot retention deleted %d snapshots", deleted)
            self._publish(SnapshotsChanged())

    async def _prune_forever(self) -> None:
        while True:
            await asyncio.sleep(_PRUNE_INTERVAL_S)
            try:
                await self._prune()
            except Exception:
                logger.exception("Snapshot retention failed; retrying in an hour")

    # -- bookmarks --------------------------------------------------------------------------------

    async def add_bookmark(self, draft: BookmarkDraft) -> Bookmark:
        bookmark = await self._bookmarks.add(draft)
        self._publish(BookmarksChanged((bookmark.camera_id,)))
        return bookmark

    async def update_bookmark(self, bookmark_id: int, draft: BookmarkDraft) -> Bookmark:
        before, after = await self._bookmarks.update(bookmark_id, draft)
        self._publish(BookmarksChanged(tuple(sorted({before.camera_id, after.camera_id}))))
        return after

    async def set_bookmark_locked(self, bookmark_id: int, locked: bool) -> Bookmark:
        bookmark = await self._bookmarks.set_locked(bookmark_id, locked)
        self._publish(BookmarksChanged((bookmark.camera_id,)))
        return bookmark

    async def delete_bookmark(self, bookmark_id: int) -> None:
        bookmark = await self._bookmarks.delete(bookmark_id)
        self._publish(BookmarksChanged((bookmark.camera_id,)))

    async def list_bookmarks(self, query: BookmarkQuery) -> list[Bookmark]:
        return await self._bookmarks.find(query)

    # -- export -----------------------------------------------------------------------------------

    async def _installation_key(self) -> InstallationKey:
        async with self._key_lock:
            if self._key is None:
                self._key = await asyncio.to_thread(
                    InstallationKey.load_or_create, self._config.config_dir
                )
            return self._key

    async def evidence_key(self) -> EvidenceKey:
        key = await self._installation_key()
        return EvidenceKey(key.public_key, key.fingerprint, key.public_key_text())

    async def export_clips(self, request: ClipExportRequest) -> ClipExportResult:
        if not request.camera_ids:
            raise ExportError("Choose at least one camera to export.")
        cameras = [await self._camera(i) for i in dict.fromkeys(request.camera_ids)]
        key = await self._installation_key()
        exporter = ClipExporter(self._config.recordings_dir, self._segments, key)
        throttle = _ProgressThrottle()

        def progress(fraction: float, detail: str = "") -> None:
            if throttle.passes(fraction, detail):
                self._publish(ExportProgress(request.job_id, fraction, detail))

        logger.info(
            "Export of %d cameras from %d to %d ms started",
            len(cameras),
            request.start_ms,
            request.end_ms,
        )
        result = await exporter.export(
            [(c.id, c.name) for c in cameras],
            request.start_ms,
            request.end_ms,
            Path(request.destination),
            progress=progress,
        )
        clips = tuple(
            ExportedClip(
                camera_id=clip.camera_id,
                camera_name=clip.camera_name,
                file=clip.file.name,
                start_ms=clip.covered_start_ms,
                end_ms=clip.covered_end_ms,
                size_bytes=clip.file.bytes,
                gaps=len(clip.gaps),
            )
            for clip in result.clips
        )
        logger.info("Export finished: %d clips, %.0f s of video", len(clips), result.media_s)
        return ClipExportResult(request.job_id, str(result.folder), clips, key.fingerprint)

    async def verify_export(self, folder: Path) -> ExportVerification:
        """Any key's signature is checked; `signed_here` tells whether it was this installation's key."""
        key = await self._installation_key()
        report = await asyncio.to_thread(verify_export, folder)
        return ExportVerification(
            folder=str(folder),
            valid=report.valid,
            signature_ok=report.signature_ok,
            key_fingerprint=report.key_fingerprint,
            signed_here=report.public_key == key.public_key if report.public_key else None,
            files=tuple(
                ExportFileVerdict(check.name, ExportFileState(check.status.value))
                for check in report.files
            ),
            problems=report.problems,
            report=format_report(report, folder),
        )


class _ProgressThrottle:
    """Lets through a new detail, the end, and otherwise a step of 1 % or 0.2 s, whichever comes first."""

    def __init__(self) -> None:
        self._fraction = -1.0
        self._at = 0.0
        self._detail: str | None = None

    def passes(self, fraction: float, detail: str) -> bool:
        now = time.monotonic()
        quiet = fraction - self._fraction < _PROGRESS_STEP and now - self._at < 0.2
        if fraction < 1.0 and detail == self._detail and quiet:
            return False
        self._fraction, self._at, self._detail = fraction, now, detail
        return True

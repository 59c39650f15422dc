"""The evidence half of FakeBackend: snapshots, bookmarks, clip export and verification, in memory.

Snapshots are real JPEG files (written with PyAV's MJPEG encoder into `snapshot_dir`), so galleries and
viewers load real images. Export and verification answer what the test scripts: `export_gate` holds an export
until set (so a test can watch progress or cancel), `export_results` / `verifications` map inputs to answers.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from backend_embed.api import (
    BackendError,
    BackendEvent,
    Bookmark,
    BookmarkDraft,
    BookmarkQuery,
    BookmarksChanged,
    Camera,
    ClipExportRequest,
    ClipExportResult,
    ConflictError,
    EvidenceKey,
    ExportedClip,
    ExportFileState,
    ExportFileVerdict,
    ExportProgress,
    ExportVerification,
    InvalidInputError,
    NotFoundError,
    ProtectedRange,
    Snapshot,
    SnapshotFilter,
    SnapshotsChanged,
    SnapshotSource,
    StreamRole,
)

FAKE_KEY = EvidenceKey(
    public_key="q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq8w=",
    fingerprint="ab12:cd34:ef56:7890",
    text="Ed25519 q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq8w= (fingerprint ab12:cd34:ef56:7890)",
)


def make_jpeg(width: int, height: int, luma: int = 120) -> bytes:
    """A real JPEG of one grey level (PyAV's MJPEG encoder; no image library needed)."""
    frame = av.VideoFrame(width, height, "yuvj420p")
    for index, plane in enumerate(frame.planes):
        plane.update(bytes([luma if index == 0 else 128]) * plane.buffer_size)
    codec = av.CodecContext.create("mjpeg", "w")
    codec.width, codec.height = width, height
    codec.pix_fmt = "yuvj420p"
    codec.time_base = Fraction(1, 25)
    packets = [*codec.encode(frame), *codec.encode(None)]
    return b"".join(bytes(p) for p in packets)


def _now_ms() -> int:
    return int(time.time() * 1000)


class FakeEvidence:
    """Mixin for FakeBackend. Uses its `_record`, `_camera`, `emit`, `failures`, `protected` and `_ids`."""

    calls: list[Any]
    failures: dict[str, BackendError]
    protected: dict[int, ProtectedRange]
    _ids: itertools.count[int]
    _record: Callable[..., None]
    _camera: Callable[[int], Camera]
    emit: Callable[[BackendEvent], None]

    def _init_evidence(self) -> None:
        self.snapshot_dir = Path(tempfile.mkdtemp(prefix="fake-snapshots-"))
        self.snapshots: dict[int, Snapshot] = {}
        self.snapshot_size = (1920, 1080)
        self.bookmarks: dict[int, Bookmark] = {}
        self._bookmark_locks: dict[int, int] = {}
        self.export_gate: asyncio.Event | None = None
        self.exports: list[ClipExportRequest] = []
        self.verifications: dict[Path, ExportVerification] = {}
        self.key = FAKE_KEY

    def close_evidence(self) -> None:
        shutil.rmtree(self.snapshot_dir, ignore_errors=True)

    def _fail(self, name: str) -> None:
        error = self.failures.pop(name, None)
        if error is not None:
            raise error

    # -- snapshots --------------------------------------------------------------------------------

    def seed_snapshot(
        self,
        camera_id: int | None,
        time_ms: int,
        *,
        source: SnapshotSource = SnapshotSource.LIVE,
        camera_name: str = "",
        size: tuple[int, int] = (320, 180),
        luma: int = 120,
        protected: bool = False,
    ) -> Snapshot:
        """Store a snapshot with a real JPEG (full size = thumbnail here) and no event."""
        snapshot_id = next(self._ids)
        path = self.snapshot_dir / f"{snapshot_id}.jpg"
        data = make_jpeg(*size, luma=luma)
        path.write_bytes(data)
        if not camera_name and camera_id is not None:
            camera_name = self._camera(camera_id).name
        snapshot = Snapshot(
            id=snapshot_id,
            camera_id=camera_id,
            camera_name=camera_name,
            time_ms=time_ms,
            source=source,
            stream=StreamRole.MAIN,
            width=size[0],
            height=size[1],
            size_bytes=len(data),
            path=str(path),
            thumbnail_path=str(path),
            protected=protected,
            note="",
            created_ms=max(time_ms, _now_ms()),
        )
        self.snapshots[snapshot_id] = snapshot
        return snapshot

    async def take_live_snapshot(self, camera_id: int) -> Snapshot:
        self._record("take_live_snapshot", camera_id)
        self._fail("take_live_snapshot")
        snapshot = self.seed_snapshot(camera_id, _now_ms(), size=self.snapshot_size)
        self.emit(SnapshotsChanged())
        return snapshot

    async def take_recorded_snapshot(self, camera_id: int, time_ms: int) -> Snapshot:
        self._record("take_recorded_snapshot", camera_id, time_ms)
        self._fail("take_recorded_snapshot")
        snapshot = self.seed_snapshot(
            camera_id, time_ms, source=SnapshotSource.RECORDED, size=self.snapshot_size
        )
        self.emit(SnapshotsChanged())
        return snapshot

    async def list_snapshots(self, snapshot_filter: SnapshotFilter) -> list[Snapshot]:
        self._record("list_snapshots", snapshot_filter)
        self._fail("list_snapshots")
        f = snapshot_filter
        found = [
            s
            for s in self.snapshots.values()
            if (not f.camera_ids or s.camera_id in f.camera_ids)
            and (f.start_ms is None or s.time_ms >= f.start_ms)
            and (f.end_ms is None or s.time_ms < f.end_ms)
            and (f.source is None or s.source is f.source)
        ]
        return sorted(found, key=lambda s: (s.time_ms, s.id), reverse=True)

    async def delete_snapshots(self, snapshot_ids: Sequence[int]) -> int:
        self._record("delete_snapshots", tuple(snapshot_ids))
        self._fail("delete_snapshots")
        chosen = [self.snapshots[i] for i in snapshot_ids if i in self.snapshots]
        if any(s.protected for s in chosen):
            raise ConflictError("Protected snapshots cannot be deleted: unprotect them first.")
        for snapshot in chosen:
            del self.snapshots[snapshot.id]
            Path(snapshot.path).unlink(missing_ok=True)
        self.emit(SnapshotsChanged())
        return len(chosen)

    async def set_snapshot_protected(self, snapshot_id: int, protected: bool) -> Snapshot:
        self._record("set_snapshot_protected", snapshot_id, protected)
        try:
            snapshot = replace(self.snapshots[snapshot_id], protected=protected)
        except KeyError:
            raise NotFoundError("This snapshot no longer exists.") from None
        self.snapshots[snapshot_id] = snapshot
        self.emit(SnapshotsChanged())
        return snapshot

    async def export_snapshots(self, snapshot_ids: Sequence[int], folder: Path) -> int:
        self._record("export_snapshots", tuple(snapshot_ids), folder)
        self._fail("export_snapshots")
        folder.mkdir(parents=True, exist_ok=True)
        chosen = [self.snapshots[i] for i in snapshot_ids if i in self.snapshots]
        for snapshot in chosen:
            shutil.copyfile(snapshot.path, folder / Path(snapshot.path).name)
        (folder / "snapshots.json").write_text(json.dumps([s.id for s in chosen]))
        return len(chosen)

    # -- bookmarks --------------------------------------------------------------------------------

    def _bookmark_of(self, bookmark_id: int, draft: BookmarkDraft, created_ms: int) -> Bookmark:
        self._camera(draft.camera_id)
        if draft.end_ms <= draft.start_ms:
            raise InvalidInputError("A bookmark must end after it starts.", field="end")
        if not draft.name.strip():
            raise InvalidInputError("A bookmark needs a name.", field="name")
        tags = tuple(t.strip() for t in draft.tags if t.strip())
        return Bookmark(
            bookmark_id,
            draft.camera_id,
            draft.start_ms,
            draft.end_ms,
            draft.name.strip(),
            draft.note,
            tags,
            draft.locked,
            created_ms,
        )

    def _relock(self, bookmark: Bookmark) -> None:
        range_id = self._bookmark_locks.pop(bookmark.id, None)
        if range_id is not None:
            self.protected.pop(range_id, None)
        if bookmark.locked:
            lock = ProtectedRange(
                next(self._ids),
                bookmark.camera_id,
                bookmark.start_ms,
                bookmark.end_ms,
                f"bookmark: {bookmark.name}",
            )
            self.protected[lock.id] = lock
            self._bookmark_locks[bookmark.id] = lock.id

    async def add_bookmark(self, draft: BookmarkDraft) -> Bookmark:
        self._record("add_bookmark", draft)
        self._fail("add_bookmark")
        bookmark = self._bookmark_of(next(self._ids), draft, _now_ms())
        self.bookmarks[bookmark.id] = bookmark
        self._relock(bookmark)
        self.emit(BookmarksChanged((bookmark.camera_id,)))
        return bookmark

    def _existing_bookmark(self, bookmark_id: int) -> Bookmark:
        try:
            return self.bookmarks[bookmark_id]
        except KeyError:
            raise NotFoundError("This bookmark no longer exists.") from None

    async def update_bookmark(self, bookmark_id: int, draft: BookmarkDraft) -> Bookmark:
        self._record("update_bookmark", bookmark_id, draft)
        self._fail("update_bookmark")
        old = self._existing_bookmark(bookmark_id)
        bookmark = self._bookmark_of(bookmark_id, draft, old.created_ms)
        self.bookmarks[bookmark_id] = bookmark
        self._relock(bookmark)
        self.emit(BookmarksChanged(tuple(sorted({old.camera_id, bookmark.camera_id}))))
        return bookmark

    async def set_bookmark_locked(self, bookmark_id: int, locked: bool) -> Bookmark:
        self._record("set_bookmark_locked", bookmark_id, locked)
        bookmark = replace(self._existing_bookmark(bookmark_id), locked=locked)
        self.bookmarks[bookmark_id] = bookmark
        self._relock(bookmark)
        self.emit(BookmarksChanged((bookmark.camera_id,)))
        return bookmark

    async def delete_bookmark(self, bookmark_id: int) -> None:
        self._record("delete_bookmark", bookmark_id)
        bookmark = self._existing_bookmark(bookmark_id)
        if bookmark.locked:
            raise ConflictError("This bookmark is locked: unlock it before deleting it.")
        del self.bookmarks[bookmark_id]
        self.emit(BookmarksChanged((bookmark.camera_id,)))

    async def list_bookmarks(self, query: BookmarkQuery) -> list[Bookmark]:
        self._record("list_bookmarks", query)
        self._fail("list_bookmarks")
        text = query.text.strip().casefold()

        def matches(b: Bookmark) -> bool:
            haystack = " ".join((b.name, b.note, *b.tags)).casefold()
            return (
                (not query.camera_ids or b.camera_id in query.camera_ids)
                and (query.start_ms is None or b.end_ms > query.start_ms)
                and (query.end_ms is None or b.start_ms < query.end_ms)
                and (not text or text in haystack)
            )

        return sorted(
            (b for b in self.bookmarks.values() if matches(b)), key=lambda b: (b.start_ms, b.id)
        )

    # -- export and verification ------------------------------------------------------------------

    async def export_clips(self, request: ClipExportRequest) -> ClipExportResult:
        """Publishes progress 0, 0.5 (then waits for `export_gate` if set), 1; writes one small file per camera."""
        self._record("export_clips", request)
        self.exports.append(request)
        self.emit(ExportProgress(request.job_id, 0.0, "Starting"))
        self._fail("export_clips")
        cameras = [self._camera(i) for i in request.camera_ids]
        self.emit(ExportProgress(request.job_id, 0.5, f"Copying {cameras[0].name}"))
        if self.export_gate is not None:
            await self.export_gate.wait()
        folder = Path(request.destination)
        folder.mkdir(parents=True)
        clips = []
        for camera in cameras:
            name = f"{camera.name}.mp4"
            (folder / name).write_bytes(b"\0" * 1000)
            clips.append(
                ExportedClip(
                    camera.id, camera.name, name, request.start_ms, request.end_ms, 1000, 0
                )
            )
        (folder / "manifest.json").write_text("{}")
        self.emit(ExportProgress(request.job_id, 1.0, "Signed"))
        return ClipExportResult(request.job_id, str(folder), tuple(clips), self.key.fingerprint)

    async def verify_export(self, folder: Path) -> ExportVerification:
        """`verifications[folder]`, else a valid result listing the folder's files."""
        self._record("verify_export", folder)
        self._fail("verify_export")
        if folder in self.verifications:
            return self.verifications[folder]
        if not folder.is_dir():
            raise NotFoundError(f"{folder} is not a folder.")
        files = tuple(
            ExportFileVerdict(p.name, ExportFileState.OK)
            for p in sorted(folder.iterdir())
            if p.name not in ("manifest.json", "manifest.sig")
        )
        return ExportVerification(
            str(folder), True, True, self.key.fingerprint, True, files, (), "VALID"
        )

    async def evidence_key(self) -> EvidenceKey:
        self._record("evidence_key")
        return self.key

"""Fixtures: fake_backend, an in-memory BackendApi that records calls and lets a test script answers.

What is real: URL validation (`parse_camera_url`, the backend's own), the DTOs, errors and events.
What is fake: storage (dicts), probing (answers the test sets), import (a JSON list of camera objects),
recording (recorder statuses, recorded spans and the storage report are whatever the test sets).
Event callbacks run synchronously on the calling thread, as a backend on the GUI loop would call them.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from backend_embed.api import (
    BackendError,
    BackendEvent,
    Camera,
    CameraGroup,
    CameraRemoved,
    CamerasChanged,
    CameraSpec,
    CameraStatus,
    CameraStatusChanged,
    CameraStatusInfo,
    CameraStorage,
    ConflictError,
    Coverage,
    EventCallback,
    ExportFormat,
    GroupsChanged,
    ImportReport,
    InvalidInputError,
    LiveEndpoint,
    NotFoundError,
    OfflineReview,
    PlaybackSource,
    Preview,
    ProbeOutcome,
    ProbeResult,
    ProtectedRange,
    RecorderState,
    RecorderStatus,
    RecorderStatusChanged,
    Span,
    StorageAlert,
    StorageReport,
    StreamRole,
    Unsubscribe,
)
from backend_embed.cameras.urls import parse_camera_url
from tests.helpers.fake_evidence import FakeEvidence

ONLINE_PROBE = ProbeResult(
    ProbeOutcome.OK, "ok", codec="h264", width=1280, height=720, fps=25.0, elapsed_s=0.4
)
GB = 1_000_000_000
EMPTY_STORAGE = StorageReport(
    root="/var/lib/vas-console/recordings",
    total_bytes=1000 * GB,
    free_bytes=1000 * GB,
    recordings_bytes=0,
    protected_bytes=0,
    cameras=(),
    projected_days=None,
)


@dataclass(frozen=True, slots=True)
class Call:
    """One recorded BackendApi call: the method name and its arguments."""

    name: str
    args: tuple[Any, ...]


class FakeBackend(FakeEvidence):
    """A hand-written BackendApi in memory.

    Scripting:
        `probe_results[role]` answers `probe_spec`; `probe_gate`, when set, holds every probe until the test
        sets it; `failures[method]` makes the next call of that method raise the given error; `emit(event)`
        publishes an event to subscribers. `seed_*` methods fill the store without publishing events.

    Recording:
        `recorders` answers `recorder_statuses` (`seed_recorder` fills it, `set_recorder` also publishes
        `RecorderStatusChanged`); `storage` answers `storage_report` (`alert_storage` replaces it and
        publishes `StorageAlert`); `spans[(camera_id, stream)]` are the recorded spans `coverage` clips;
        `protected` holds the ranges `protect_range` made and `unprotect_range` did not remove.
    """

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.cameras: dict[int, Camera] = {}
        self.passwords: dict[int, str] = {}
        self.groups: dict[int, CameraGroup] = {}
        self.statuses: dict[int, CameraStatusInfo] = {}
        self.probe_results: dict[StreamRole, ProbeResult] = {
            StreamRole.MAIN: ONLINE_PROBE,
            StreamRole.SUB: replace(ONLINE_PROBE, stream=StreamRole.SUB, width=640, height=360),
        }
        self.probe_gate: asyncio.Event | None = None
        self.failures: dict[str, BackendError] = {}
        self.recorders: dict[tuple[int, StreamRole], RecorderStatus] = {}
        self.storage: StorageReport = EMPTY_STORAGE
        self.spans: dict[tuple[int, StreamRole], list[Span]] = {}
        self.protected: dict[int, ProtectedRange] = {}
        # live and playback: tests point these at real local servers or files
        self.live_endpoints: dict[tuple[int, StreamRole], LiveEndpoint] = {}
        self.playback_sources: dict[int, PlaybackSource] = {}
        self.preview_images: dict[int, list[Preview]] = {}
        # offline review: folders a test made reviewable, and the reviews opened from them
        self.offline_folders: dict[Path, OfflineReview] = {}
        self.offline_open: dict[str, OfflineReview] = {}
        self._subscribers: list[EventCallback] = []
        self._ids = itertools.count(1)
        self._init_evidence()

    # -- scripting --------------------------------------------------------------------------------

    def seed_group(self, name: str) -> CameraGroup:
        group = CameraGroup(next(self._ids), name)
        self.groups[group.id] = group
        return group

    def seed_camera(
        self,
        name: str,
        url: str = "rtsp://192.0.2.10:554/main",
        *,
        group: CameraGroup | None = None,
        password: str = "",
        status: CameraStatusInfo | CameraStatus | None = None,
        **fields: Any,
    ) -> Camera:
        spec = CameraSpec(
            name, url, password=password or None, group_id=group.id if group else None
        )
        camera = self._store(replace(spec, **fields), camera_id=None)
        if isinstance(status, CameraStatus):
            status = CameraStatusInfo(camera.id, status)
        if status is not None:
            self.statuses[camera.id] = replace(status, camera_id=camera.id)
        return camera

    def emit(self, event: BackendEvent) -> None:
        """Publish `event` to every subscriber, on the calling thread."""
        for callback in list(self._subscribers):
            callback(event)

    def set_status(self, info: CameraStatusInfo) -> None:
        """Record a status and publish it, as the backend's monitor would."""
        self.statuses[info.camera_id] = info
        self.emit(CameraStatusChanged(info))

    def seed_recorder(self, camera_id: int, state: RecorderState, **fields: Any) -> RecorderStatus:
        """Store a recorder status (of the camera's recorded stream unless `stream=` is given)."""
        stream = fields.pop("stream", None) or self.cameras[camera_id].recording.stream
        status = RecorderStatus(camera_id, stream, state, **fields)
        self.recorders[(camera_id, stream)] = status
        return status

    def set_recorder(self, status: RecorderStatus) -> None:
        """Store a recorder status and publish it, as the backend's stream supervisor would."""
        self.recorders[(status.camera_id, status.stream)] = status
        self.emit(RecorderStatusChanged(status))

    def alert_storage(self, message: str, report: StorageReport | None = None) -> None:
        """Publish a `StorageAlert`; `report` (default: the current one) becomes the current report."""
        if report is not None:
            self.storage = report
        self.emit(StorageAlert(message, self.storage))

    def calls_to(self, name: str) -> list[Call]:
        return [c for c in self.calls if c.name == name]

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    # -- BackendApi -------------------------------------------------------------------------------

    def _record(self, name: str, *args: Any) -> None:
        self.calls.append(Call(name, args))
        error = self.failures.pop(name, None)
        if error is not None:
            raise error

    def _camera(self, camera_id: int) -> Camera:
        try:
            return self.cameras[camera_id]
        except KeyError:
            raise NotFoundError("This camera no longer exists.") from None

    def _store(self, spec: CameraSpec, camera_id: int | None) -> Camera:
        if not spec.name.strip():
            raise InvalidInputError("Enter a name for the camera.", field="name")
        main = parse_camera_url(spec.main_url, field_name="main_url")
        sub = parse_camera_url(spec.sub_url, field_name="sub_url") if spec.sub_url else None
        if any(c.name == spec.name and c.id != camera_id for c in self.cameras.values()):
            raise ConflictError(f"A camera named “{spec.name}” already exists.")
        if spec.group_id is not None and spec.group_id not in self.groups:
            raise NotFoundError("This group no longer exists.")
        new_id = camera_id if camera_id is not None else next(self._ids)
        password = spec.password if spec.password is not None else main.password or None
        if password is not None:
            self.passwords[new_id] = password
        now = datetime.now(UTC)
        camera = Camera(
            id=new_id,
            name=spec.name,
            main_url=main.url,
            sub_url=sub.url if sub else None,
            username=spec.username or main.username,
            has_password=bool(self.passwords.get(new_id)),
            group_id=spec.group_id,
            tags=spec.tags,
            location=spec.location,
            enabled=spec.enabled,
            recording=spec.recording,
            created_at=self.cameras[new_id].created_at if new_id in self.cameras else now,
            updated_at=now,
        )
        self.cameras[new_id] = camera
        return camera

    async def list_cameras(self) -> list[Camera]:
        self._record("list_cameras")
        return list(self.cameras.values())

    async def get_camera(self, camera_id: int) -> Camera:
        self._record("get_camera", camera_id)
        return self._camera(camera_id)

    async def add_camera(self, spec: CameraSpec) -> Camera:
        self._record("add_camera", spec)
        camera = self._store(spec, camera_id=None)
        self.emit(CamerasChanged((camera,)))
        return camera

    async def update_camera(self, camera_id: int, spec: CameraSpec) -> Camera:
        self._record("update_camera", camera_id, spec)
        self._camera(camera_id)
        camera = self._store(spec, camera_id=camera_id)
        self.emit(CamerasChanged((camera,)))
        return camera

    async def delete_camera(self, camera_id: int) -> None:
        self._record("delete_camera", camera_id)
        self._camera(camera_id)
        del self.cameras[camera_id]
        self.passwords.pop(camera_id, None)
        self.statuses.pop(camera_id, None)
        self.emit(CameraRemoved(camera_id))

    async def set_camera_enabled(self, camera_id: int, enabled: bool) -> Camera:
        self._record("set_camera_enabled", camera_id, enabled)
        camera = self.cameras[camera_id] = replace(self._camera(camera_id), enabled=enabled)
        self.emit(CamerasChanged((camera,)))
        return camera

    async def list_groups(self) -> list[CameraGroup]:
        self._record("list_groups")
        return list(self.groups.values())

    async def add_group(self, name: str) -> CameraGroup:
        self._record("add_group", name)
        if any(g.name == name for g in self.groups.values()):
            raise ConflictError(f"A group named “{name}” already exists.")
        group = self.seed_group(name)
        self.emit(GroupsChanged())
        return group

    async def rename_group(self, group_id: int, name: str) -> CameraGroup:
        self._record("rename_group", group_id, name)
        if group_id not in self.groups:
            raise NotFoundError("This group no longer exists.")
        group = self.groups[group_id] = CameraGroup(group_id, name)
        self.emit(GroupsChanged())
        return group

    async def delete_group(self, group_id: int) -> None:
        self._record("delete_group", group_id)
        if any(c.group_id == group_id for c in self.cameras.values()):
            raise ConflictError("The group still has cameras: move or delete them first.")
        self.groups.pop(group_id, None)
        self.emit(GroupsChanged())

    async def probe_spec(
        self, spec: CameraSpec, stream: StreamRole = StreamRole.MAIN
    ) -> ProbeResult:
        self._record("probe_spec", spec, stream)
        url = spec.main_url if stream is StreamRole.MAIN else spec.sub_url
        if url is None:
            raise InvalidInputError("This camera has no sub stream URL.", field="sub_url")
        parse_camera_url(url, field_name=f"{stream.value}_url")
        if self.probe_gate is not None:
            await self.probe_gate.wait()
        return self.probe_results[stream]

    async def probe_camera(self, camera_id: int) -> CameraStatusInfo:
        self._record("probe_camera", camera_id)
        self._camera(camera_id)
        if self.probe_gate is not None:
            await self.probe_gate.wait()
        probe = self.probe_results[StreamRole.MAIN]
        status = CameraStatus.ONLINE if probe.ok else CameraStatus.OFFLINE
        if probe.outcome is ProbeOutcome.AUTH_FAILED:
            status = CameraStatus.AUTH_FAILED
        info = CameraStatusInfo(camera_id, status, "" if probe.ok else probe.message, probe)
        self.set_status(info)
        return info

    async def camera_statuses(self) -> list[CameraStatusInfo]:
        self._record("camera_statuses")
        return list(self.statuses.values())

    async def import_cameras(self, path: Path) -> ImportReport:
        """Reads a JSON list of `{"name", "main_url", ...}` objects; all or nothing."""
        self._record("import_cameras", path)
        entries = json.loads(path.read_text(encoding="utf-8"))
        added = [self._store(CameraSpec(**entry), camera_id=None) for entry in entries]
        self.emit(CamerasChanged(tuple(added)))
        return ImportReport(tuple(c.name for c in added))

    async def export_cameras(self, path: Path, fmt: ExportFormat) -> int:
        self._record("export_cameras", path, fmt)
        rows = [{"name": c.name, "main_url": c.main_url} for c in self.cameras.values()]
        path.write_text(json.dumps(rows), encoding="utf-8")
        return len(rows)

    async def recorder_statuses(self) -> list[RecorderStatus]:
        self._record("recorder_statuses")
        return list(self.recorders.values())

    async def coverage(
        self, camera_id: int, start_ms: int, end_ms: int, stream: StreamRole = StreamRole.MAIN
    ) -> Coverage:
        """Clips `spans[(camera_id, stream)]` to the range, merges touching spans, derives the gaps."""
        self._record("coverage", camera_id, start_ms, end_ms, stream)
        self._camera(camera_id)
        if end_ms <= start_ms:
            raise InvalidInputError("The end of the range must come after its start.")
        spans = _merge(
            Span(max(s.start_ms, start_ms), min(s.end_ms, end_ms))
            for s in self.spans.get((camera_id, stream), [])
            if s.end_ms > start_ms and s.start_ms < end_ms
        )
        gaps, cursor = [], start_ms
        for span in spans:
            if span.start_ms > cursor:
                gaps.append(Span(cursor, span.start_ms))
            cursor = span.end_ms
        if cursor < end_ms:
            gaps.append(Span(cursor, end_ms))
        return Coverage(camera_id, stream, start_ms, end_ms, tuple(spans), tuple(gaps))

    async def storage_report(self) -> StorageReport:
        self._record("storage_report")
        return self.storage

    async def protect_range(
        self, camera_id: int | None, start_ms: int, end_ms: int, reason: str
    ) -> ProtectedRange:
        self._record("protect_range", camera_id, start_ms, end_ms, reason)
        if camera_id is not None:
            self._camera(camera_id)
        if end_ms <= start_ms:
            raise InvalidInputError("The end of the range must come after its start.")
        protected = ProtectedRange(next(self._ids), camera_id, start_ms, end_ms, reason)
        self.protected[protected.id] = protected
        return protected

    async def unprotect_range(self, range_id: int) -> None:
        self._record("unprotect_range", range_id)
        if self.protected.pop(range_id, None) is None:
            raise NotFoundError("This protected range no longer exists.")

    async def live_endpoint(self, camera_id: int, stream: StreamRole) -> LiveEndpoint:
        """`live_endpoints[(camera_id, stream)]`, else NotFoundError (the camera has no such stream)."""
        self._record("live_endpoint", camera_id, stream)
        self._camera(camera_id)
        try:
            return self.live_endpoints[(camera_id, stream)]
        except KeyError:
            raise NotFoundError(f"Camera {camera_id} has no live {stream.value} stream.") from None

    async def playback_source(
        self, camera_id: int, start_ms: int, end_ms: int, stream: StreamRole = StreamRole.MAIN
    ) -> PlaybackSource:
        """`playback_sources[camera_id]` as set by the test, else NotFoundError (nothing recorded)."""
        self._record("playback_source", camera_id, start_ms, end_ms, stream)
        self._camera(camera_id)
        try:
            return self.playback_sources[camera_id]
        except KeyError:
            raise NotFoundError("Nothing was recorded in this range.") from None

    async def previews(self, camera_id: int, start_ms: int, end_ms: int) -> list[Preview]:
        self._record("previews", camera_id, start_ms, end_ms)
        return [p for p in self.preview_images.get(camera_id, []) if start_ms <= p.time_ms < end_ms]

    async def open_offline(self, folder: Path) -> OfflineReview:
        self._record("open_offline", folder)
        try:
            review = self.offline_folders[folder]
        except KeyError:
            raise NotFoundError(f"No recordings found in {folder}.") from None
        self.offline_open[review.id] = review
        return review

    def _review(self, review_id: str) -> OfflineReview:
        try:
            return self.offline_open[review_id]
        except KeyError:
            raise NotFoundError("This offline review was closed.") from None

    async def offline_coverage(
        self,
        review_id: str,
        camera_id: int,
        start_ms: int,
        end_ms: int,
        stream: StreamRole = StreamRole.MAIN,
    ) -> Coverage:
        self._record("offline_coverage", review_id, camera_id, start_ms, end_ms)
        self._review(review_id)
        return await self.coverage(camera_id, start_ms, end_ms, stream)

    async def offline_playback_source(
        self,
        review_id: str,
        camera_id: int,
        start_ms: int,
        end_ms: int,
        stream: StreamRole = StreamRole.MAIN,
    ) -> PlaybackSource:
        self._record("offline_playback_source", review_id, camera_id, start_ms, end_ms)
        self._review(review_id)
        return await self.playback_source(camera_id, start_ms, end_ms, stream)

    async def offline_previews(
        self, review_id: str, camera_id: int, start_ms: int, end_ms: int
    ) -> list[Preview]:
        self._record("offline_previews", review_id, camera_id, start_ms, end_ms)
        self._review(review_id)
        return await self.previews(camera_id, start_ms, end_ms)

    async def close_offline(self, review_id: str) -> None:
        self._record("close_offline", review_id)
        self.offline_open.pop(review_id, None)

    def subscribe(self, callback: EventCallback) -> Unsubscribe:
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe


def _merge(spans: Iterable[Span]) -> list[Span]:
    """Sorted spans with overlapping or touching ones joined."""
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: s.start_ms):
        if merged and span.start_ms <= merged[-1].end_ms:
            last = merged[-1]
            merged[-1] = Span(last.start_ms, max(last.end_ms, span.end_ms))
        else:
            merged.append(span)
    return merged


def seed_demo(backend: FakeBackend) -> dict[str, Camera]:
    """Four cameras in two groups: two online, one offline with a reason, one failing authentication."""
    lobby = backend.seed_group("Lobby")
    yard = backend.seed_group("Yard")
    online = CameraStatusInfo(0, CameraStatus.ONLINE, probe=ONLINE_PROBE)
    return {
        "entrance": backend.seed_camera(
            "Entrance",
            "rtsp://admin:s3cret-pass@192.0.2.11:554/main",
            group=lobby,
            status=online,
            location="Main hall",
            tags=("entrance", "indoor"),
            sub_url="rtsp://192.0.2.11:554/sub",
        ),
        "reception": backend.seed_camera(
            "Reception",
            "rtsp://192.0.2.12:554/main",
            group=lobby,
            status=replace(online, probe=replace(ONLINE_PROBE, width=1920, height=1080, fps=30.0)),
            location="Front desk",
        ),
        "gate": backend.seed_camera(
            "North gate",
            "rtsp://192.0.2.21:554/h264",
            group=yard,
            status=CameraStatusInfo(0, CameraStatus.OFFLINE, "No route to host 192.0.2.21"),
            location="Yard, north fence",
            tags=("outdoor",),
        ),
        "loading": backend.seed_camera(
            "Loading dock",
            "rtsp://192.0.2.22:554/h264",
            group=yard,
            password="dock-password",
            status=CameraStatusInfo(
                0, CameraStatus.AUTH_FAILED, "The camera rejected the password"
            ),
            location="Yard, east",
        ),
    }


def demo_storage(cameras: Iterable[Camera], now_ms: int) -> StorageReport:
    """A 2 TB volume, about 25 % free, shared unevenly by `cameras` (the first records the most)."""
    shares = []
    for rank, camera in enumerate(cameras):
        size = (520 - 110 * rank) * GB if rank < 4 else 4 * GB
        days = 14 - 3 * rank if rank < 4 else 1
        bitrate = size * 8 / (days * 86_400)
        shares.append(
            CameraStorage(camera.id, size, now_ms - days * 86_400_000, now_ms - 4_000, bitrate)
        )
    recorded = sum(s.bytes for s in shares)
    return StorageReport(
        root="/var/lib/vas-console/recordings",
        total_bytes=2000 * GB,
        free_bytes=2000 * GB - recorded - 60 * GB,
        recordings_bytes=recorded,
        protected_bytes=37 * GB,
        cameras=tuple(shares),
        projected_days=19.6,
    )


@pytest.fixture
def fake_backend() -> Iterator[FakeBackend]:
    """An empty FakeBackend; fill it with `seed_*` or `seed_demo`. Teardown releases a held probe."""
    backend = FakeBackend()
    yield backend
    if backend.probe_gate is not None:
        backend.probe_gate.set()
    if backend.export_gate is not None:
        backend.export_gate.set()
    backend.close_evidence()

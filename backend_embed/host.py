"""BackendHost: the embedded backend. Starts its services in order, stops them in reverse, implements BackendApi.

Must be started and used on one asyncio loop (the console's worker loop, or a recorder node's main loop).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path

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
from backend_embed.api.errors import BackendError, InvalidInputError, NotFoundError
from backend_embed.api.events import CameraRemoved, CamerasChanged, GroupsChanged
from backend_embed.api.media import LiveEndpoint, PlaybackSource, Preview
from backend_embed.api.protocol import EventCallback, Unsubscribe
from backend_embed.api.recording import (
    Coverage,
    ProtectedRange,
    RecorderStatus,
    StorageReport,
)
from backend_embed.cameras import transfer
from backend_embed.cameras.credentials import load_or_create_cipher
from backend_embed.cameras.monitor import CameraMonitor
from backend_embed.cameras.probe import probe_stream
from backend_embed.cameras.registry import CameraRegistry
from backend_embed.cameras.urls import parse_camera_url, with_credentials
from backend_embed.config import BackendConfig
from backend_embed.db.engine import Database
from backend_embed.db.migrate import upgrade_to_head
from backend_embed.events import EventBus
from backend_embed.recording.inventory import IndexInventory
from backend_embed.recording.protection import ProtectedRangeRepository
from backend_embed.recording.recovery import RecordingRecovery
from backend_embed.recording.retention import RetentionManager
from backend_embed.recording.segments import SegmentRepository
from backend_embed.recording.storage import StorageReporter
from backend_embed.recording.volume import CapacityVolume, DiskVolume, StorageLimits, Volume
from backend_embed.recording.writer import SegmentWriter
from backend_embed.streams.controller import RecordingController
from backend_embed.streams.live_sources import LiveSources
from backend_embed.webrtc.service import LiveService

logger = logging.getLogger(__name__)


class BackendNotStartedError(RuntimeError):
    """A BackendApi method was called before `start()` or after `stop()`: a bug in the caller."""


async def _probe(url: str, timeout_s: float, secrets: Sequence[str]) -> ProbeResult:
    return await probe_stream(url, timeout=timeout_s, secrets=secrets)


class BackendHost:
    """The backend of one workstation or recorder node.

    `start()` migrates the database (SQLite is backed up first), opens it, loads the credentials key and starts
    the camera monitor. `stop()` undoes that in reverse. Every other method requires a started host.
    """

    def __init__(self, config: BackendConfig) -> None:
        self._config = config
        self._bus = EventBus()
        self._db: Database | None = None
        self._registry: CameraRegistry | None = None
        self._monitor: CameraMonitor | None = None
        self._recording: RecordingController | None = None
        self._live_sources: LiveSources | None = None
        self._live: LiveService | None = None
        # the last successful probe of each camera stream: codec and picture size for live viewing
        self._probes: dict[tuple[int, StreamRole], ProbeResult] = {}
        self._reporter: StorageReporter | None = None

    @property
    def config(self) -> BackendConfig:
        return self._config

    @property
    def registry(self) -> CameraRegistry:
        if self._registry is None:
            raise BackendNotStartedError("backend host is not started")
        return self._registry

    @property
    def monitor(self) -> CameraMonitor:
        if self._monitor is None:
            raise BackendNotStartedError("backend host is not started")
        return self._monitor

    async def start(self) -> None:
        config = self._config
        config.data_dir.mkdir(parents=True, exist_ok=True)
        logger.info(
            "Starting backend (database: %s)", "SQLite" if config.is_sqlite else "PostgreSQL"
        )
        await asyncio.to_thread(upgrade_to_head, config.database_url, backup_dir=config.backup_dir)
        self._db = await Database.open(config.database_url)
        try:
            cipher = await asyncio.to_thread(
                load_or_create_cipher, config.config_dir, prefer_keyring=config.prefer_keyring
            )
            self._registry = CameraRegistry(self._db, cipher)
            self._monitor = CameraMonitor(
                self._bus,
                self._url_with_secrets,
                _probe,
                timeout_s=config.probe_timeout_s,
                concurrency=config.probe_concurrency,
                recheck_interval_s=config.recheck_interval_s,
                on_probed=self._on_probed,
            )
            cameras = await self._registry.list_cameras()
            volume, limits = self._storage_volume()
            inventory = IndexInventory(self._db)
            protection = ProtectedRangeRepository(self._db)
            self._reporter = StorageReporter(inventory, protection, volume, limits)
            if config.record:
                await self._start_recording(self._db, volume, limits, self._reporter, cameras)
            self._monitor.start(cameras)
            await self._start_live()
        except BaseException:
            await self.stop()
            raise
        logger.info("Backend started")

    def _storage_volume(self) -> tuple[Volume, StorageLimits]:
        config = self._config
        root = config.recordings_dir
        root.mkdir(parents=True, exist_ok=True)
        volume: Volume = (
            DiskVolume(root)
            if config.recordings_quota_bytes is None
            else CapacityVolume(root, config.recordings_quota_bytes)
        )
        limits = StorageLimits(
            min_free_percent=config.min_free_percent,
            hard_min_free_bytes=config.hard_min_free_bytes,
        )
        return volume, limits

    async def _start_recording(
        self,
        db: Database,
        volume: Volume,
        limits: StorageLimits,
        reporter: StorageReporter,
        cameras: Sequence[Camera],
    ) -> None:
        """Recovery first (nothing records meanwhile), then the writer, retention and the recorders."""
        root = self._config.recordings_dir
        segments, inventory = SegmentRepository(db), IndexInventory(db)
        retention = RetentionManager(
            segments,
            inventory,
            volume,
            limits,
            reporter,
            stop_recording=self._pause_recording,
            resume_recording=self._resume_recording,
            publish=self._bus.publish,
        )
        self._recording = RecordingController(
            root=root,
            writer=SegmentWriter(segments),
            recovery=RecordingRecovery(root, segments, inventory),
            retention=retention,
            stream_url=self._url_with_secrets,
            publish=self._bus.publish,
            report_status=self.monitor.report,
        )
        report = await self._recording.start()
        logger.info("Recordings checked: %s", report)
        for camera in cameras:
            await self._recording.apply(camera)

    async def _start_live(self) -> None:
        config = self._config
        self._live_sources = LiveSources(
            stream_url=self._url_with_secrets,
            recorder_port=self._recorder_port,
            codec_of=self._codec_of,
        )
        self._live = LiveService(
            self._live_sources,
            host=config.live_host,
            port=config.live_port,
            ice_addresses=config.ice_addresses,
        )
        await self._live.start()
        logger.info("Live video served at %s", self._live.base_url)

    def _recorder_port(self, camera_id: int, stream: StreamRole) -> int | None:
        return None if self._recording is None else self._recording.restream_port(camera_id, stream)

    def _codec_of(self, camera_id: int, stream: StreamRole) -> str | None:
        probe = self._probes.get((camera_id, stream))
        return None if probe is None else probe.codec

    async def _pause_recording(self, camera_ids: tuple[int, ...], reason: str) -> None:
        if self._recording is not None:
            await self._recording.pause(camera_ids, reason)

    async def _resume_recording(self, camera_ids: tuple[int, ...]) -> None:
        if self._recording is not None:
            await self._recording.resume(camera_ids)

    async def _on_probed(self, camera_id: int, result: ProbeResult) -> None:
        self._probes[(camera_id, StreamRole.MAIN)] = result
        if self._recording is not None and result.codec:
            await self._recording.note_codec(camera_id, result.codec)
            self.monitor.supervise(camera_id, self._recording.is_recording(camera_id))

    async def stop(self) -> None:
        """Stop services in reverse order: recorders first (they flush), then probes, then the database.

        Safe to call twice or after a failed start.
        """
        try:
            if self._live is not None:
                await self._live.stop()
            if self._live_sources is not None:
                await self._live_sources.stop()
            if self._recording is not None:
                await self._recording.stop()
            if self._monitor is not None:
                await self._monitor.stop()
        finally:
            db = self._db
            self._live = self._live_sources = None
            self._recording = self._monitor = self._registry = self._reporter = self._db = None
            if db is not None:
                await db.dispose()
        logger.info("Backend stopped")

    def subscribe(self, callback: EventCallback) -> Unsubscribe:
        return self._bus.subscribe(callback)

    # cameras -------------------------------------------------------------------------------------------

    async def list_cameras(self) -> list[Camera]:
        return await self.registry.list_cameras()

    async def get_camera(self, camera_id: int) -> Camera:
        return await self.registry.get_camera(camera_id)

    async def add_camera(self, spec: CameraSpec) -> Camera:
        camera = await self.registry.add_camera(spec)
        logger.info("Camera added: %s", camera.name)
        await self._changed(camera)
        return camera

    async def update_camera(self, camera_id: int, spec: CameraSpec) -> Camera:
        camera = await self.registry.update_camera(camera_id, spec)
        logger.info("Camera updated: %s", camera.name)
        await self._changed(camera, credentials_changed=spec.password is not None)
        return camera

    async def delete_camera(self, camera_id: int) -> None:
        await self.registry.delete_camera(camera_id)
        if self._recording is not None:
            await self._recording.remove(camera_id)
        self.monitor.forget(camera_id)
        for role in StreamRole:
            self._probes.pop((camera_id, role), None)
        logger.info("Camera %d deleted", camera_id)
        self._bus.publish(CameraRemoved(camera_id))

    async def set_camera_enabled(self, camera_id: int, enabled: bool) -> Camera:
        camera = await self.registry.set_camera_enabled(camera_id, enabled)
        logger.info("Camera %s %s", camera.name, "enabled" if enabled else "disabled")
        await self._changed(camera)
        return camera

    async def _changed(self, *cameras: Camera, credentials_changed: bool = False) -> None:
        """Publish changed cameras, then let recording and probing follow the new settings."""
        self._bus.publish(CamerasChanged(tuple(cameras)))
        for camera in cameras:
            self._probes.pop((camera.id, StreamRole.SUB), None)  # probed again when next watched
            if self._recording is not None:
                await self._recording.apply(camera, credentials_changed=credentials_changed)
                self.monitor.supervise(camera.id, self._recording.is_recording(camera.id))
            self.monitor.track(camera, probe=not self.monitor.is_supervised(camera.id))

    # groups --------------------------------------------------------------------------------------------

    async def list_groups(self) -> list[CameraGroup]:
        return await self.registry.list_groups()

    async def add_group(self, name: str) -> CameraGroup:
        group = await self.registry.add_group(name)
        self._bus.publish(GroupsChanged())
        return group

    async def rename_group(self, group_id: int, name: str) -> CameraGroup:
        group = await self.registry.rename_group(group_id, name)
        self._bus.publish(GroupsChanged())
        return group

    async def delete_group(self, group_id: int) -> None:
        await self.registry.delete_group(group_id)
        self._bus.publish(GroupsChanged())
        # its cameras are now ungrouped
        self._bus.publish(CamerasChanged(tuple(await self.registry.list_cameras())))

    # probing -------------------------------------------------------------------------------------------

    async def probe_spec(
        self, spec: CameraSpec, stream: StreamRole = StreamRole.MAIN
    ) -> ProbeResult:
        """Test a camera from the dialog's fields, before it is saved."""
        raw = spec.main_url if stream is StreamRole.MAIN else spec.sub_url
        if not raw:
            raise InvalidInputError("This camera has no sub stream URL.", field="sub_url")
        parsed = parse_camera_url(raw, field_name=f"{stream.value}_url")
        username = spec.username or parsed.username
        password = spec.password if spec.password else parsed.password
        url = with_credentials(parsed.url, username, password)
        return await probe_stream(url, timeout=self._config.probe_timeout_s, secrets=[password])

    async def probe_camera(self, camera_id: int) -> CameraStatusInfo:
        return await self.monitor.probe(camera_id)

    async def camera_statuses(self) -> list[CameraStatusInfo]:
        return self.monitor.statuses()

    async def _url_with_secrets(
        self, camera_id: int, role: StreamRole
    ) -> tuple[str, Sequence[str]]:
        _username, password = await self.registry.credentials(camera_id)
        return await self.registry.stream_url(camera_id, role), [password] if password else []

    # import and export ---------------------------------------------------------------------------------

    async def import_cameras(self, path: Path) -> ImportReport:
        """Import a JSON or CSV file: every row is validated first, then all are added in one transaction."""
        plan = await asyncio.to_thread(transfer.parse_import, path)
        report = await self.registry.import_plan(plan)
        logger.info("Imported %d cameras from %s", len(report.added), path.name)
        if report.groups_created:
            self._bus.publish(GroupsChanged())
        cameras = [c for c in await self.registry.list_cameras() if c.name in set(report.added)]
        await self._changed(*cameras)
        return report

    async def export_cameras(self, path: Path, fmt: ExportFormat) -> int:
        cameras = await self.registry.list_cameras()
        groups = {g.id: g.name for g in await self.registry.list_groups()}
        count = await asyncio.to_thread(transfer.export_cameras, path, fmt, cameras, groups)
        logger.info("Exported %d cameras to %s", count, path.name)
        return count

    # recording -----------------------------------------------------------------------------------------

    async def recorder_statuses(self) -> list[RecorderStatus]:
        """Statuses of the recorders this host runs (none on a host started with `record=False`)."""
        return [] if self._recording is None else self._recording.statuses()

    async def coverage(
        self, camera_id: int, start_ms: int, end_ms: int, stream: StreamRole = StreamRole.MAIN
    ) -> Coverage:
        if end_ms <= start_ms:
            raise InvalidInputError("The time range is empty.", field="end")
        return await self._segments_repo().coverage(camera_id, stream, start_ms, end_ms)

    async def storage_report(self) -> StorageReport:
        if self._reporter is None:
            raise BackendNotStartedError("backend host is not started")
        return await self._reporter.report()

    async def protect_range(
        self, camera_id: int | None, start_ms: int, end_ms: int, reason: str
    ) -> ProtectedRange:
        protected = await self._protection_repo().add(camera_id, start_ms, end_ms, reason)
        logger.info("Protected range %d added (%s)", protected.id, reason or "no reason given")
        return protected

    async def unprotect_range(self, range_id: int) -> None:
        await self._protection_repo().remove(range_id)

    def _segments_repo(self) -> SegmentRepository:
        if self._db is None:
            raise BackendNotStartedError("backend host is not started")
        return SegmentRepository(self._db)

    def _protection_repo(self) -> ProtectedRangeRepository:
        if self._db is None:
            raise BackendNotStartedError("backend host is not started")
        return ProtectedRangeRepository(self._db)

    # live and playback -------------------------------------------------------------------------------

    async def live_endpoint(self, camera_id: int, stream: StreamRole) -> LiveEndpoint:
        """Where to watch a camera stream live. A stream never probed (a sub stream) is probed once first."""
        camera = await self.registry.get_camera(camera_id)
        if stream is StreamRole.SUB and camera.sub_url is None:
            raise NotFoundError(f"{camera.name} has no sub stream.")
        if self._live is None:
            raise BackendNotStartedError("backend host is not started")
        probe = self._probes.get((camera_id, stream))
        if probe is None:
            url, secrets = await self._url_with_secrets(camera_id, stream)
            probe = await probe_stream(
                url, timeout=self._config.probe_timeout_s, secrets=secrets, stream=stream
            )
            if not probe.ok:
                raise BackendError(f"{camera.name}: {probe.message}")
            self._probes[(camera_id, stream)] = probe
        return await self._live.endpoint(camera_id, stream, width=probe.width, height=probe.height)

    async def playback_source(
        self, camera_id: int, start_ms: int, end_ms: int, stream: StreamRole = StreamRole.MAIN
    ) -> PlaybackSource:
        await self.registry.get_camera(camera_id)
        raise BackendError("Playback is not available in this build yet.")

    async def previews(self, camera_id: int, start_ms: int, end_ms: int) -> list[Preview]:
        await self.registry.get_camera(camera_id)
        return []


__all__ = ["BackendError", "BackendHost", "BackendNotStartedError"]

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
from backend_embed.api.errors import BackendError, InvalidInputError
from backend_embed.api.events import CameraRemoved, CamerasChanged, GroupsChanged
from backend_embed.api.media import LiveEndpoint, OfflineReview, PlaybackSource, Preview
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
from backend_embed.evidence_services import EvidenceServices
from backend_embed.host_evidence import EvidenceCalls
from backend_embed.media_services import MediaServices

logger = logging.getLogger(__name__)


class BackendNotStartedError(RuntimeError):
    """A BackendApi method was called before `start()` or after `stop()`: a bug in the caller."""


async def _probe(url: str, timeout_s: float, secrets: Sequence[str]) -> ProbeResult:
    return await probe_stream(url, timeout=timeout_s, secrets=secrets)


class BackendHost(EvidenceCalls):
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
        self._media: MediaServices | None = None
        self._evidence: EvidenceServices | None = None

    @property
    def config(self) -> BackendConfig:
        return self._config

    @property
    def registry(self) -> CameraRegistry:
        if self._registry is None:
            raise BackendNotStartedError("backend host is not started")
        return self._registry

    @property
    def media(self) -> MediaServices:
        if self._media is None:
            raise BackendNotStartedError("backend host is not started")
        return self._media

    @property
    def evidence(self) -> EvidenceServices:
        if self._evidence is None:
            raise BackendNotStartedError("backend host is not started")
        return self._evidence

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
            self._media = MediaServices(
                config, self._db, self._monitor, self._url_with_secrets, self._bus.publish
            )
            await self._media.start(cameras)
            self._evidence = EvidenceServices(
                config, self._db, self._media, self._registry.get_camera, self._bus.publish
            )
            await self._evidence.start()
            self._monitor.start(cameras)
        except BaseException:
            await self.stop()
            raise
        logger.info("Backend started")

    async def _on_probed(self, camera_id: int, result: ProbeResult) -> None:
        if self._media is not None:
            await self._media.on_probed(camera_id, result)

    async def stop(self) -> None:
        """Stop services in reverse order: media (recorders flush), then probes, then the database.

        Safe to call twice or after a failed start.
        """
        try:
            if self._evidence is not None:
                await self._evidence.stop()
            if self._media is not None:
                await self._media.stop()
            if self._monitor is not None:
                await self._monitor.stop()
        finally:
            db = self._db
            self._evidence = None
            self._media = self._monitor = self._registry = self._db = None
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
        await self.media.camera_removed(camera_id)
        self.monitor.forget(camera_id)
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
            await self.media.camera_changed(camera, credentials_changed=credentials_changed)
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

    # recording, live and playback: MediaServices ------------------------------------------------------

    async def recorder_statuses(self) -> list[RecorderStatus]:
        return self.media.recorder_statuses()

    async def coverage(
        self, camera_id: int, start_ms: int, end_ms: int, stream: StreamRole = StreamRole.MAIN
    ) -> Coverage:
        _check_range(start_ms, end_ms)
        return await self.media.coverage(camera_id, start_ms, end_ms, stream)

    async def storage_report(self) -> StorageReport:
        return await self.media.storage_report()

    async def protect_range(
        self, camera_id: int | None, start_ms: int, end_ms: int, reason: str
    ) -> ProtectedRange:
        return await self.media.protect_range(camera_id, start_ms, end_ms, reason)

    async def unprotect_range(self, range_id: int) -> None:
        await self.media.unprotect_range(range_id)

    async def live_endpoint(self, camera_id: int, stream: StreamRole) -> LiveEndpoint:
        return await self.media.live_endpoint(await self.registry.get_camera(camera_id), stream)

    async def playback_source(
        self, camera_id: int, start_ms: int, end_ms: int, stream: StreamRole = StreamRole.MAIN
    ) -> PlaybackSource:
        _check_range(start_ms, end_ms)
        await self.registry.get_camera(camera_id)
        return await self.media.playback_source(camera_id, start_ms, end_ms, stream)

    async def previews(self, camera_id: int, start_ms: int, end_ms: int) -> list[Preview]:
        _check_range(start_ms, end_ms)
        return await self.media.previews(camera_id, start_ms, end_ms)

    async def open_offline(self, folder: Path) -> OfflineReview:
        return await self.media.open_offline(folder)

    async def offline_coverage(
        self,
        review_id: str,
        camera_id: int,
        start_ms: int,
        end_ms: int,
        stream: StreamRole = StreamRole.MAIN,
    ) -> Coverage:
        _check_range(start_ms, end_ms)
        return await self.media.offline_coverage(review_id, camera_id, start_ms, end_ms, stream)

    async def offline_playback_source(
        self,
        review_id: str,
        camera_id: int,
        start_ms: int,
        end_ms: int,
        stream: StreamRole = StreamRole.MAIN,
    ) -> PlaybackSource:
        _check_range(start_ms, end_ms)
        return await self.media.offline_playback_source(
            review_id, camera_id, start_ms, end_ms, stream
        )

    async def offline_previews(
        self, review_id: str, camera_id: int, start_ms: int, end_ms: int
    ) -> list[Preview]:
        _check_range(start_ms, end_ms)
        return await self.media.offline_previews(review_id, camera_id, start_ms, end_ms)

    async def close_offline(self, review_id: str) -> None:
        await self.media.close_offline(review_id)


def _check_range(start_ms: int, end_ms: int) -> None:
    if end_ms <= start_ms:
        raise InvalidInputError("The end of the time range must come after its start.", field="end")


__all__ = ["BackendError", "BackendHost", "BackendNotStartedError"]

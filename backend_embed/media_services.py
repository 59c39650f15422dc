"""MediaServices: everything a host does with video: recording, storage, live viewing and playback.

Started by `BackendHost` once the database, the registry and the camera monitor are up; stopped before them.
Order: storage figures, then recording (recovery first), then live video, playback previews and offline review;
stop is the reverse.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from backend_embed.api.dto import Camera, ProbeResult, StreamRole
from backend_embed.api.errors import BackendError, NotFoundError
from backend_embed.api.events import BackendEvent
from backend_embed.api.media import LiveEndpoint, OfflineReview, PlaybackSource, Preview
from backend_embed.api.recording import (
    Coverage,
    ProtectedRange,
    RecorderState,
    RecorderStatus,
    StorageReport,
)
from backend_embed.cameras.monitor import CameraMonitor
from backend_embed.cameras.probe import probe_stream
from backend_embed.cameras.stream_probes import StreamProbes
from backend_embed.config import BackendConfig
from backend_embed.db.engine import Database
from backend_embed.recording.inventory import IndexInventory
from backend_embed.recording.offline import OfflineReviews
from backend_embed.recording.previews import PreviewIndex, PreviewMaker
from backend_embed.recording.protection import ProtectedRangeRepository
from backend_embed.recording.recovery import RecordingRecovery
from backend_embed.recording.retention import RetentionManager
from backend_embed.recording.segments import SegmentRepository
from backend_embed.recording.storage import StorageReporter
from backend_embed.recording.vod import VodPlaylists
from backend_embed.recording.volume import CapacityVolume, DiskVolume, StorageLimits, Volume
from backend_embed.recording.writer import SegmentWriter
from backend_embed.snapshots.live_capture import LiveCapture
from backend_embed.snapshots.recorded_capture import RecordedCapture
from backend_embed.snapshots.still import Still
from backend_embed.streams.controller import RecordingController, StreamUrl
from backend_embed.streams.live_sources import LiveFeed, LiveSources, LiveSourceUnavailableError
from backend_embed.streams.warm_feeds import WarmFeeds
from backend_embed.webrtc.access_token import load_or_create_token
from backend_embed.webrtc.relay import LiveRelay
from backend_embed.webrtc.service import LiveService

logger = logging.getLogger(__name__)

_WARM_CHECK_S = 2.0
"""How often recorded cameras are pinned warm (a recorder that starts is followed within this)."""


class MediaServices:
    """Recording, live video, storage and playback over one database and one recordings root.

    All methods run on the host's loop. Construct, `start(cameras)`, use, `stop()` (safe after a failed start).
    """

    def __init__(
        self,
        config: BackendConfig,
        db: Database,
        monitor: CameraMonitor,
        stream_url: StreamUrl,
        publish: Callable[[BackendEvent], None],
    ) -> None:
        self._config = config
        self._monitor = monitor
        self._stream_url = stream_url
        self._publish = publish
        root = config.recordings_dir
        self._segments = SegmentRepository(db)
        self._inventory = IndexInventory(db)
        self._protection = ProtectedRangeRepository(db)
        self._volume, self._limits = _storage(config)
        self._reporter = StorageReporter(
            self._inventory, self._protection, self._volume, self._limits
        )
        self._vod = VodPlaylists(root, config.data_dir / "cache" / "playlists", self._segments)
        self._preview_index = PreviewIndex(root)
        self._preview_maker = PreviewMaker(root)
        # offline reviews' temporary indexes: in a folder of this host's own, swept at start
        self._offline = OfflineReviews(config.data_dir / "cache" / "offline-reviews")
        self._recording: RecordingController | None = None
        self._live_sources: LiveSources | None = None
        self._live: LiveService | None = None
        self._live_capture: LiveCapture | None = None
        self._warm_feeds: WarmFeeds | None = None
        self._keep_warm: asyncio.Task[None] | None = None
        self._recorded_capture = RecordedCapture(root, self._segments)
        self._tasks: list[asyncio.Task[None]] = []
        # what each camera stream is (codec and picture size for live viewing), probed once
        self._probes = StreamProbes(stream_url, self._probe_stream)

    async def start(self, cameras: Sequence[Camera]) -> None:
        if swept := await self._offline.sweep():
            logger.info(
                "Removed %d offline review folders left by a host that did not close them", swept
            )
        if self._config.record:
            await self._start_recording(cameras)
        self._tasks.append(asyncio.create_task(self._preview_maker.run(), name="previews"))
        await self._start_live()
        if self._config.record and (self._config.live_warm_recorded or self._config.live_warm_sub):
            self._keep_warm = asyncio.create_task(self._keep_warm_forever(), name="keep live warm")

    async def stop(self) -> None:
        """Stop in reverse order: viewers, live feeds, recorders (they flush), previews, offline reviews."""
        try:
            # first the task that pins and acquires feeds: a round of it must not start any while they go
            if self._keep_warm is not None:
                self._keep_warm.cancel()
                await asyncio.gather(self._keep_warm, return_exceptions=True)
                self._keep_warm = None
            if self._live_capture is not None:
                await self._live_capture.stop()
            if self._warm_feeds is not None:
                self._warm_feeds.release_all()
            if self._live is not None:
                await self._live.stop()
            if self._live_sources is not None:
                await self._live_sources.stop()
            if self._recording is not None:
                await self._recording.stop()
        finally:
            self._live = self._live_sources = self._recording = self._live_capture = None
            self._warm_feeds = None
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            self._tasks.clear()
            await self._probes.aclose()
            await self._offline.close_all()

    async def _start_recording(self, cameras: Sequence[Camera]) -> None:
        """Recovery first (nothing records meanwhile), then the writer, retention and the recorders."""
        root = self._config.recordings_dir
        retention = RetentionManager(
            self._segments,
            self._inventory,
            self._volume,
            self._limits,
            self._reporter,
            stop_recording=self._pause_recording,
            resume_recording=self._resume_recording,
            publish=self._publish,
        )
        self._recording = RecordingController(
            root=root,
            writer=SegmentWriter(self._segments),
            recovery=RecordingRecovery(root, self._segments, self._inventory),
            retention=retention,
            stream_url=self._stream_url,
            publish=self._publish,
            report_status=self._monitor.report,
            on_segment=self._preview_maker.submit,
        )
        report = await self._recording.start()
        logger.info("Recordings checked: %s", report)
        for camera in cameras:
            await self._recording.apply(camera)

    async def _start_live(self) -> None:
        config = self._config
        token = config.live_token
        if token is None:
            token = await asyncio.to_thread(load_or_create_token, config.config_dir)
        self._live_sources = LiveSources(
            stream_url=self._stream_url,
            recorder_port=self._recorder_port,
            codec_of=self._codec_of,
            on_acquire=self._on_live_acquired,
        )
        self._live = LiveService(
            self._live_sources,
            host=config.live_host,
            port=config.live_port,
            ice_addresses=config.ice_addresses,
            bearer_token=token,
        )
        await self._live.start()
        self._live_capture = LiveCapture(
            self._live_sources,
            self._relay_of,
            pinned=self._keeps_warm,
            main_is_free=lambda camera_id: (
                self._recorder_port(camera_id, StreamRole.MAIN) is not None
            ),
        )
        self._warm_feeds = WarmFeeds(
            self._live_sources,
            self._relay_of,
            carried=lambda camera_id, stream: self._recorder_port(camera_id, stream) is not None,
        )
        logger.info("Live video served at %s", self._live.base_url)

    def _keeps_warm(self, camera_id: int) -> bool:
        """A recorded camera's main stream is read all the time (its restream flows anyway)."""
        return (
            self._config.live_warm_recorded
            and self._recorder_port(camera_id, StreamRole.MAIN) is not None
        )

    async def _keep_warm_forever(self) -> None:
        """Every 2 s, following recorders that start and stop: pin every recorded camera's main feed
        (stills; `LiveCapture`), hold the feed of a recorded stream other than main, and the sub stream of
        every camera that records (`live_warm_sub`; `WarmFeeds`)."""
        while True:
            capture, recording, warm = self._live_capture, self._recording, self._warm_feeds
            try:
                if capture is not None and recording is not None and warm is not None:
                    statuses = recording.statuses()
                    for status in statuses:
                        capture.pin(status.camera_id)
                    await warm.follow(
                        {(status.camera_id, status.stream) for status in statuses},
                        also=self._warm_subs(statuses),
                    )
            except Exception:  # the task's boundary: a failed round only makes first frames slower
                logger.exception("Keeping recorded cameras' live feeds warm failed")
            await asyncio.sleep(_WARM_CHECK_S)

    def _warm_subs(self, statuses: Sequence[RecorderStatus]) -> set[tuple[int, StreamRole]]:
        """The sub streams to keep read: of cameras recording now (a camera that is down is not chased
        by a second ingest) whose sub stream answered its probe (so it exists, and its codec is known)."""
        if not self._config.live_warm_sub:
            return set()
        return {
            (status.camera_id, StreamRole.SUB)
            for status in statuses
            if status.state is RecorderState.RECORDING
            and self._probes.get(status.camera_id, StreamRole.SUB) is not None
        }

    def _on_live_acquired(self, feed: LiveFeed) -> None:
        if self._live_capture is not None:
            self._live_capture.note_viewed(feed)

    def _relay_of(self, feed: LiveFeed) -> LiveRelay:
        if self._live is None:
            raise LiveSourceUnavailableError("Live video is not running.")
        return self._live.relay_for(feed)

    # cameras and probes --------------------------------------------------------------------------------

    async def on_probed(self, camera_id: int, result: ProbeResult) -> None:
        """A probe of a camera's main stream succeeded: its recorder may start (the codec is known).

        A camera that records another stream has that stream probed too: its recorder copies or
        transcodes by that stream's codec (a camera's sub stream is often another codec, MJPEG say).
        """
        self._probes.record(camera_id, result)
        # the camera answers: learn its sub stream now, not when a wall of tiles asks for it at once
        await self._prefetch_sub(camera_id)
        if self._recording is None or not result.codec:
            return
        codec: str | None = result.codec
        stream = self._recording.recorded_stream(camera_id)
        if stream is not None and stream is not StreamRole.MAIN:
            codec = await self._recorded_stream_codec(camera_id, stream)
        if codec:
            await self._recording.note_codec(camera_id, codec)
        self._monitor.supervise(camera_id, self._recording.is_recording(camera_id))

    async def _recorded_stream_codec(self, camera_id: int, stream: StreamRole) -> str | None:
        """The codec of a recorded stream other than main: probed once, then from the cache."""
        try:
            probe = await self._probes.probe(camera_id, stream)
        except BackendError as exc:  # no such stream (any more)
            logger.warning("Camera %d: no recorded %s stream: %s", camera_id, stream.value, exc)
            return None
        if not probe.ok:
            logger.warning(
                "Camera %d: its recorded %s stream could not be probed: %s",
                camera_id, stream.value, probe.message,
            )  # fmt: skip
            return None
        return probe.codec

    async def _prefetch_sub(self, camera_id: int) -> None:
        """Probe the camera's sub stream in the background, if it has one of its own.

        A camera without one answers its main URL for the sub stream (`CameraRegistry.stream_url`): probing
        and keeping that warm would hold a second session of the main stream that no viewer can use.
        """
        try:
            sub, _ = await self._stream_url(camera_id, StreamRole.SUB)
            main, _ = await self._stream_url(camera_id, StreamRole.MAIN)
        except BackendError as exc:  # removed meanwhile, or its password cannot be decrypted
            logger.debug("Camera %d: sub stream not probed: %s", camera_id, exc.user_message)
            return
        if sub != main:
            self._probes.prefetch(camera_id, StreamRole.SUB)

    async def _probe_stream(
        self, url: str, secrets: Sequence[str], stream: StreamRole
    ) -> ProbeResult:
        return await probe_stream(
            url, timeout=self._config.probe_timeout_s, secrets=secrets, stream=stream
        )

    async def camera_changed(self, camera: Camera, *, credentials_changed: bool) -> None:
        # what was learnt of the sub stream may be of its old address: learn it again (a recording camera
        # is not probed again by the monitor, so `on_probed` would not do it)
        self._probes.forget(camera.id, StreamRole.SUB)
        if self._recording is not None:
            await self._recording.apply(camera, credentials_changed=credentials_changed)
            self._monitor.supervise(camera.id, self._recording.is_recording(camera.id))
        if self._live_sources is not None:  # live feeds still reading the old address end
            await self._live_sources.refresh_camera(camera.id)
        if camera.enabled:
            await self._prefetch_sub(camera.id)

    async def camera_removed(self, camera_id: int) -> None:
        if self._recording is not None:
            await self._recording.remove(camera_id)
        if self._live_sources is not None:
            await self._live_sources.refresh_camera(camera_id)
        self._probes.forget(camera_id, *StreamRole)

    def probed(self, camera_id: int, stream: StreamRole) -> ProbeResult | None:
        """What the last successful probe of a camera stream found, or None (not probed yet, or failed)."""
        return self._probes.get(camera_id, stream)

    def _recorder_port(self, camera_id: int, stream: StreamRole) -> int | None:
        return None if self._recording is None else self._recording.restream_port(camera_id, stream)

    def _codec_of(self, camera_id: int, stream: StreamRole) -> str | None:
        probe = self._probes.get(camera_id, stream)
        return None if probe is None else probe.codec

    async def _pause_recording(self, camera_ids: tuple[int, ...], reason: str) -> None:
        if self._recording is not None:
            await self._recording.pause(camera_ids, reason)

    async def _resume_recording(self, camera_ids: tuple[int, ...]) -> None:
        if self._recording is not None:
            await self._recording.resume(camera_ids)

    # recording and storage -----------------------------------------------------------------------------

    def recorder_statuses(self) -> list[RecorderStatus]:
        """Statuses of the recorders this host runs (none on a host configured with `record=False`)."""
        return [] if self._recording is None else self._recording.statuses()

    async def coverage(
        self, camera_id: int, start_ms: int, end_ms: int, stream: StreamRole
    ) -> Coverage:
        return await self._segments.coverage(camera_id, stream, start_ms, end_ms)

    async def storage_report(self) -> StorageReport:
        return await self._reporter.report()

    async def protect_range(
        self, camera_id: int | None, start_ms: int, end_ms: int, reason: str
    ) -> ProtectedRange:
        protected = await self._protection.add(camera_id, start_ms, end_ms, reason)
        logger.info("Protected range %d added (%s)", protected.id, reason or "no reason given")
        return protected

    async def unprotect_range(self, range_id: int) -> None:
        await self._protection.remove(range_id)
        logger.info("Protected range %d lifted", range_id)

    # live --------------------------------------------------------------------------------------------

    async def live_endpoint(self, camera: Camera, stream: StreamRole) -> LiveEndpoint:
        """Where to watch a camera stream live. A stream not known yet is probed first (or its probe joined)."""
        if stream is StreamRole.SUB and camera.sub_url is None:
            raise NotFoundError(f"{camera.name} has no sub stream.")
        if self._live is None:
            raise BackendError("Live video is not running.")
        probe = await self._probes.probe(camera.id, stream)
        if not probe.ok:
            raise BackendError(f"{camera.name}: {probe.message}")
        return await self._live.endpoint(camera.id, stream, width=probe.width, height=probe.height)

    # snapshots ---------------------------------------------------------------------------------------

    async def live_still(self, camera: Camera) -> Still:
        """The newest picture of the camera's main stream, full resolution, JPEG (snapshots.live_capture).

        Raises:
            LiveSourceUnavailableError: no live picture now (disabled, not reached yet, sending nothing).
            NotFoundError: the camera no longer exists.
        """
        if not camera.enabled:
            raise LiveSourceUnavailableError(
                f"{camera.name} is disabled: enable it to take a snapshot."
            )
        if self._live_capture is None:
            raise LiveSourceUnavailableError("Live video is not running.")
        try:
            return await self._live_capture.still(camera.id)
        except LiveSourceUnavailableError as exc:
            raise LiveSourceUnavailableError(f"No snapshot of {camera.name}: {exc}") from exc

    async def recorded_still(self, camera_id: int, time_ms: int) -> Still:
        """The recorded main-stream frame shown at `time_ms`, JPEG (snapshots.recorded_capture).

        Raises:
            NotFoundError: nothing recorded at `time_ms`.
            BackendError: the recording cannot be read.
        """
        return await self._recorded_capture.still(camera_id, time_ms)

    # playback ----------------------------------------------------------------------------------------

    async def playback_source(
        self, camera_id: int, start_ms: int, end_ms: int, stream: StreamRole
    ) -> PlaybackSource:
        return await self._vod.playback_source(camera_id, start_ms, end_ms, stream)

    async def previews(self, camera_id: int, start_ms: int, end_ms: int) -> list[Preview]:
        return await self._preview_index.previews(camera_id, start_ms, end_ms)

    async def open_offline(self, folder: Path) -> OfflineReview:
        review = await self._offline.open(folder)
        logger.info("Opened %s for offline review (%d cameras)", folder, len(review.cameras))
        return review

    async def offline_coverage(
        self, review_id: str, camera_id: int, start_ms: int, end_ms: int, stream: StreamRole
    ) -> Coverage:
        return await self._offline.get(review_id).coverage(camera_id, start_ms, end_ms, stream)

    async def offline_playback_source(
        self, review_id: str, camera_id: int, start_ms: int, end_ms: int, stream: StreamRole
    ) -> PlaybackSource:
        library = self._offline.get(review_id)
        return await library.playback_source(camera_id, start_ms, end_ms, stream)

    async def offline_previews(
        self, review_id: str, camera_id: int, start_ms: int, end_ms: int
    ) -> list[Preview]:
        return await self._offline.get(review_id).previews(camera_id, start_ms, end_ms)

    async def close_offline(self, review_id: str) -> None:
        await self._offline.close(review_id)


def _storage(config: BackendConfig) -> tuple[Volume, StorageLimits]:
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

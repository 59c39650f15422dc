"""RecordingController: turns "these cameras should be recorded" into running recorders, indexers and retention.

One `StreamRecorder` (ffmpeg) and one `SegmentIndexer` (playlist follower) per recorded camera stream, one
batching `SegmentWriter` for all of them, one `RetentionManager`. Start-up order: recovery reconciles disk and
index before anything records; then the writer, retention, and the recorders. Stop is the reverse.

A camera's recorder starts once its codec is known (from the connection probe), because an MJPEG camera must
be transcoded rather than copied. From then on the recorder owns the camera's one RTSP session, and its state
is what the camera tree shows as the camera's status.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from backend_embed.api.dto import Camera, CameraStatus, CameraStatusInfo, StreamRole
from backend_embed.api.events import BackendEvent, RecorderStatusChanged
from backend_embed.api.recording import RecorderState, RecorderStatus
from backend_embed.ffmpeg.command import RecorderCommand
from backend_embed.recording.indexer import SegmentIndexer
from backend_embed.recording.layout import write_camera_info
from backend_embed.recording.recovery import RecordingRecovery, RecoveryReport
from backend_embed.recording.retention import RetentionManager, RetentionPolicy
from backend_embed.recording.segments import SegmentInfo
from backend_embed.recording.writer import SegmentWriter
from backend_embed.streams.supervisor import StreamRecorder

logger = logging.getLogger(__name__)

# camera id, stream -> (URL with credentials, secrets to redact)
StreamUrl = Callable[[int, StreamRole], Awaitable[tuple[str, Sequence[str]]]]
TRANSCODED_CODECS = frozenset({"mjpeg"})


@dataclass(frozen=True, slots=True)
class _Desired:
    camera_id: int
    stream: StreamRole
    transcode: bool


class _Pipeline:
    """A running recorder with its indexer task."""

    def __init__(
        self, desired: _Desired, recorder: StreamRecorder, indexer: SegmentIndexer
    ) -> None:
        self.desired = desired
        self.recorder = recorder
        self.indexer = indexer
        self.indexer_task = asyncio.create_task(indexer.run(), name=f"indexer-{desired.camera_id}")

    async def stop(self) -> None:
        await self.recorder.stop()
        self.indexer_task.cancel()
        await asyncio.gather(self.indexer_task, return_exceptions=True)
        await self.indexer.poll()  # index what the last ffmpeg wrote before it stopped


def free_udp_port() -> int:
    """A UDP port on 127.0.0.1 that is free now (for the loopback restream)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class RecordingController:
    """Keeps one pipeline per camera that should be recorded, and nothing else.

    All methods run on the backend's loop. `publish` receives `RecorderStatusChanged` events;
    `report_status` receives the camera status a recorder implies (the camera monitor shows it).
    """

    def __init__(
        self,
        *,
        root: Path,
        writer: SegmentWriter,
        recovery: RecordingRecovery,
        retention: RetentionManager,
        stream_url: StreamUrl,
        publish: Callable[[BackendEvent], None],
        report_status: Callable[[CameraStatusInfo], None],
        on_segment: Callable[[SegmentInfo], None] | None = None,
        segment_s: int = 4,
    ) -> None:
        self._root = root
        self._writer = writer
        self._recovery = recovery
        self._retention = retention
        self._stream_url = stream_url
        self._publish = publish
        self._report_status = report_status
        self._segment_s = segment_s
        self._on_segment = on_segment
        self._pipelines: dict[int, _Pipeline] = {}
        self._wanted: dict[int, Camera] = {}
        self._codecs: dict[int, str] = {}
        self._retention_task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    async def start(self) -> RecoveryReport:
        """Reconcile disk and index, then start the writer and retention. Recorders start in `apply`."""
        self._root.mkdir(parents=True, exist_ok=True)
        report = await self._recovery.run()
        await self._writer.start()
        self._retention_task = asyncio.create_task(self._retention.run(), name="retention")
        return report

    async def stop(self) -> None:
        """Stop every recorder (newest first), then retention, then flush the writer."""
        async with self._lock:
            for camera_id in reversed(list(self._pipelines)):
                await self._pipelines.pop(camera_id).stop()
        if self._retention_task is not None:
            self._retention_task.cancel()
            await asyncio.gather(self._retention_task, return_exceptions=True)
            self._retention_task = None
        await self._writer.stop()

    def statuses(self) -> list[RecorderStatus]:
        return [p.recorder.status() for p in self._pipelines.values()]

    def is_recording(self, camera_id: int) -> bool:
        return camera_id in self._pipelines

    def recorded_stream(self, camera_id: int) -> StreamRole | None:
        """The stream the camera is set to record, or None (not recorded)."""
        camera = self._wanted.get(camera_id)
        return None if camera is None else camera.recording.stream

    def restream_port(self, camera_id: int, stream: StreamRole) -> int | None:
        """The loopback UDP port carrying the recorder's copy of this camera stream, if it records it."""
        pipeline = self._pipelines.get(camera_id)
        if pipeline is None or pipeline.desired.stream is not stream:
            return None
        return pipeline.recorder.command.restream_port

    async def apply(self, camera: Camera, *, credentials_changed: bool = False) -> None:
        """Make the pipeline of `camera` match its settings: start, restart or stop it.

        A change of URL, recorded stream or credentials stops the running recorder and forgets the codec: it
        starts again once a probe of the new source confirms the codec (`note_codec`).
        """
        previous = self._wanted.get(camera.id)
        if credentials_changed or (previous is not None and _source(previous) != _source(camera)):
            self._codecs.pop(camera.id, None)
        if camera.enabled and camera.recording.enabled:
            self._wanted[camera.id] = camera
        else:
            self._wanted.pop(camera.id, None)
        self._retention.set_policies(
            [RetentionPolicy.from_settings(c.id, c.recording) for c in self._wanted.values()]
        )
        await self._reconcile(camera.id)

    async def remove(self, camera_id: int) -> None:
        self._wanted.pop(camera_id, None)
        self._codecs.pop(camera_id, None)
        await self._reconcile(camera_id)

    async def note_codec(self, camera_id: int, codec: str) -> None:
        """The probe found the camera's codec: a recorder waiting for it can start now."""
        if self._codecs.get(camera_id) != codec:
            self._codecs[camera_id] = codec
            await self._reconcile(camera_id)

    async def pause(self, camera_ids: tuple[int, ...], reason: str) -> None:
        """Retention's hard limit: stop writing for these cameras (their recorders stay, paused)."""
        for camera_id in camera_ids:
            if (pipeline := self._pipelines.get(camera_id)) is not None:
                await pipeline.recorder.pause(reason)

    async def resume(self, camera_ids: tuple[int, ...]) -> None:
        for camera_id in camera_ids:
            if (pipeline := self._pipelines.get(camera_id)) is not None:
                pipeline.recorder.resume()

    def _desired(self, camera_id: int) -> _Desired | None:
        camera = self._wanted.get(camera_id)
        codec = self._codecs.get(camera_id)
        if camera is None or codec is None:
            return None
        return _Desired(camera_id, camera.recording.stream, codec in TRANSCODED_CODECS)

    async def _reconcile(self, camera_id: int) -> None:
        async with self._lock:
            desired = self._desired(camera_id)
            current = self._pipelines.get(camera_id)
            if current is not None and current.desired != desired:
                await self._pipelines.pop(camera_id).stop()
                current = None
            if current is None and desired is not None:
                self._pipelines[camera_id] = await self._start_pipeline(desired)

    async def _start_pipeline(self, desired: _Desired) -> _Pipeline:
        url, secrets = await self._stream_url(desired.camera_id, desired.stream)
        command = RecorderCommand(
            input_url=url,
            recordings_root=self._root,
            camera_id=desired.camera_id,
            stream=desired.stream,
            segment_s=self._segment_s,
            restream_port=free_udp_port(),
            transcode=desired.transcode,
        )
        recorder = StreamRecorder(
            desired.camera_id, desired.stream, command, self._on_recorder_status, secrets=secrets
        )
        indexer = SegmentIndexer(
            camera_id=desired.camera_id,
            stream=desired.stream,
            playlist=command.playlist_path,
            root=self._root,
            submit=self._submit,
            on_segment_closed=recorder.note_segment_closed,
            clock=recorder.clock,
        )
        # a copied recordings folder names its cameras (offline review)
        name = self._wanted[desired.camera_id].name
        await asyncio.to_thread(write_camera_info, self._root, desired.camera_id, name)
        await recorder.start()
        logger.info(
            "Recording camera %d (%s stream%s)",
            desired.camera_id,
            desired.stream.value,
            ", transcoding to H.264" if desired.transcode else ", stream copy",
        )
        return _Pipeline(desired, recorder, indexer)

    def _submit(self, segment: SegmentInfo) -> None:
        """A closed segment: to the index writer, and to the preview maker."""
        self._writer.submit(segment)
        if self._on_segment is not None:
            self._on_segment(segment)

    def _on_recorder_status(self, status: RecorderStatus) -> None:
        self._publish(RecorderStatusChanged(status))
        implied = camera_status_from_recorder(status)
        if implied is not None:
            self._report_status(implied)


def _source(camera: Camera) -> tuple[object, ...]:
    """What decides where a camera's recorder connects."""
    return (
        camera.main_url,
        camera.sub_url,
        camera.username,
        camera.has_password,
        camera.recording.stream,
    )


def camera_status_from_recorder(status: RecorderStatus) -> CameraStatusInfo | None:
    """What a recorder's state says about its camera; None where it says nothing new (starting, stopped)."""
    if status.state is RecorderState.RECORDING:
        return CameraStatusInfo(status.camera_id, CameraStatus.ONLINE, "recording")
    if status.state in (RecorderState.RECONNECTING, RecorderState.FAILED):
        if status.reason.startswith("authentication failed"):
            return CameraStatusInfo(status.camera_id, CameraStatus.AUTH_FAILED, status.reason)
        return CameraStatusInfo(status.camera_id, CameraStatus.OFFLINE, status.reason)
    return None

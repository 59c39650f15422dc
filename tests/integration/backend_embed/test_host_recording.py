"""BackendHost records: a registered camera is recorded by stream copy, indexed, covered and reported."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import psutil
import pytest

from backend_embed.api import (
    BackendEvent,
    CameraSpec,
    CameraStatus,
    CameraStatusChanged,
    RecorderState,
    RecorderStatusChanged,
    StreamRole,
)
from backend_embed.config import BackendConfig
from backend_embed.host import BackendHost
from camsim.launcher import SimulatedCameras

pytestmark = [pytest.mark.requires_rtsp_server, pytest.mark.requires_ffmpeg, pytest.mark.slow]


class Events:
    """Collects backend events and wakes waiters on each one."""

    def __init__(self) -> None:
        self.seen: list[BackendEvent] = []
        self._changed = asyncio.Event()

    def __call__(self, event: BackendEvent) -> None:
        self.seen.append(event)
        self._changed.set()

    async def until(self, predicate: object) -> None:
        check = predicate if callable(predicate) else None
        assert check is not None
        while not any(check(e) for e in self.seen):
            self._changed.clear()
            await self._changed.wait()


def _ffmpeg_children() -> list[psutil.Process]:
    return [p for p in psutil.Process().children(recursive=True) if p.name() == "ffmpeg"]


@pytest.fixture
async def host(tmp_path: Path) -> AsyncIterator[BackendHost]:
    config = BackendConfig.local(tmp_path / "config", tmp_path / "data", recheck_interval_s=0)
    backend = BackendHost(config)
    await backend.start()
    yield backend
    await backend.stop()


async def test_a_camera_is_recorded_indexed_and_reported_and_stop_leaves_no_ffmpeg(
    host: BackendHost, camsim_cameras: SimulatedCameras
) -> None:
    events = Events()
    host.subscribe(events)
    started_ms = int(time.time() * 1000)
    camera = await host.add_camera(
        CameraSpec(name="Lobby", main_url=camsim_cameras.url("cam2", "main", credentials=False))
    )
    async with asyncio.timeout(20):
        await events.until(
            lambda e: (
                isinstance(e, RecorderStatusChanged)
                and e.status.camera_id == camera.id
                and e.status.state is RecorderState.RECORDING
            )
        )
    [status] = await host.recorder_statuses()
    assert (status.stream, status.transcoding) == (StreamRole.MAIN, False)

    async with asyncio.timeout(30):
        while True:  # two closed 4 s segments, indexed by the writer
            coverage = await host.coverage(camera.id, started_ms - 5_000, started_ms + 60_000)
            if coverage.spans and coverage.spans[0].duration_ms >= 7_000:
                break
            await asyncio.sleep(0.5)
    report = await host.storage_report()
    [usage] = report.cameras
    assert usage.camera_id == camera.id
    assert usage.bytes > 0
    assert list((host.config.recordings_dir / str(camera.id)).rglob("*.ts"))
    # the camera's status now comes from its recorder, keeping the probe's summary
    statuses = {s.camera_id: s for s in await host.camera_statuses()}
    assert statuses[camera.id].status is CameraStatus.ONLINE
    assert "1280x720" in statuses[camera.id].reason
    assert _ffmpeg_children()

    # recorded video plays back from a VOD playlist, with previews made while recording
    source = await host.playback_source(camera.id, started_ms - 5_000, started_ms + 60_000)
    assert Path(source.playlist_path).read_text().startswith("#EXTM3U")
    assert len(source.entries) >= 2
    assert source.entries[0].offset_ms == 0
    async with asyncio.timeout(15):  # previews are files made in a worker thread: poll for them
        while not (  # noqa: ASYNC110
            previews := await host.previews(camera.id, started_ms - 5_000, started_ms + 60_000)
        ):
            await asyncio.sleep(0.5)
    assert Path(previews[0].path).stat().st_size > 0
    camera_json = host.config.recordings_dir / str(camera.id) / "camera.json"
    assert '"Lobby"' in camera_json.read_text()

    await host.stop()
    assert _ffmpeg_children() == []
    await host.start()  # the fixture stops it again


async def test_disabling_a_camera_stops_its_recorder(
    host: BackendHost, camsim_cameras: SimulatedCameras
) -> None:
    events = Events()
    host.subscribe(events)
    camera = await host.add_camera(
        CameraSpec(name="Gate", main_url=camsim_cameras.url("cam3", "main", credentials=False))
    )
    async with asyncio.timeout(20):
        await events.until(
            lambda e: (
                isinstance(e, RecorderStatusChanged) and e.status.state is RecorderState.RECORDING
            )
        )
    await host.set_camera_enabled(camera.id, False)
    assert await host.recorder_statuses() == []
    assert _ffmpeg_children() == []
    statuses = {s.camera_id: s.status for s in await host.camera_statuses()}
    assert statuses[camera.id] is CameraStatus.DISABLED
    assert not any(
        isinstance(e, CameraStatusChanged) and e.info.status is CameraStatus.OFFLINE
        for e in events.seen
    )

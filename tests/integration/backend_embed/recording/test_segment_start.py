"""An indexed segment starts when its first frame was captured, not when ffmpeg began writing it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import av
import pytest

from backend_embed.api import StreamRole
from backend_embed.config import BackendConfig
from backend_embed.host import BackendHost
from camsim.launcher import SimulatedCameras
from camsim.timecode import decode_luma
from tests.helpers.host_cameras import add_recording_camera

pytestmark = [pytest.mark.requires_rtsp_server, pytest.mark.requires_ffmpeg, pytest.mark.slow]

#: one frame at camsim's 25 fps
FRAME_MS = 40
#: what the index may lag: one frame, plus camsim's capture-to-send latency. The recorder dates a segment
#: by when ffmpeg received its first frame (docs/decisions.md, decision 21), and camsim stamps a frame
#: before x264 and its RTSP server's pipeline latency: 65..75 ms measured once streaming (ffmpeg's
#: program date time, the date before the fix, lagged 620..700 ms).
ALLOWED_LAG_MS = FRAME_MS + 60


def _first_frame_code(path: Path) -> int:
    with av.open(str(path), "r", format="mpegts") as container:
        frame = next(container.decode(video=0)).reformat(format="gray")
    plane = frame.planes[0]
    code = decode_luma(bytes(plane), frame.width, frame.height, stride=plane.line_size)
    assert code is not None, f"the first frame of {path} carries no readable code"
    return code


@pytest.fixture
async def host(tmp_path: Path) -> AsyncIterator[BackendHost]:
    """A real BackendHost with a fresh SQLite index and recordings folder."""
    config = BackendConfig.local(tmp_path / "config", tmp_path / "data", recheck_interval_s=0)
    backend = BackendHost(config)
    await backend.start()
    try:
        yield backend
    finally:
        await backend.stop()


async def test_indexed_segment_starts_at_the_capture_time_of_its_first_frame(
    host: BackendHost, camsim_cameras: SimulatedCameras
) -> None:
    started_ms = int(time.time() * 1000)
    camera = await add_recording_camera(host, camsim_cameras, "cam3", "Clock")
    segments = []
    async with asyncio.timeout(40):
        while len(segments) < 4:
            await asyncio.sleep(0.5)
            now_ms = int(time.time() * 1000)
            segments = await host.media._segments.segments_between(  # the index itself
                camera.id, StreamRole.MAIN, started_ms - 10_000, now_ms + 10_000
            )
    root = host.config.recordings_dir
    # camsim holds a new session's first frames about 70 ms longer than later ones (measured): the
    # first segment of a run is left out, as bench/snapshot.py does
    offsets = {s.path: s.start_ms - _first_frame_code(root / s.path) for s in segments[1:]}
    assert all(0 <= lag <= ALLOWED_LAG_MS for lag in offsets.values()), offsets

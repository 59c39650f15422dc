"""MediaServices stills against a real simulated camera recorded by a real BackendHost.

Real: camsim (GStreamer RTSP, main 1280x720, sub 640x360, a timestamp code in every frame), the recorder's
ffmpeg, its loopback restream, the live service and a WHEP viewer (aiortc) of the sub stream.
"""

from __future__ import annotations

import io
import time
from collections.abc import AsyncIterator
from pathlib import Path

import av
import pytest

from backend_embed.api import (
    CameraSpec,
    NotFoundError,
    StreamRole,
)
from backend_embed.config import BackendConfig
from backend_embed.host import BackendHost
from backend_embed.snapshots.still import jpeg_size
from backend_embed.streams.live_sources import LiveSourceUnavailableError
from camsim.config import CameraConfig
from camsim.timecode import decode_luma
from tests.helpers.camsim_fixtures import CamSimFactory
from tests.helpers.host_cameras import add_recording_camera
from tests.integration.backend_embed.webrtc.whep_client import WhepViewer

pytestmark = [
    pytest.mark.integration,
    pytest.mark.requires_rtsp_server,
    pytest.mark.requires_ffmpeg,
    pytest.mark.slow,
]


@pytest.fixture
async def host(tmp_path: Path) -> AsyncIterator[BackendHost]:
    config = BackendConfig.local(tmp_path / "config", tmp_path / "data", recheck_interval_s=0)
    backend = BackendHost(config)
    await backend.start()
    yield backend
    await backend.stop()


def _code(jpeg: bytes) -> int | None:
    with av.open(io.BytesIO(jpeg), "r", format="image2pipe") as container:
        frame = next(container.decode(video=0)).reformat(format="gray")
    plane = frame.planes[0]
    return decode_luma(bytes(plane), frame.width, frame.height, stride=plane.line_size)


async def test_a_live_still_has_the_main_streams_resolution_while_the_sub_stream_is_watched(
    host: BackendHost, camsim_factory: CamSimFactory
) -> None:
    sim = camsim_factory([CameraConfig("door")])
    camera = await add_recording_camera(host, sim, "door", "Door")
    sub = await host.live_endpoint(camera.id, StreamRole.SUB)
    viewer = WhepViewer()
    try:
        await viewer.connect(sub.whep_url, sub.bearer_token)
        frames = await viewer.wait_frames(5, within_s=20)
        assert (frames[-1].width, frames[-1].height) == (640, 360)

        asked_ms = time.time() * 1000
        still = await host.media.live_still(camera)

        assert (still.width, still.height, still.stream) == (1280, 720, StreamRole.MAIN)
        assert jpeg_size(still.jpeg) == (1280, 720)
        assert jpeg_size(still.thumbnail) == (320, 180)
        code = _code(still.jpeg)
        assert code is not None
        # the newest frame: captured shortly before it arrived, and it arrived shortly before the request
        assert 0 <= still.time_ms - code < 2_000
        assert asked_ms - code < 3_000
        # no new camera connection: the main stream's one RTSP session is the recorder's
        assert sim.sessions("door", "main") == 1
    finally:
        await viewer.close()


async def test_a_camera_with_nothing_recorded_has_no_recorded_still_and_no_live_one(
    host: BackendHost,
) -> None:
    camera = await host.add_camera(CameraSpec(name="Lone", main_url="rtsp://127.0.0.1:9/main"))

    with pytest.raises(NotFoundError, match="Nothing was recorded on this camera"):
        await host.media.recorded_still(camera.id, int(time.time() * 1000) - 60_000)
    with pytest.raises(LiveSourceUnavailableError, match="No snapshot of Lone"):
        await host.media.live_still(camera)

"""Fixtures: simulated RTSP cameras (real GStreamer RTSP server in a subprocess, see docs/camsim.md).

`camsim_cameras` is one session-scoped server with three open H.264 cameras; `camsim_factory` starts
function-scoped servers with any configuration and stops them at teardown.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from camsim.config import CameraConfig, Credentials
from camsim.launcher import DEFAULT_PYTHON, SimulatedCameras
from tests.helpers.components import require_binary, require_file
from tests.helpers.processes import register_session_process, unregister_session_process

SESSION_CAMERAS = ("cam1", "cam2", "cam3")
_TYPELIB = "/usr/lib/x86_64-linux-gnu/girepository-1.0/GstRtspServer-1.0.typelib"

CamSimFactory = Callable[..., SimulatedCameras]


def require_camsim_components() -> None:
    """Fail (never skip) the test if Debian's Python or gst-rtsp-server's typelib is missing."""
    require_file(DEFAULT_PYTHON, what="Debian's python3 (runs the GStreamer camera server)")
    require_file(_TYPELIB, what="gir1.2-gst-rtsp-server-1.0 (GStreamer RTSP server)")


@pytest.fixture(scope="session")
def camsim_cameras(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatedCameras]:
    """Three open, live H.264 cameras (`cam1`..`cam3`, main 1280x720, sub 640x360, 25 fps, GOP 50).

    Real: a GStreamer RTSP server process shared by the whole session, each camera on its own port.
    Tests must not fault these cameras; use `camsim_factory` for that.
    """
    require_camsim_components()
    cameras = SimulatedCameras(
        [CameraConfig(name) for name in SESSION_CAMERAS], workdir=tmp_path_factory.mktemp("camsim")
    )
    cameras.start()
    register_session_process(cameras.pid)
    try:
        yield cameras
    finally:
        unregister_session_process(cameras.pid)
        cameras.stop()


@pytest.fixture
def camsim_factory(tmp_path: Path) -> Iterator[CamSimFactory]:
    """Start function-scoped cameras: `camsim_factory([CameraConfig("a")], credentials=...)`.

    Real: one GStreamer RTSP server process per call, started before the call returns and stopped
    and reaped at teardown. Keyword arguments go to `SimulatedCameras`.
    """
    require_camsim_components()
    started: list[SimulatedCameras] = []

    def start(
        cameras: Sequence[CameraConfig], *, timeout: float = 60.0, **kwargs: Any
    ) -> SimulatedCameras:
        kwargs.setdefault("workdir", tmp_path / f"camsim{len(started)}")
        instance = SimulatedCameras(cameras, **kwargs)
        started.append(instance)
        instance.start(timeout=timeout)
        return instance

    try:
        yield start
    finally:
        for instance in started:
            instance.stop()


__all__ = [
    "SESSION_CAMERAS",
    "CamSimFactory",
    "CameraConfig",
    "Credentials",
    "require_camsim_components",
]


def ffprobe_stream(url: str, *, transport: str = "tcp", timeout: float = 20.0) -> dict[str, Any]:
    """Return ffprobe's description of the first video stream at `url` (codec_name, width, ...).

    Raises:
        AssertionError: ffprobe failed; the message holds its stderr.
    """
    ffprobe = require_binary("ffprobe")
    result = subprocess.run(
        [ffprobe, "-v", "error", "-rtsp_transport", transport, "-select_streams", "v:0",
         "-show_entries", "stream=codec_name,width,height,r_frame_rate,profile", "-of", "json", url],
        capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    assert result.returncode == 0, f"ffprobe failed: {result.stderr}"
    streams: list[dict[str, Any]] = json.loads(result.stdout)["streams"]
    assert streams, f"ffprobe found no video stream: {result.stdout}"
    return streams[0]


def grab_gray_frame(
    url: str, width: int, height: int, *, skip_frames: int = 0, timeout: float = 20.0
) -> bytes:
    """Return one frame from `url`, scaled to `width` x `height`, as 8-bit grayscale bytes.

    The first frames ffmpeg delivers are up to about a second old (it buffers while probing the stream);
    skip about a second's worth (`skip_frames`) to get a frame from the steady state.
    """
    ffmpeg = require_binary("ffmpeg")
    result = subprocess.run(
        [ffmpeg, "-v", "error", "-probesize", "32768", "-analyzeduration", "0",
         "-rtsp_transport", "tcp", "-i", url, "-frames:v", "1",
         "-vf", f"select=gte(n\\,{skip_frames}),scale={width}:{height}",
         "-f", "rawvideo", "-pix_fmt", "gray", "-"],
        capture_output=True, timeout=timeout, check=False,
    )  # fmt: skip
    assert result.returncode == 0, f"ffmpeg failed: {result.stderr.decode(errors='replace')}"
    assert len(result.stdout) == width * height, f"got {len(result.stdout)} bytes"
    return result.stdout


def probe_packets(url: str, seconds: float, *, transport: str = "tcp") -> list[dict[str, Any]]:
    """Return ffprobe's packets (`pts_time`, `flags`) of the video stream for the first `seconds`."""
    ffprobe = require_binary("ffprobe")
    result = subprocess.run(
        [ffprobe, "-v", "error", "-rtsp_transport", transport, "-select_streams", "v:0",
         "-show_entries", "packet=pts_time,flags", "-read_intervals", f"%+{seconds}", "-of", "json", url],
        capture_output=True, text=True, timeout=seconds + 20, check=False,
    )  # fmt: skip
    assert result.returncode == 0, f"ffprobe failed: {result.stderr}"
    packets: list[dict[str, Any]] = json.loads(result.stdout).get("packets", [])
    return packets

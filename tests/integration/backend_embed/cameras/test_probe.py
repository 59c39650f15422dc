"""probe_stream against real servers: the simulated GStreamer cameras, local sockets and the real ffprobe."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import textwrap
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psutil
import pytest
import pytest_asyncio

from backend_embed.api.dto import ProbeOutcome, StreamRole
from backend_embed.cameras.probe import probe_stream
from camsim.config import AuthMethod
from camsim.launcher import DEFAULT_PYTHON, SimulatedCameras
from tests.helpers.camsim_fixtures import CameraConfig, CamSimFactory, Credentials
from tests.helpers.components import require_binary

pytestmark = [pytest.mark.requires_ffmpeg, pytest.mark.requires_rtsp_server]

PASSWORD = "Corr3ct-h0rse"
WRONG = "wr0ng-Batt3ry"
#: probe timeout for the servers that never answer; long enough for a loaded 2-core machine otherwise
SHORT = 2.0

# A GStreamer RTSP server with mounts no simulated camera offers: VP8 video, and audio only.
_ODD_SERVER = textwrap.dedent(
    """
    import sys
    import gi
    gi.require_version("Gst", "1.0")
    gi.require_version("GstRtspServer", "1.0")
    from gi.repository import GLib, Gst, GstRtspServer
    Gst.init(None)
    MOUNTS = {
        "/vp8": "( videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=10/1"
                " ! vp8enc deadline=1 keyframe-max-dist=5 ! rtpvp8pay name=pay0 pt=96 )",
        "/audio": "( audiotestsrc is-live=true ! alawenc ! rtppcmapay name=pay0 )",
    }
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service("0")
    for path, launch in MOUNTS.items():
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(launch)
        factory.set_shared(True)
        server.get_mount_points().add_factory(path, factory)
    server.attach(None)
    print(server.get_bound_port(), flush=True)
    loop = GLib.MainLoop()
    # leave when the test closes our stdin
    GLib.io_add_watch(GLib.IOChannel.unix_new(0), GLib.PRIORITY_DEFAULT,
                      GLib.IOCondition.IN | GLib.IOCondition.HUP, lambda *_: loop.quit())
    loop.run()
    """
)


@pytest.fixture
def ffprobe() -> str:
    """The real ffprobe (a missing one fails the test)."""
    return require_binary("ffprobe")


@pytest.fixture
def odd_codec_server(tmp_path: Path) -> Iterator[str]:
    """A real GStreamer RTSP server (Debian's python3) with `/vp8` and `/audio` mounts; yields its base URL."""
    require_binary(DEFAULT_PYTHON)
    script = tmp_path / "odd_server.py"
    script.write_text(_ODD_SERVER, encoding="utf-8")
    proc = subprocess.Popen(
        [DEFAULT_PYTHON, str(script)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        port = proc.stdout.readline().strip()
        assert port.isdigit(), f"the odd-codec server did not start (exit {proc.poll()})"
        yield f"rtsp://127.0.0.1:{port}"
    finally:
        assert proc.stdin is not None
        assert proc.stdout is not None
        proc.stdin.close()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()


@pytest_asyncio.fixture
async def silent_server() -> AsyncIterator[str]:
    """A local TCP server that accepts connections and never sends a byte; yields an rtsp:// URL to it."""
    writers: list[asyncio.StreamWriter] = []

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"rtsp://127.0.0.1:{port}/main"
    finally:
        for writer in writers:
            writer.close()
        server.close()
        await server.wait_closed()


@pytest_asyncio.fixture
async def http_server() -> AsyncIterator[str]:
    """A local HTTP/1.1 server answering every request with 400; yields an rtsp:// URL to its port."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readline()
        writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"rtsp://127.0.0.1:{port}/main"
    finally:
        server.close()
        await server.wait_closed()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ffprobe_children() -> list[int]:
    """Pids of this process's ffprobe children that still exist (zombies included: they were not reaped)."""
    pids = []
    for child in psutil.Process().children(recursive=True):
        try:
            if child.name() == "ffprobe":
                pids.append(child.pid)
        except psutil.NoSuchProcess:
            continue
    return pids


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("stream", "size"),
    [(StreamRole.MAIN, (1280, 720)), (StreamRole.SUB, (640, 360))],
    ids=["main", "sub"],
)
async def test_probe_reports_codec_size_and_fps_of_a_simulated_camera(
    camsim_cameras: SimulatedCameras, ffprobe: str, stream: StreamRole, size: tuple[int, int]
) -> None:
    result = await probe_stream(
        camsim_cameras.url("cam1", stream.value), ffprobe=ffprobe, stream=stream
    )
    assert result.outcome is ProbeOutcome.OK, result.message
    assert (result.codec, (result.width, result.height), result.fps) == ("h264", size, 25.0)
    assert result.stream is stream
    assert 0 < result.elapsed_s < 8


@pytest.mark.asyncio
async def test_probe_reports_not_found_for_a_wrong_path(
    camsim_cameras: SimulatedCameras, ffprobe: str
) -> None:
    url = camsim_cameras.url("cam1", "main").replace("/main", "/no-such-stream")
    result = await probe_stream(url, ffprobe=ffprobe)
    assert result.outcome is ProbeOutcome.NOT_FOUND
    assert "path" in result.message


@pytest.mark.asyncio
@pytest.mark.parametrize("method", ["digest", "basic"])
async def test_probe_reports_auth_failed_for_a_wrong_password_and_never_shows_it(
    camsim_factory: CamSimFactory, ffprobe: str, method: AuthMethod
) -> None:
    cams = camsim_factory(
        [CameraConfig("auth")], credentials=Credentials("admin", PASSWORD, method=method)
    )
    good = cams.url("auth", "main")
    wrong = good.replace(PASSWORD, WRONG)
    result = await probe_stream(wrong, ffprobe=ffprobe, secrets=[WRONG])
    assert result.outcome is ProbeOutcome.AUTH_FAILED
    assert WRONG not in result.message
    no_credentials = await probe_stream(
        cams.url("auth", "main", credentials=False), ffprobe=ffprobe
    )
    assert no_credentials.outcome is ProbeOutcome.AUTH_FAILED
    assert (await probe_stream(good, ffprobe=ffprobe, secrets=[PASSWORD])).ok


@pytest.mark.asyncio
async def test_probe_reports_unreachable_for_a_closed_port(ffprobe: str) -> None:
    result = await probe_stream(f"rtsp://127.0.0.1:{_closed_port()}/main", ffprobe=ffprobe)
    assert result.outcome is ProbeOutcome.UNREACHABLE
    assert "connection refused" in result.message


# A host name that does not resolve is covered by the classification table in
# tests/unit/backend_embed/cameras/test_probe_classify.py: resolving it here would send a DNS query off this
# machine, and tests keep every packet on loopback.


@pytest.mark.asyncio
async def test_probe_reports_timeout_for_a_server_that_never_answers(
    silent_server: str, ffprobe: str
) -> None:
    result = await probe_stream(silent_server, ffprobe=ffprobe, timeout=SHORT)
    assert result.outcome is ProbeOutcome.TIMEOUT
    assert SHORT * 0.9 <= result.elapsed_s < SHORT + 1.5
    assert _ffprobe_children() == []


@pytest.mark.asyncio
async def test_probe_reports_not_rtsp_for_an_http_server(http_server: str, ffprobe: str) -> None:
    result = await probe_stream(http_server, ffprobe=ffprobe, timeout=SHORT * 2)
    assert result.outcome is ProbeOutcome.NOT_RTSP
    assert result.elapsed_s < SHORT


@pytest.mark.asyncio
async def test_probe_reports_not_rtsp_for_rtsps_to_a_plain_rtsp_camera(
    camsim_cameras: SimulatedCameras, ffprobe: str
) -> None:
    url = camsim_cameras.url("cam2", "main").replace("rtsp://", "rtsps://")
    result = await probe_stream(url, ffprobe=ffprobe)
    assert result.outcome is ProbeOutcome.NOT_RTSP
    assert "TLS" in result.message


@pytest.mark.asyncio
@pytest.mark.parametrize(("mount", "fragment"), [("vp8", "VP8"), ("audio", "no video")])
async def test_probe_reports_unsupported_codec_for_vp8_or_audio_only(
    odd_codec_server: str, ffprobe: str, mount: str, fragment: str
) -> None:
    result = await probe_stream(f"{odd_codec_server}/{mount}", ffprobe=ffprobe)
    assert result.outcome is ProbeOutcome.UNSUPPORTED_CODEC
    assert fragment in result.message


@pytest.mark.asyncio
async def test_cancelling_a_probe_kills_and_reaps_ffprobe(silent_server: str, ffprobe: str) -> None:
    task = asyncio.create_task(probe_stream(silent_server, ffprobe=ffprobe, timeout=30))
    for _ in range(100):
        if _ffprobe_children():
            break
        await asyncio.sleep(0.02)
    assert _ffprobe_children(), "ffprobe never started"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert _ffprobe_children() == []

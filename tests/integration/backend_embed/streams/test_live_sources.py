"""LiveSources with a real recorder: live viewers reuse its restream, so the camera keeps one RTSP session."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import psutil
import pytest

from backend_embed.api.dto import StreamRole
from backend_embed.api.recording import RecorderState
from backend_embed.ffmpeg.command import RecorderCommand
from backend_embed.streams.controller import free_udp_port
from backend_embed.streams.live_sources import LiveFeed, Route, RouteKind
from backend_embed.streams.supervisor import StreamRecorder
from camsim.config import Codec
from tests.helpers.camsim_fixtures import CameraConfig, CamSimFactory
from tests.helpers.components import require_binary
from tests.helpers.whep_server import WhepServer, start_whep_server
from tests.integration.backend_embed.webrtc.whep_client import WhepViewer

pytestmark = [pytest.mark.requires_ffmpeg, pytest.mark.requires_rtsp_server]


@pytest.fixture
async def recorders(tmp_path: Path) -> AsyncIterator[list[StreamRecorder]]:
    """Real StreamRecorders the test appends; all stopped (ffmpeg reaped) at teardown."""
    started: list[StreamRecorder] = []
    try:
        yield started
    finally:
        for recorder in started:
            await recorder.stop()


async def _record(
    recorders: list[StreamRecorder], tmp_path: Path, url: str, camera_id: int, *, transcode: bool
) -> StreamRecorder:
    command = RecorderCommand(
        input_url=url,
        recordings_root=tmp_path / "recordings",
        camera_id=camera_id,
        restream_port=free_udp_port(),
        transcode=transcode,
        ffmpeg=require_binary("ffmpeg"),
    )
    changed = asyncio.Event()
    recorder = StreamRecorder(
        camera_id, StreamRole.MAIN, command, lambda status: changed.set(), secrets=()
    )
    recorders.append(recorder)
    await recorder.start()
    async with asyncio.timeout(15):
        while recorder.status().state is not RecorderState.RECORDING:
            changed.clear()
            await changed.wait()
    return recorder


def _libx264_processes() -> list[psutil.Process]:
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            if child.status() != psutil.STATUS_ZOMBIE and "libx264" in child.cmdline():
                found.append(child)
        except psutil.NoSuchProcess:
            continue
    return found


def _feed(server: WhepServer, camera: str) -> LiveFeed:
    (feed,) = [f for f in server.sources.feeds() if f.camera_id == server.camera_id(camera)]
    return feed


@pytest.mark.parametrize(
    ("codec", "transcode", "route"),
    [
        pytest.param("h264", False, RouteKind.RECORDER, id="h264-recorder-restream"),
        pytest.param("mjpeg", True, RouteKind.RECORDER, id="mjpeg-recorder-encodes"),
        pytest.param("h265", False, RouteKind.ENCODE_RECORDER, id="h265-encoded-from-restream"),
    ],
)
async def test_viewers_of_a_recorded_stream_never_open_a_second_rtsp_session(
    camsim_factory: CamSimFactory,
    recorders: list[StreamRecorder],
    tmp_path: Path,
    codec: Codec,
    transcode: bool,
    route: RouteKind,
) -> None:
    cameras = camsim_factory([CameraConfig("cam", codec=codec, main_size=(640, 360))])
    recorder = await _record(recorders, tmp_path, cameras.url("cam"), 1, transcode=transcode)
    port = recorder.command.restream_port

    async with start_whep_server(cameras, recorder_port=lambda c, s: port) as server:
        viewers = [WhepViewer(), WhepViewer()]
        try:
            for viewer in viewers:
                await viewer.connect(server.url("cam"), server.token)
            for viewer in viewers:
                await viewer.wait_frames(25, within_s=20)
            feed = _feed(server, "cam")
            sessions = cameras.sessions("cam")
            encoders = len(_libx264_processes())
            own_ffmpeg = feed.ffmpeg_pid is not None
        finally:
            for viewer in viewers:
                await viewer.close()

    assert sessions == 1, "the recorder's session is the camera's only one"
    assert feed.route is not None
    assert feed.route.kind is route
    # the recorder encodes MJPEG itself; only H.265 needs the one extra encoder, reading the restream
    assert encoders == int(transcode) + int(route is RouteKind.ENCODE_RECORDER)
    assert own_ffmpeg is (route is not RouteKind.RECORDER)
    for viewer in viewers:
        assert viewer.negotiated_codec() == "H264"


async def test_a_feed_moves_to_the_recorder_when_recording_starts_and_the_viewer_keeps_playing(
    camsim_factory: CamSimFactory, recorders: list[StreamRecorder], tmp_path: Path
) -> None:
    cameras = camsim_factory([CameraConfig("cam", main_size=(640, 360))])
    ports: dict[int, int] = {}
    async with start_whep_server(cameras, recorder_port=lambda c, s: ports.get(c)) as server:
        viewer = WhepViewer()
        try:
            await viewer.connect(server.url("cam"), server.token)
            await viewer.wait_frames(25, within_s=20)
            feed = _feed(server, "cam")
            live_only = feed.ffmpeg_pid
            assert live_only is not None
            assert feed.route is not None
            assert feed.route.kind is RouteKind.RESTREAM

            recorder = await _record(recorders, tmp_path, cameras.url("cam"), 1, transcode=False)
            port = recorder.command.restream_port
            assert port is not None
            ports[1] = port
            await server.sources.reconcile()
            before = len(viewer.frames)
            await viewer.wait_frames(before + 50, within_s=15)
            sessions = cameras.sessions("cam")
            moved_to = feed.route
            assert feed.ffmpeg_pid is None
        finally:
            await viewer.close()

    assert moved_to == Route(RouteKind.RECORDER, port)
    assert not psutil.pid_exists(live_only) or psutil.Process(live_only).status() == "zombie"
    assert sessions == 1

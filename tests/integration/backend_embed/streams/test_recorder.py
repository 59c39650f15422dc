"""StreamRecorder against simulated RTSP cameras and the real ffmpeg: files, codecs, faults, restream."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator

import psutil
import pytest

from backend_embed.api.recording import RecorderState
from backend_embed.ffmpeg.command import DEFAULT_SEGMENT_S, parse_segment_name
from backend_embed.streams.backoff import AUTHENTICATION_POLICY
from camsim.launcher import SimulatedCameras
from tests.helpers.camsim_fixtures import CameraConfig, CamSimFactory, Credentials
from tests.helpers.components import require_binary
from tests.integration.backend_embed.streams.conftest import RecordingFactory

pytestmark = [pytest.mark.requires_ffmpeg, pytest.mark.requires_rtsp_server]

SEG = DEFAULT_SEGMENT_S
#: the camera's GOP is 2 s, so with -c copy every segment is exactly SEG long
LENGTH_TOLERANCE_S = 0.25


def _ffprobe_video(path: os.PathLike[str]) -> dict[str, object]:
    result = subprocess.run(
        [require_binary("ffprobe"), "-v", "error", "-select_streams", "v:0",
         "-show_entries", "stream=codec_name,width,height,profile", "-of", "json", str(path)],
        capture_output=True, text=True, timeout=20, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    stream: dict[str, object] = json.loads(result.stdout)["streams"][0]
    return stream


@pytest.fixture
def udp_receiver() -> Iterator[socket.socket]:
    """A UDP socket bound to 127.0.0.1 on a free port, for the live restream."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.setblocking(False)
        yield sock


async def test_records_h264_by_stream_copy_into_dated_segments_of_the_chosen_length(
    camsim_cameras: SimulatedCameras, recording: RecordingFactory
) -> None:
    rec = await recording(camsim_cameras.url("cam1"), camera_id=11)
    await rec.wait_for(lambda s: s.state is RecorderState.RECORDING, within_s=10)
    (pid,) = rec.ffmpeg_pids()
    started = time.monotonic()
    segments = await rec.watch.wait_for_segments(3, within_s=4 * SEG + 6)
    cpu = psutil.Process(pid).cpu_times()
    wall = time.monotonic() - started

    for segment in segments[1:3]:
        assert abs(segment.duration_s - SEG) <= LENGTH_TOLERANCE_S, segments
    for before, after in itertools.pairwise(segments):
        assert abs(after.start_ms - before.end_ms) < 100, "program date times must be contiguous"
    camera = _ffprobe_video_url(camsim_cameras.url("cam1"))
    for segment in segments:
        assert segment.path.parent.parent == rec.command.camera_dir
        named = parse_segment_name(segment.path.name)
        assert named is not None
        assert named.complete
        assert abs(named.start_ms - segment.start_ms) < 3000, "the name dates the file"
        assert segment.path.parent.name == time.strftime(
            "%Y-%m-%d", time.gmtime(named.start_ms / 1000)
        )
        assert _ffprobe_video(segment.path) == camera, "stream copy keeps codec, profile and size"
    assert (cpu.user + cpu.system) / wall < 0.05, f"stream copy used {cpu} in {wall:.1f} s"
    status = rec.status()
    assert not status.transcoding
    assert status.last_segment_end_ms == segments[-1].end_ms


def _ffprobe_video_url(url: str) -> dict[str, object]:
    result = subprocess.run(
        [require_binary("ffprobe"), "-v", "error", "-rtsp_transport", "tcp", "-select_streams", "v:0",
         "-show_entries", "stream=codec_name,width,height,profile", "-of", "json", url],
        capture_output=True, text=True, timeout=20, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    stream: dict[str, object] = json.loads(result.stdout)["streams"][0]
    return stream


async def test_the_restream_port_receives_mpegts_while_recording(
    camsim_cameras: SimulatedCameras, recording: RecordingFactory, udp_receiver: socket.socket
) -> None:
    port = udp_receiver.getsockname()[1]
    rec = await recording(camsim_cameras.url("cam2"), camera_id=12, restream_port=port)
    await rec.wait_for(lambda s: s.state is RecorderState.RECORDING, within_s=10)
    loop = asyncio.get_running_loop()
    datagrams = []
    async with asyncio.timeout(5):
        while len(datagrams) < 20:
            datagrams.append(await loop.sock_recv(udp_receiver, 65536))
    for datagram in datagrams:
        assert len(datagram) % 188 == 0
        assert all(datagram[i] == 0x47 for i in range(0, len(datagram), 188)), "TS sync bytes"
    assert max(len(d) for d in datagrams) == 1316


async def test_an_mjpeg_camera_is_transcoded_to_h264_and_the_status_says_so(
    camsim_factory: CamSimFactory, recording: RecordingFactory
) -> None:
    cameras = camsim_factory([CameraConfig("mj", codec="mjpeg", main_size=(640, 360))])
    rec = await recording(cameras.url("mj"), camera_id=13, transcode=True)
    assert rec.status().transcoding
    await rec.wait_for(lambda s: s.state is RecorderState.RECORDING, within_s=10)
    (segment, *_) = await rec.watch.wait_for_segments(1, within_s=2 * SEG + 6)
    video = _ffprobe_video(segment.path)
    assert (video["codec_name"], video["width"], video["height"]) == ("h264", 640, 360)


@pytest.mark.slow
async def test_a_camera_outage_reconnects_and_records_within_5_s_of_its_return(
    camsim_factory: CamSimFactory, recording: RecordingFactory
) -> None:
    cameras = camsim_factory([CameraConfig("flaky")])
    rec = await recording(cameras.url("flaky"), camera_id=14)
    await rec.wait_for(lambda s: s.state is RecorderState.RECORDING, within_s=10)
    cameras.fault("flaky", 20)
    back_at = time.monotonic() + 20
    back_ms = time.time_ns() // 1_000_000 + 20_000
    await rec.wait_for(lambda s: s.state is RecorderState.RECONNECTING, within_s=10)
    assert rec.status().reason.startswith(("stream ended: ", "camera unreachable: "))
    recording_at = await rec.wait_for(lambda s: s.state is RecorderState.RECORDING, within_s=30)
    assert back_at - 0.5 <= recording_at <= back_at + 5.0, (
        f"recording resumed {recording_at - back_at:+.1f} s from the camera's return"
    )
    reasons = {s.reason.split(":")[0] for _, s in rec.published if s.reason}
    assert "camera unreachable" in reasons, "attempts during the outage were refused"
    assert all(s.retry_in_s is None or s.retry_in_s <= 3.0 for _, s in rec.published)
    count = len(rec.watch.segments)
    segments = await rec.watch.wait_for_segments(count + 1, within_s=SEG + 4)
    assert segments[-1].start_ms >= back_ms - 1000, "a segment recorded after the return"


async def test_a_killed_ffmpeg_is_restarted_and_records_again_within_3_s(
    camsim_cameras: SimulatedCameras, recording: RecordingFactory
) -> None:
    rec = await recording(camsim_cameras.url("cam3"), camera_id=15)
    await rec.wait_for(lambda s: s.state is RecorderState.RECORDING, within_s=10)
    (pid,) = rec.ffmpeg_pids()
    os.kill(pid, signal.SIGKILL)
    killed_at = time.monotonic()
    recording_at = await rec.wait_for(
        lambda s: s.state is RecorderState.RECORDING and s.restarts == 1, within_s=10
    )
    assert recording_at - killed_at <= 3.0
    assert any("killed (signal 9)" in s.reason for _, s in rec.published)
    assert rec.ffmpeg_pids() != [pid]


async def test_a_wrong_password_backs_off_on_the_slow_policy_without_hammering(
    camsim_factory: CamSimFactory, recording: RecordingFactory
) -> None:
    cameras = camsim_factory([CameraConfig("locked")], credentials=Credentials("admin", "right-pw"))
    url = cameras.url("locked", credentials=False).replace("rtsp://", "rtsp://admin:Wr0ng-pw@")
    rec = await recording(url, camera_id=16, secrets=("Wr0ng-pw",))
    await rec.wait_for(lambda s: s.state is RecorderState.RECONNECTING, within_s=10)
    status = rec.status()
    assert status.reason.startswith("authentication failed: ")
    assert "Wr0ng-pw" not in status.reason
    assert status.retry_in_s is not None
    assert status.retry_in_s >= AUTHENTICATION_POLICY.floor_s
    seen: set[int] = set()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        seen.update(rec.ffmpeg_pids())
        await asyncio.sleep(0.05)
    assert seen == set(), "no new attempt while the slow backoff runs"
    assert rec.status().restarts == 0

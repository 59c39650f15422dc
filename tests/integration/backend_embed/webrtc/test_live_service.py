"""LiveService against simulated cameras, real ffmpeg and aiortc viewers on 127.0.0.1: passthrough, GOP cache,
one RTSP session per stream, outages, shared encoders, session teardown."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable

import psutil
import pytest
from aiortc.codecs.h264 import H264Encoder

from backend_embed.api.dto import StreamRole
from backend_embed.api.media import LiveCodecPath
from backend_embed.streams.live_sources import RouteKind
from backend_embed.webrtc.relay import LiveRelay, RelayTrack
from camsim.launcher import SimulatedCameras
from tests.helpers.camsim_fixtures import CameraConfig, CamSimFactory
from tests.helpers.whep_server import WhepServer, start_whep_server
from tests.integration.backend_embed.webrtc.whep_client import WhepViewer

pytestmark = [pytest.mark.requires_ffmpeg, pytest.mark.requires_rtsp_server]

FPS = 25
GOP_S = 2.0  # camsim: gop 50 at 25 fps


def _candidate_addresses(sdp: str) -> set[str]:
    return {line.split()[4] for line in sdp.splitlines() if line.startswith("a=candidate:")}


def _ffmpeg_children() -> list[psutil.Process]:
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            if child.status() != psutil.STATUS_ZOMBIE and child.name() == "ffmpeg":
                found.append(child)
        except psutil.NoSuchProcess:
            continue
    return found


def _relay(server: WhepServer, camera: str) -> LiveRelay:
    (feed,) = [f for f in server.sources.feeds() if f.camera_id == server.camera_id(camera)]
    relay = server.service.relay(feed)
    assert relay is not None
    return relay


async def _wait_until(predicate: Callable[[], bool], *, within_s: float) -> None:
    """Poll `predicate` every 20 ms (the state polled has no event of its own)."""
    async with asyncio.timeout(within_s):
        while not predicate():  # noqa: ASYNC110
            await asyncio.sleep(0.02)


async def test_a_viewer_gets_the_cameras_h264_untouched_at_its_frame_rate(
    whep_server: WhepServer,
) -> None:
    viewer = WhepViewer()
    try:
        await viewer.connect(whep_server.url("cam1"), whep_server.token)
        frames = await viewer.wait_frames(4 * FPS, within_s=20)
        # the GOP cache's burst (up to a GOP, about 30 frames) arrives at once: measure the last 2 s only
        steady = frames[-2 * FPS :]
        fps = (len(steady) - 1) / (steady[-1].at - steady[0].at)
        (session,) = whep_server.service.sessions()
        sender = session.pc.getTransceivers()[0].sender
        encoder = getattr(sender, "_RTCRtpSender__encoder")  # noqa: B009  # aiortc keeps it private
        latencies = [f.wall_ms - f.capture_ms for f in steady if f.capture_ms is not None]
    finally:
        assert await viewer.close() == 200

    assert viewer.negotiated_codec() == "H264"
    assert abs(fps - FPS) <= 0.15 * FPS, f"{fps:.1f} fps"
    assert (frames[-1].width, frames[-1].height) == (1280, 720)
    # passthrough: the relay's track hands out packets, and the sender only packed them (no encoder)
    assert isinstance(session.track, RelayTrack)
    assert session.track.frames_sent >= len(frames)
    assert isinstance(encoder, H264Encoder)
    assert encoder.codec is None, "the server opened an H.264 encoder"
    # every ICE candidate either side offered is on loopback
    assert _candidate_addresses(viewer.answer_sdp) == {"127.0.0.1"}
    # about 200 ms on an idle machine (docs/live.md); the bound leaves room for a loaded CI runner
    assert statistics.median(latencies) < 1000, f"capture to decoded frame {latencies} ms"


async def test_a_second_viewer_starts_from_the_gop_cache_well_before_the_next_keyframe(
    whep_server: WhepServer,
) -> None:
    first, second = WhepViewer(), WhepViewer()
    camera_id = whep_server.camera_id("cam2")
    cold = await whep_server.service.endpoint(camera_id, StreamRole.MAIN)
    try:
        await first.connect(whep_server.url("cam2"), whep_server.token)
        await first.wait_frames(FPS, within_s=20)
        relay = _relay(whep_server, "cam2")
        # join late in the GOP: the cache is at its largest, the next keyframe still a second away
        await _wait_until(lambda: 25 <= relay.cached_frames <= 30, within_s=5)
        warm = await whep_server.service.endpoint(camera_id, StreamRole.MAIN)
        other = await whep_server.service.endpoint(camera_id, StreamRole.SUB)
        await second.connect(whep_server.url("cam2"), whep_server.token)
        await second.wait_frames(1, within_s=5)
        sessions = whep_server.cameras.sessions("cam2")
        tracks = [s.track for s in whep_server.service.sessions()]
    finally:
        await first.close()
        await second.close()

    assert second.first_frame_s() < 0.7, f"first frame after {second.first_frame_s():.3f} s"
    assert tracks[1].first_frame_cached
    # the endpoint tells a console which stream would show a picture at once
    assert (cold.warm, warm.warm, other.warm) == (False, True, False)
    assert sessions == 1, "two viewers must share the one RTSP session"


async def test_without_the_gop_cache_a_viewer_waits_for_the_next_keyframe(
    camsim_cameras: SimulatedCameras,
) -> None:
    async with start_whep_server(camsim_cameras, gop_cache=False) as server:
        first, second = WhepViewer(), WhepViewer()
        try:
            await first.connect(server.url("cam3"), server.token)
            await first.wait_frames(FPS, within_s=20)
            relay = _relay(server, "cam3")
            await _wait_until(
                lambda: 1 <= relay.cached_frames <= 3, within_s=5
            )  # just after a keyframe
            await second.connect(server.url("cam3"), server.token)
            await second.wait_frames(1, within_s=5)
        finally:
            await first.close()
            await second.close()

    assert second.first_frame_s() > GOP_S - 0.5, f"first frame after {second.first_frame_s():.3f} s"


async def test_deleting_the_last_session_releases_the_feed_after_the_grace(
    whep_server: WhepServer,
) -> None:
    viewer = WhepViewer()
    await viewer.connect(whep_server.url("cam1", "sub"), whep_server.token)
    await viewer.wait_frames(5, within_s=20)
    (feed,) = whep_server.sources.feeds()
    assert feed.stream is StreamRole.SUB
    assert feed.route is not None
    assert feed.route.kind is RouteKind.RESTREAM
    pid = feed.ffmpeg_pid
    assert pid is not None

    deleted_at = time.monotonic()
    assert await viewer.close() == 200
    assert whep_server.service.sessions() == []
    assert feed.viewers == 0
    assert psutil.pid_exists(pid), "the feed lingers for the grace period"
    await asyncio.wait_for(feed.wait_closed(), timeout=whep_server.sources.idle_grace_s + 5)
    closed_after = time.monotonic() - deleted_at

    assert closed_after >= whep_server.sources.idle_grace_s - 0.1
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert whep_server.sources.feeds() == []
    assert whep_server.service.relay(feed) is None
    await _wait_until(lambda: whep_server.cameras.sessions("cam1", "sub") == 0, within_s=5)


async def test_a_camera_outage_stalls_the_viewer_which_resumes_when_the_camera_returns(
    camsim_factory: CamSimFactory,
) -> None:
    cameras = camsim_factory([CameraConfig("flaky", main_size=(640, 360))])
    outage_s = 3.0
    async with start_whep_server(cameras) as server:
        viewer = WhepViewer(decode_every=1)
        try:
            await viewer.connect(server.url("flaky"), server.token)
            await viewer.wait_frames(FPS, within_s=20)
            cameras.fault("flaky", outage_s)
            back_at = time.monotonic() + outage_s
            fault_ms = time.time_ns() // 1_000_000
            await asyncio.sleep(outage_s - 1.0)
            stalled = len(viewer.frames)
            await asyncio.sleep(0.9)
            assert len(viewer.frames) == stalled, "frames kept coming while the camera was away"
            await viewer.wait_frames(stalled + 2 * FPS, within_s=15)
            (session,) = server.service.sessions()
            state = session.connection_state
        finally:
            await viewer.close()

    # aiortc's jitter buffer releases a frame when the next one starts: the last frame from before the
    # outage is decoded together with the first one after it
    resumed = viewer.frames[stalled + 1 :]
    captured = [f.capture_ms for f in resumed if f.capture_ms is not None]
    assert captured, "no readable frame after the outage"
    assert min(captured) > fault_ms + outage_s * 1000 - 500, "the frames after the outage are new"
    assert resumed[0].at - back_at < 6.0, "the ingest reconnects within its backoff and one GOP"
    assert state == "connected", "the same session carried on"


async def test_h265_and_mjpeg_cameras_reach_two_viewers_each_through_one_shared_encoder(
    camsim_factory: CamSimFactory,
) -> None:
    cameras = camsim_factory(
        [
            CameraConfig("hevc", codec="h265", main_size=(640, 360), sub_size=(320, 180)),
            CameraConfig("mjpeg", codec="mjpeg", main_size=(640, 360), sub_size=(320, 176)),
        ]
    )
    async with start_whep_server(cameras) as server:
        viewers = [WhepViewer() for _ in range(4)]
        try:
            for viewer, name in zip(viewers, ["hevc", "hevc", "mjpeg", "mjpeg"], strict=True):
                await viewer.connect(server.url(name), server.token)
            for viewer in viewers:
                await viewer.wait_frames(2 * FPS, within_s=30)
            encoders = [p for p in _ffmpeg_children() if "libx264" in p.cmdline()]
            feeds = server.sources.feeds()
            viewer_counts = sorted(f.viewers for f in feeds)
            endpoints = [
                await server.service.endpoint(server.camera_id(n), StreamRole.MAIN)
                for n in ("hevc", "mjpeg")
            ]
            sessions = [cameras.sessions(n) for n in ("hevc", "mjpeg")]
        finally:
            for viewer in viewers:
                await viewer.close()

    assert len(encoders) == 2, "one encoder per stream, not one per viewer"
    assert viewer_counts == [2, 2]
    assert [f.route.kind if f.route else None for f in feeds] == [RouteKind.ENCODE_CAMERA] * 2
    assert [e.codec_path for e in endpoints] == [LiveCodecPath.TRANSCODED] * 2
    assert sessions == [1, 1]
    for viewer in viewers:
        assert viewer.negotiated_codec() == "H264"
        assert (viewer.frames[-1].width, viewer.frames[-1].height) == (640, 360)


async def test_stopping_the_service_closes_every_peer_and_leaves_no_ffmpeg(
    camsim_cameras: SimulatedCameras,
) -> None:
    viewers = [WhepViewer(), WhepViewer()]
    async with start_whep_server(camsim_cameras) as server:
        await viewers[0].connect(server.url("cam1"), server.token)
        await viewers[1].connect(server.url("cam2", "sub"), server.token)
        for viewer in viewers:
            await viewer.wait_frames(5, within_s=20)
        sessions = server.service.sessions()
        assert len(_ffmpeg_children()) == 2
    try:
        assert [s.connection_state for s in sessions] == ["closed", "closed"]
        assert _ffmpeg_children() == []
        assert server.service.sessions() == []
        assert server.sources.feeds() == []
    finally:
        for viewer in viewers:
            await viewer.close(delete=False)

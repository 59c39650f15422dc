"""BackendHost serves live video: the recorder's single RTSP session also feeds WHEP viewers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from backend_embed.api import (
    CameraSpec,
    LiveCodecPath,
    NotFoundError,
    ProbeResult,
    RecorderState,
    StreamRole,
)
from backend_embed.cameras.probe import probe_stream
from backend_embed.config import BackendConfig
from backend_embed.host import BackendHost
from camsim.config import CameraConfig
from tests.helpers.camsim_fixtures import CamSimFactory
from tests.helpers.host_cameras import add_recording_camera
from tests.integration.backend_embed.webrtc.whep_client import WhepViewer

pytestmark = [pytest.mark.requires_rtsp_server, pytest.mark.requires_ffmpeg, pytest.mark.slow]


@pytest.fixture
async def host(tmp_path: Path) -> AsyncIterator[BackendHost]:
    config = BackendConfig.local(tmp_path / "config", tmp_path / "data", recheck_interval_s=0)
    backend = BackendHost(config)
    await backend.start()
    yield backend
    await backend.stop()


async def test_viewers_of_a_recorded_camera_share_its_one_rtsp_session(
    host: BackendHost, camsim_factory: CamSimFactory, tmp_path: Path
) -> None:
    sim = camsim_factory([CameraConfig("door", source="loop")])
    camera = await add_recording_camera(host, sim, "door", "Door")

    main = await host.live_endpoint(camera.id, StreamRole.MAIN)
    sub = await host.live_endpoint(camera.id, StreamRole.SUB)
    assert (main.codec_path, main.width, main.height) == (LiveCodecPath.PASSTHROUGH, 1280, 720)
    assert (sub.width, sub.height) == (640, 360)
    # the host's own token, from the private file in its config directory
    token_file = tmp_path / "config" / "whep-token"
    assert main.bearer_token == sub.bearer_token == token_file.read_text().strip()

    viewers = [WhepViewer(), WhepViewer(), WhepViewer()]
    try:
        await viewers[0].connect(main.whep_url, main.bearer_token)
        await viewers[1].connect(main.whep_url, main.bearer_token)
        await viewers[2].connect(sub.whep_url, sub.bearer_token)
        main_frames = await viewers[1].wait_frames(25, within_s=20)
        sub_frames = await viewers[2].wait_frames(25, within_s=20)
        assert (main_frames[-1].width, main_frames[-1].height) == (1280, 720)
        assert (sub_frames[-1].width, sub_frames[-1].height) == (640, 360)
        # one session per camera stream however many watch: the recorder's for main, one ingest for sub
        assert sim.sessions("door", "main") == 1
        assert sim.sessions("door", "sub") == 1
    finally:
        for viewer in viewers:
            await viewer.close()


async def test_a_camera_recording_its_sub_stream_keeps_it_warm_with_one_rtsp_session(
    host: BackendHost, camsim_factory: CamSimFactory
) -> None:
    sim = camsim_factory([CameraConfig("lane", source="loop")])
    camera = await add_recording_camera(host, sim, "lane", "Lane", recorded=StreamRole.SUB)

    # the recorder probed its own stream (nobody asked for it live): within two of the host's 2 s rounds
    # and one GOP (6 s) its feed is held and its GOP cache full; polled, ffmpeg's start comes on top
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 15.0
    sub = await host.live_endpoint(camera.id, StreamRole.SUB)
    while not sub.warm and loop.time() < deadline:
        await asyncio.sleep(0.25)
        sub = await host.live_endpoint(camera.id, StreamRole.SUB)
    assert sub.warm  # a wall's first viewer gets a picture at once

    viewer = WhepViewer()
    try:
        await viewer.connect(sub.whep_url, sub.bearer_token)
        frames = await viewer.wait_frames(10, within_s=10)
        assert (frames[-1].width, frames[-1].height) == (640, 360)
        # the recorder's one session feeds the viewer; nothing opens the main stream for stills
        assert sim.sessions("lane", "sub") == 1
        assert sim.sessions("lane", "main") == 0
    finally:
        await viewer.close()


async def test_a_camera_without_a_sub_stream_says_so(host: BackendHost) -> None:
    camera = await host.add_camera(CameraSpec(name="Lone", main_url="rtsp://127.0.0.1:9/main"))
    with pytest.raises(NotFoundError, match="has no sub stream"):
        await host.live_endpoint(camera.id, StreamRole.SUB)


async def test_a_camera_that_answers_has_its_sub_stream_probed_before_anyone_watches_it(
    host: BackendHost, camsim_factory: CamSimFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the real probe, observed: which URLs the host probes as which stream
    probed: list[tuple[StreamRole, str]] = []
    answered: dict[str, asyncio.Event] = {}

    async def observed(url: str, **kwargs: Any) -> ProbeResult:
        probed.append((kwargs["stream"], url))
        result = await probe_stream(url, **kwargs)
        answered.setdefault(url, asyncio.Event()).set()  # the host keeps it before this task yields
        return result

    monkeypatch.setattr("backend_embed.media_services.probe_stream", observed)
    sim = camsim_factory([CameraConfig("yard", source="loop"), CameraConfig("gate", source="loop")])
    camera = await add_recording_camera(host, sim, "yard", "Yard")
    yard_sub = sim.url("yard", "sub", credentials=False)
    async with asyncio.timeout(15):  # the monitor reached the main stream: the sub stream follows
        await answered.setdefault(yard_sub, asyncio.Event()).wait()
    known = host.media.probed(camera.id, StreamRole.SUB)
    assert known is not None
    assert (known.codec, known.width, known.height) == ("h264", 640, 360)
    assert probed == [(StreamRole.SUB, yard_sub)]

    # a wall of viewers asking now takes the known answer: no ffprobe on their way to a picture
    endpoints = await asyncio.gather(
        *(host.live_endpoint(camera.id, StreamRole.SUB) for _ in range(4))
    )
    assert {(e.width, e.height) for e in endpoints} == {(640, 360)}
    assert probed == [(StreamRole.SUB, yard_sub)]
    # and nobody watching, the host reads the sub stream (live_warm_sub): one session, its GOP cached
    await _until(lambda: sim.sessions("yard", "sub") == 1, within_s=10)
    for _ in range(40):
        if (await host.live_endpoint(camera.id, StreamRole.SUB)).warm:
            break
        await asyncio.sleep(0.25)
    assert (await host.live_endpoint(camera.id, StreamRole.SUB)).warm

    # the sub stream moves to another camera: what was learnt of the old one is dropped, the new one probed
    gate_sub = sim.url("gate", "sub", credentials=False)
    await host.update_camera(
        camera.id,
        CameraSpec(
            name="Yard", main_url=sim.url("yard", "main", credentials=False), sub_url=gate_sub
        ),
    )
    async with asyncio.timeout(15):
        await answered.setdefault(gate_sub, asyncio.Event()).wait()
    assert (await host.live_endpoint(camera.id, StreamRole.SUB)).width == 640
    assert probed.count((StreamRole.SUB, gate_sub)) == 1
    # the feed that read the old address closed; the one kept warm now reads the new one
    await _until(lambda: sim.sessions("yard", "sub") == 0, within_s=10)
    await _until(lambda: sim.sessions("gate", "sub") == 1, within_s=10)


async def _until(predicate: Callable[[], bool], *, within_s: float) -> None:
    for _ in range(int(within_s / 0.1)):
        if predicate():
            return
        await asyncio.sleep(0.1)
    assert predicate()


async def test_a_camera_without_a_sub_stream_gets_no_second_session_kept_warm(
    host: BackendHost, camsim_factory: CamSimFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the registry answers the main URL for a missing sub stream: kept warm, that would be a second
    # session of the main stream that no tile can use
    probed: list[StreamRole] = []

    async def observed(url: str, **kwargs: Any) -> ProbeResult:
        probed.append(kwargs["stream"])
        return await probe_stream(url, **kwargs)

    monkeypatch.setattr("backend_embed.media_services.probe_stream", observed)
    sim = camsim_factory([CameraConfig("lone", source="loop")])
    camera = await host.add_camera(
        CameraSpec(name="Lone", main_url=sim.url("lone", "main", credentials=False))
    )
    for _ in range(200):
        statuses = await host.recorder_statuses()
        if [s.state for s in statuses if s.camera_id == camera.id] == [RecorderState.RECORDING]:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(5.0)  # two of the host's 2 s keep-warm rounds

    assert probed == []
    assert sim.sessions("lone", "main") == 1, "only the recorder's session"
    assert sim.sessions("lone", "sub") == 0


async def test_with_live_warm_sub_off_a_sub_stream_nobody_watches_stays_closed(
    tmp_path: Path, camsim_factory: CamSimFactory
) -> None:
    config = BackendConfig.local(
        tmp_path / "config", tmp_path / "data", recheck_interval_s=0, live_warm_sub=False
    )
    host = BackendHost(config)
    await host.start()
    try:
        sim = camsim_factory([CameraConfig("quiet", source="loop")])
        camera = await add_recording_camera(host, sim, "quiet", "Quiet")
        await asyncio.sleep(5.0)  # two of the host's 2 s keep-warm rounds

        assert sim.sessions("quiet", "sub") == 0
        assert not (await host.live_endpoint(camera.id, StreamRole.SUB)).warm
        assert (
            await host.live_endpoint(camera.id, StreamRole.MAIN)
        ).warm  # decision 22 still holds
    finally:
        await host.stop()

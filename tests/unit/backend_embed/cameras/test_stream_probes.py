"""StreamProbes: one probe per stream shared by everyone who asks, background probes queued behind a limit
that a viewer skips, and a camera change that throws away what was learnt of the old URL."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import pytest

from backend_embed.api.dto import ProbeOutcome, ProbeResult, StreamRole
from backend_embed.api.errors import BackendError, NotFoundError
from backend_embed.cameras.stream_probes import StreamProbes

SUB = StreamRole.SUB
MAIN = StreamRole.MAIN


class Camera:
    """Stream URLs by camera, and a probe that waits until the test lets each URL's probe finish."""

    def __init__(self) -> None:
        self.urls: dict[tuple[int, StreamRole], str] = {}
        self.probed: list[str] = []
        self.gates: dict[str, asyncio.Event] = {}
        self.failing: set[str] = set()

    async def stream_url(self, camera_id: int, stream: StreamRole) -> tuple[str, Sequence[str]]:
        try:
            return self.urls[(camera_id, stream)], ["s3cret"]
        except KeyError:
            raise NotFoundError(f"Camera {camera_id} has no {stream.value} stream.") from None

    async def probe(self, url: str, secrets: Sequence[str], stream: StreamRole) -> ProbeResult:
        self.probed.append(url)
        await self.gates.setdefault(url, asyncio.Event()).wait()
        if url in self.failing:
            return ProbeResult(ProbeOutcome.TIMEOUT, "No answer within 8 s.", stream=stream)
        return ProbeResult(ProbeOutcome.OK, "", codec="h264", width=640, height=360, stream=stream)

    def release(self, url: str) -> None:
        self.gates.setdefault(url, asyncio.Event()).set()


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


@pytest.fixture
def camera() -> Camera:
    cam = Camera()
    for n in range(1, 6):
        cam.urls[(n, SUB)] = f"rtsp://cam{n}/sub"
        cam.urls[(n, MAIN)] = f"rtsp://cam{n}/main"
    return cam


async def test_viewers_asking_at_once_share_one_probe_and_then_the_cache(camera: Camera) -> None:
    probes = StreamProbes(camera.stream_url, camera.probe)
    viewers = [asyncio.create_task(probes.probe(1, SUB)) for _ in range(4)]
    await settle()
    assert camera.probed == ["rtsp://cam1/sub"]
    camera.release("rtsp://cam1/sub")
    results = await asyncio.gather(*viewers)
    assert {(r.ok, r.width, r.height) for r in results} == {(True, 640, 360)}
    assert (await probes.probe(1, SUB)).codec == "h264"
    assert probes.get(1, SUB) is results[0]
    assert camera.probed == ["rtsp://cam1/sub"]


async def test_a_viewer_joins_the_background_probe_under_way(camera: Camera) -> None:
    probes = StreamProbes(camera.stream_url, camera.probe)
    probes.prefetch(1, SUB)
    await settle()
    viewer = asyncio.create_task(probes.probe(1, SUB))
    await settle()
    camera.release("rtsp://cam1/sub")
    assert (await viewer).ok
    assert camera.probed == ["rtsp://cam1/sub"]


async def test_background_probes_run_two_at_a_time_and_a_viewer_goes_ahead_of_the_queue(
    camera: Camera,
) -> None:
    probes = StreamProbes(camera.stream_url, camera.probe, background_concurrency=2)
    for n in range(1, 6):
        probes.prefetch(n, SUB)
    await settle()
    assert camera.probed == ["rtsp://cam1/sub", "rtsp://cam2/sub"]
    viewer = asyncio.create_task(probes.probe(5, SUB))  # queued fifth: not made to wait for 3 and 4
    await settle()
    assert camera.probed[-1] == "rtsp://cam5/sub"
    camera.release("rtsp://cam5/sub")
    assert (await viewer).ok
    camera.release("rtsp://cam1/sub")
    await settle()
    assert camera.probed[-1] == "rtsp://cam3/sub"  # the queue moves on when one finishes
    for n in (2, 3, 4):
        camera.release(f"rtsp://cam{n}/sub")
    await settle()
    await settle()
    assert sorted(camera.probed) == sorted(f"rtsp://cam{n}/sub" for n in range(1, 6))
    assert all(probes.get(n, SUB) is not None for n in range(1, 6))


async def test_a_failed_probe_is_not_kept_and_the_next_viewer_probes_again(
    camera: Camera, caplog: pytest.LogCaptureFixture
) -> None:
    probes = StreamProbes(camera.stream_url, camera.probe)
    camera.failing.add("rtsp://cam1/sub")
    camera.release("rtsp://cam1/sub")
    with caplog.at_level(logging.INFO):
        probes.prefetch(1, SUB)
        await settle()
    assert probes.get(1, SUB) is None
    assert "Camera 1: its sub stream could not be probed: No answer within 8 s." in caplog.text
    failed = await probes.probe(1, SUB)
    assert not failed.ok
    assert failed.message == "No answer within 8 s."
    camera.failing.clear()
    assert (await probes.probe(1, SUB)).ok
    assert camera.probed == ["rtsp://cam1/sub"] * 3


async def test_a_stream_the_camera_does_not_have_raises_for_a_viewer_and_is_quiet_in_background(
    camera: Camera, caplog: pytest.LogCaptureFixture
) -> None:
    probes = StreamProbes(camera.stream_url, camera.probe)
    with caplog.at_level(logging.INFO):
        probes.prefetch(9, SUB)
        await settle()
    assert not [r for r in caplog.records if r.levelno >= logging.INFO]
    with pytest.raises(NotFoundError, match="Camera 9 has no sub stream"):
        await probes.probe(9, SUB)
    assert camera.probed == []


async def test_a_changed_camera_is_probed_at_its_new_url_and_the_old_probe_is_dropped(
    camera: Camera,
) -> None:
    probes = StreamProbes(camera.stream_url, camera.probe)
    camera.release("rtsp://cam1/sub")
    assert (await probes.probe(1, SUB)).ok
    probes.prefetch(2, SUB)  # under way when camera 2 changes
    await settle()
    camera.urls[(1, SUB)] = camera.urls[(2, SUB)] = "rtsp://new/sub"
    probes.forget(1, SUB)
    probes.forget(2, SUB)
    camera.release("rtsp://cam2/sub")  # the old URL's answer comes too late to be kept
    await settle()
    assert probes.get(1, SUB) is None
    assert probes.get(2, SUB) is None
    camera.release("rtsp://new/sub")
    assert (await probes.probe(2, SUB)).ok
    assert camera.probed == ["rtsp://cam1/sub", "rtsp://cam2/sub", "rtsp://new/sub"]


async def test_a_viewer_that_gives_up_does_not_cancel_the_probe_others_wait_for(
    camera: Camera,
) -> None:
    probes = StreamProbes(camera.stream_url, camera.probe)
    impatient = asyncio.create_task(probes.probe(1, SUB))
    patient = asyncio.create_task(probes.probe(1, SUB))
    await settle()
    impatient.cancel()
    await settle()
    camera.release("rtsp://cam1/sub")
    assert (await patient).ok
    assert impatient.cancelled()


async def test_record_keeps_the_monitors_main_probe_and_close_ends_what_runs(
    camera: Camera,
) -> None:
    probes = StreamProbes(camera.stream_url, camera.probe)
    main = ProbeResult(ProbeOutcome.OK, "", codec="hevc", width=1920, height=1080)
    probes.record(1, main)
    assert await probes.probe(1, MAIN) is main
    probes.prefetch(2, SUB)
    waiting = asyncio.create_task(probes.probe(3, SUB))
    await settle()
    await probes.aclose()
    # the caller was not cancelled: it hears why it gets nothing (a cancellation would end its task)
    with pytest.raises(BackendError, match="stopping"):
        await waiting
    assert probes.get(2, SUB) is None
    probes.prefetch(4, SUB)  # a monitor probe that lands after the close starts nothing
    await settle()
    assert camera.probed == ["rtsp://cam2/sub", "rtsp://cam3/sub"]


async def test_a_viewer_waiting_while_the_camera_changes_gets_the_camera_as_it_is_now(
    camera: Camera,
) -> None:
    probes = StreamProbes(camera.stream_url, camera.probe)
    viewer = asyncio.create_task(probes.probe(1, SUB))
    await settle()
    camera.urls[(1, SUB)] = "rtsp://new/sub"
    probes.forget(1, SUB)  # the operator edited the camera meanwhile
    camera.release("rtsp://new/sub")
    result = await viewer
    assert result.ok
    assert camera.probed == ["rtsp://cam1/sub", "rtsp://new/sub"]
    assert probes.get(1, SUB) is result

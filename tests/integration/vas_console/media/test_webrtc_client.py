"""WhepSession against a real aiortc WHEP peer on loopback, fed H.264 by a simulated camera (passthrough)."""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import AsyncIterator, Callable

import pytest

from camsim.launcher import SimulatedCameras
from tests.helpers.live_fakes import frame_capture_ms
from tests.helpers.whep_peer import LOOPBACK, WhepPeer, running_peer
from tests.helpers.whep_server import WhepServer
from vas_console.media.live import Backoff, LiveState, LiveStatus
from vas_console.media.webrtc_client import WhepOptions, WhepSession

pytestmark = [pytest.mark.requires_rtsp_server, pytest.mark.slow]

FAST_RETRY = Backoff(initial_s=0.2, factor=2.0, max_s=1.0, jitter=0.2)
OPTIONS = WhepOptions(ice_addresses=(LOOPBACK,), backoff=FAST_RETRY, first_frame_timeout_s=6.0)
SOURCE_FPS = 25
TOKEN = "peer-token-" + "p" * 32


class StatusLog:
    """Collects a session's statuses and lets a test wait for one."""

    def __init__(self) -> None:
        self.statuses: list[LiveStatus] = []
        self._changed = asyncio.Event()

    def __call__(self, status: LiveStatus) -> None:
        self.statuses.append(status)
        self._changed.set()

    @property
    def states(self) -> list[LiveState]:
        return [s.state for s in self.statuses]

    def mark(self) -> int:
        """A position in the log: `wait_for(..., after=mark)` only looks at later statuses."""
        return len(self.statuses)

    async def wait_for(
        self, predicate: Callable[[LiveStatus], bool], within_s: float, after: int = 0
    ) -> LiveStatus:
        async with asyncio.timeout(within_s):
            while True:
                match = next((s for s in self.statuses[after:] if predicate(s)), None)
                if match is not None:
                    return match
                self._changed.clear()
                await self._changed.wait()

    async def wait_state(
        self, state: LiveState, within_s: float = 8.0, after: int = 0
    ) -> LiveStatus:
        return await self.wait_for(lambda s: s.state is state, within_s, after)


@pytest.fixture
async def peer(camsim_cameras: SimulatedCameras) -> AsyncIterator[WhepPeer]:
    """A WHEP peer serving the session camera `cam1`'s sub stream (640x360, 25 fps, 2 s GOP) as `cam1`."""
    async with running_peer({"cam1": camsim_cameras.url("cam1", "sub")}) as started:
        yield started


async def _poll(predicate: Callable[[], bool], within_s: float) -> None:
    """Wait until `predicate()` holds (for conditions no event announces)."""
    async with asyncio.timeout(within_s):
        while True:
            if predicate():
                return
            await asyncio.sleep(0.05)


def _decoder_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.endswith("-decoder") and t.is_alive()]


async def test_receives_frames_at_the_source_rate_with_the_cameras_timestamp(
    peer: WhepPeer,
) -> None:
    log = StatusLog()
    session = WhepSession(peer.url("cam1"), (480, 270), log, OPTIONS, bearer_token=TOKEN)
    await session.start()
    try:
        await log.wait_state(LiveState.LIVE)
        first = session.slot.stats().written
        started = time.monotonic()
        await asyncio.sleep(3.0)
        fps = (session.slot.stats().written - first) / (time.monotonic() - started)
        frame = session.slot.peek()
    finally:
        await session.close()
    assert fps == pytest.approx(SOURCE_FPS, rel=0.12)
    assert frame is not None
    assert (frame.width, frame.height) == (480, 270)
    assert (frame.source_width, frame.source_height) == (640, 360)
    capture_ms = frame_capture_ms(frame)
    assert capture_ms is not None, "the timestamp code did not survive decoding and scaling"
    assert 0 < frame.received_ms - capture_ms < 1500
    assert session.stats().fps == pytest.approx(SOURCE_FPS, rel=0.15)
    assert session.stats().bitrate_bps


async def test_close_deletes_the_resource_with_the_token_and_closes_the_peer(
    peer: WhepPeer,
) -> None:
    log = StatusLog()
    session = WhepSession(peer.url("cam1"), (320, 180), log, OPTIONS, bearer_token=TOKEN)
    await session.start()
    await log.wait_state(LiveState.LIVE)
    assert len(peer.record.open) == 1
    await session.close()
    assert peer.record.deletes == ["1"]
    assert peer.record.authorizations == [
        ("POST", f"Bearer {TOKEN}"),
        ("DELETE", f"Bearer {TOKEN}"),
    ]
    assert peer.record.open == {}
    assert log.states[-1] is LiveState.CLOSED
    assert session.resource_url is not None
    assert session.resource_url.endswith("/whep/cam1/1")
    await _poll(lambda: not _decoder_threads(), within_s=3)


async def test_reconnects_after_the_server_drops(peer: WhepPeer) -> None:
    log = StatusLog()
    session = WhepSession(
        peer.url("cam1"), (320, 180), log, OPTIONS, random.Random(7), bearer_token=TOKEN
    )
    await session.start()
    try:
        await log.wait_state(LiveState.LIVE)
        await peer.drop()
        lost = await log.wait_state(LiveState.RECONNECTING)
        assert lost.reason == "the recorder ended the stream"
        assert lost.retry_in_s is not None
        assert lost.retry_in_s <= FAST_RETRY.initial_s * (1 + FAST_RETRY.jitter)
        await log.wait_for(lambda s: "unreachable" in s.reason, within_s=5)
        written = session.slot.stats().written
        mark = log.mark()
        await peer.resume()
        await log.wait_state(LiveState.LIVE, after=mark)
        await _poll(lambda: session.slot.stats().written >= written + 10, within_s=3)
    finally:
        await session.close()
    assert peer.record.posts == 2  # while it was down, nothing reached it
    assert peer.record.open == {}


async def test_a_refused_stream_goes_offline_at_once_and_keeps_retrying(peer: WhepPeer) -> None:
    peer.refuse["cam1"] = 404
    log = StatusLog()
    session = WhepSession(peer.url("cam1"), (320, 180), log, OPTIONS, bearer_token=TOKEN)
    await session.start()
    try:
        offline = await log.wait_state(LiveState.OFFLINE)
        assert "404" in offline.reason
        posts = peer.record.posts
        del peer.refuse["cam1"]
        await log.wait_state(LiveState.LIVE, within_s=12)
    finally:
        await session.close()
    assert posts >= 1
    assert peer.record.posts > posts


async def test_an_unreachable_recorder_backs_off_then_goes_offline() -> None:
    log = StatusLog()
    url = f"http://{LOOPBACK}:9/whep/none"  # discard port: nothing listens
    options = WhepOptions(ice_addresses=(LOOPBACK,), backoff=FAST_RETRY, offline_after=3)
    session = WhepSession(url, (320, 180), log, options, random.Random(1), bearer_token=TOKEN)
    await session.start()
    try:
        offline = await log.wait_state(LiveState.OFFLINE)
    finally:
        await session.close()
    waits = [s.retry_in_s for s in log.statuses if s.retry_in_s is not None]
    assert len(waits) == 3
    assert waits[0] < waits[1] < waits[2] <= FAST_RETRY.max_s * (1 + FAST_RETRY.jitter)
    assert "unreachable" in offline.reason
    assert session.attempts == 3


async def test_plays_the_recorders_live_service_and_a_second_viewer_starts_at_once(
    whep_server: WhepServer,
) -> None:
    """The product's WHEP service (LiveService, GOP cache): a viewer joining a running feed gets the
    cached GOP, so its first frame comes well before the camera's next keyframe (2 s GOP)."""
    first_log, second_log = StatusLog(), StatusLog()
    url, token = whep_server.url("cam2", "sub"), whep_server.token
    first = WhepSession(url, (320, 180), first_log, OPTIONS, bearer_token=token)
    second = WhepSession(url, (320, 180), second_log, OPTIONS, bearer_token=token)
    await first.start()
    try:
        await first_log.wait_state(LiveState.LIVE)
        started = time.monotonic()
        await second.start()
        await second_log.wait_state(LiveState.LIVE)
        joined_s = time.monotonic() - started
        await _poll(lambda: second.slot.stats().written >= 25, within_s=3)
    finally:
        await second.close()
        await first.close()
    assert joined_s < 1.0
    frame = second.slot.peek()
    assert frame is not None
    assert frame_capture_ms(frame) is not None
    assert second.resource_url is not None

"""Tests for backend_embed.snapshots.live_capture: decoding the newest frame of a GOP, holding the main feed.

Real: PyAV (libx264 to make the GOP, h264 to decode it), `LiveSources` on the recorder route (no ffmpeg is
started on that route). Fake: the relay, replaced by a GOP source the test fills.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import pytest

from backend_embed.api.dto import StreamRole
from backend_embed.snapshots.live_capture import LiveCapture, decode_newest
from backend_embed.snapshots.still import jpeg_size
from backend_embed.streams.live_sources import LiveFeed, LiveSources, LiveSourceUnavailableError
from backend_embed.webrtc.reader import EncodedFrame
from backend_embed.webrtc.relay import CachedGop, LiveRelay
from tests.helpers.recorded_sources import camera_url, recorded_sources
from tests.unit.backend_embed.snapshots.coded import encode_gop, read_code

BASE_MS = 1_795_255_200_000
CODES = [BASE_MS + 40 * i for i in range(30)]


@pytest.fixture(scope="module")
def gop() -> list[EncodedFrame]:
    return encode_gop(640, 360, CODES)


def test_the_newest_frame_of_the_gop_is_decoded(gop: list[EncodedFrame]) -> None:
    assert gop[0].keyframe
    assert not any(f.keyframe for f in gop[1:])

    frame = decode_newest(tuple(gop))

    assert (frame.width, frame.height) == (640, 360)
    assert read_code(frame) == CODES[-1]
    assert read_code(decode_newest(tuple(gop[:7]))) == CODES[6]


def test_a_gop_that_does_not_decode_is_an_error() -> None:
    with pytest.raises(ValueError, match="decode"):
        decode_newest((EncodedFrame(b"\x00\x00\x01\x09\xff" * 4, 0, True),))


class FakeGops:
    """The relays' GOP caches, per camera; records which feeds were asked for."""

    def __init__(self) -> None:
        self.gops: dict[int, CachedGop] = {}
        self.asked: list[tuple[int, StreamRole]] = []

    def relay_of(self, feed: LiveFeed) -> FakeGops.Source:
        self.asked.append((feed.camera_id, feed.stream))
        return FakeGops.Source(self, feed.camera_id)

    class Source:
        def __init__(self, owner: FakeGops, camera_id: int) -> None:
            self._owner, self._camera_id = owner, camera_id

        def cached_gop(self) -> CachedGop | None:
            return self._owner.gops.get(self._camera_id)


@pytest.fixture
async def sources() -> AsyncIterator[LiveSources]:
    live = recorded_sources(idle_grace_s=0.05)
    yield live
    await live.stop()


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


async def _until(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    for _ in range(round(timeout_s / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("timed out")


def _viewers(sources: LiveSources, camera_id: int, stream: StreamRole) -> int:
    return sum(f.viewers for f in sources.feeds() if (f.camera_id, f.stream) == (camera_id, stream))


async def test_a_still_is_the_newest_main_stream_frame_and_holds_the_main_feed(
    sources: LiveSources, gop: list[EncodedFrame]
) -> None:
    gops = FakeGops()
    arrival = _now_ms()
    gops.gops[3] = CachedGop(tuple(gop), arrival)
    capture = LiveCapture(sources, gops.relay_of, linger_s=60)
    try:
        still = await capture.still(3)

        assert (still.width, still.height, still.stream, still.time_ms) == (
            640, 360, StreamRole.MAIN, arrival,
        )  # fmt: skip
        assert jpeg_size(still.jpeg) == (640, 360)
        assert jpeg_size(still.thumbnail) == (320, 180)
        assert gops.asked
        assert set(gops.asked) == {(3, StreamRole.MAIN)}
        assert capture.held() == [3]
        assert _viewers(sources, 3, StreamRole.MAIN) == 1
        await capture.still(3)
        assert _viewers(sources, 3, StreamRole.MAIN) == 1  # one hold, however many stills
    finally:
        await capture.stop()
    assert _viewers(sources, 3, StreamRole.MAIN) == 0


async def test_a_stale_picture_is_refused_with_an_operator_message(
    sources: LiveSources, gop: list[EncodedFrame]
) -> None:
    gops = FakeGops()
    gops.gops[1] = CachedGop(tuple(gop), _now_ms() - 10_000)  # the camera stopped 10 s ago
    capture = LiveCapture(sources, gops.relay_of, first_frame_timeout_s=0.2, max_age_s=2.0)
    try:
        with pytest.raises(LiveSourceUnavailableError, match=r"sent no picture in the last 0\.2 s"):
            await capture.still(1)
    finally:
        await capture.stop()


async def test_a_cold_still_waits_for_the_first_gop(
    sources: LiveSources, gop: list[EncodedFrame]
) -> None:
    gops = FakeGops()
    capture = LiveCapture(sources, gops.relay_of, first_frame_timeout_s=5)
    try:
        pending = asyncio.create_task(capture.still(2))
        await asyncio.sleep(0.1)
        assert not pending.done()
        gops.gops[2] = CachedGop(tuple(gop[:5]), _now_ms())
        still = await asyncio.wait_for(pending, 5)
        assert still.width == 640
    finally:
        await capture.stop()


async def test_watching_any_stream_warms_the_main_feed_until_the_linger_after_it(
    sources: LiveSources,
) -> None:
    gops = FakeGops()
    capture = LiveCapture(sources, gops.relay_of, linger_s=0.0)
    try:
        sub = await sources.acquire(4, StreamRole.SUB)
        capture.note_viewed(sub)
        await _until(lambda: capture.held() == [4])
        assert _viewers(sources, 4, StreamRole.MAIN) == 1
        await asyncio.sleep(1.5)  # watched: held past the linger
        assert capture.held() == [4]

        sources.release(sub)
        await _until(lambda: not capture.held())
        assert _viewers(sources, 4, StreamRole.MAIN) == 0
    finally:
        await capture.stop()


async def test_watching_the_sub_stream_does_not_open_a_main_stream_that_is_not_recorded(
    sources: LiveSources,
) -> None:
    # the camera would get a second RTSP session (main) for a still nobody asked for
    gops = FakeGops()
    recorded_main: set[int] = {8}
    capture = LiveCapture(
        sources, gops.relay_of, linger_s=0.0, main_is_free=recorded_main.__contains__
    )
    try:
        sub = await sources.acquire(7, StreamRole.SUB)
        capture.note_viewed(sub)
        await asyncio.sleep(0.2)
        assert capture.held() == []
        assert _viewers(sources, 7, StreamRole.MAIN) == 0

        main = await sources.acquire(
            7, StreamRole.MAIN
        )  # watched on its main stream: the same feed
        capture.note_viewed(main)
        await _until(lambda: capture.held() == [7])
        assert _viewers(sources, 7, StreamRole.MAIN) == 2  # the viewer and the hold share one feed

        recorded_sub = await sources.acquire(8, StreamRole.SUB)  # main recorded: warming it is free
        capture.note_viewed(recorded_sub)
        await _until(lambda: capture.held() == [7, 8])
        sources.release(sub)
        sources.release(main)
        sources.release(recorded_sub)
    finally:
        await capture.stop()


async def test_a_pinned_camera_stays_held_while_pinned_and_is_let_go_after(
    sources: LiveSources,
) -> None:
    gops = FakeGops()
    recorded = {5}
    capture = LiveCapture(sources, gops.relay_of, linger_s=0.0, pinned=recorded.__contains__)
    try:
        capture.pin(6)  # not pinned: nothing held
        capture.pin(5)
        await _until(lambda: capture.held() == [5])
        assert gops.asked == [(5, StreamRole.MAIN)]  # its relay reads (and caches) right away
        await asyncio.sleep(1.5)  # nobody watches, no still: held past the linger while pinned
        assert capture.held() == [5]
        assert _viewers(sources, 5, StreamRole.MAIN) == 1

        recorded.clear()  # its recorder stopped
        await _until(lambda: not capture.held())
        assert _viewers(sources, 5, StreamRole.MAIN) == 0
    finally:
        await capture.stop()


async def test_a_camera_whose_codec_is_unknown_has_no_live_still(gop: list[EncodedFrame]) -> None:
    sources = LiveSources(
        stream_url=camera_url, recorder_port=lambda _c, _s: None, codec_of=lambda _c, _s: None
    )
    capture = LiveCapture(sources, FakeGops().relay_of)
    try:
        with pytest.raises(LiveSourceUnavailableError, match="not been reached yet"):
            await capture.still(1)
        assert capture.held() == []
    finally:
        await capture.stop()
        await sources.stop()


def test_the_relay_gives_its_newest_gop_and_when_its_newest_frame_arrived(
    gop: list[EncodedFrame],
) -> None:
    relay = LiveRelay(lambda: "udp://127.0.0.1:9", name="test relay")  # never started: fed by hand
    assert relay.cached_gop() is None
    before = _now_ms()
    for frame in gop[:4]:
        relay._on_frame(frame)

    cached = relay.cached_gop()

    assert cached is not None
    assert [f.data for f in cached.frames] == [f.data for f in gop[:4]]
    assert cached.frames[0].keyframe
    assert before <= cached.newest_arrival_ms <= _now_ms()

"""Tests for backend_embed.webrtc.relay: the timeline across source restarts, the GOP cache, viewer queues."""

from __future__ import annotations

import av
import pytest
from aiortc.mediastreams import MediaStreamError

from backend_embed.webrtc.reader import VIDEO_TIME_BASE, EncodedFrame
from backend_embed.webrtc.relay import (
    MAX_QUEUED_FRAMES,
    GopCache,
    LiveRelay,
    RelayTrack,
    Timeline,
)

TICKS = 3600  # one frame at 25 fps in 90 kHz


def _frame(index: int, *, key: bool = False, base: int = 0) -> EncodedFrame:
    return EncodedFrame(bytes([index % 256]) * 8, base + index * TICKS, key)


def _gop(start: int, count: int, *, base: int = 0) -> list[EncodedFrame]:
    return [_frame(start + i, key=i == 0, base=base) for i in range(count)]


def test_the_timeline_keeps_source_timestamps_while_they_follow_the_clock() -> None:
    timeline = Timeline()
    out = [timeline.map(900_000 + i * TICKS, i * 0.04) for i in range(50)]

    assert out == [i * TICKS for i in range(50)]
    assert timeline.resets == 0


def test_the_timeline_tolerates_b_frame_reordering_and_bursts() -> None:
    timeline = Timeline()
    pts = [0, 3 * TICKS, TICKS, 2 * TICKS, 6 * TICKS, 4 * TICKS, 5 * TICKS]
    out = [timeline.map(p, 0.001 * i) for i, p in enumerate(pts)]

    assert out == pts
    assert timeline.resets == 0


@pytest.mark.parametrize(
    "new_base",
    [pytest.param(126_000, id="restart-steps-back"), pytest.param(10**9, id="restart-leaps")],
)
def test_a_restarted_source_continues_the_timeline_by_the_wall_time_elapsed(new_base: int) -> None:
    timeline = Timeline()
    for i in range(100):
        last = timeline.map(5_000_000 + i * TICKS, i * 0.04)
    gap_s = 3.0
    after = [timeline.map(new_base + i * TICKS, 99 * 0.04 + gap_s + i * 0.04) for i in range(3)]

    assert timeline.resets == 1
    assert after[0] == last + round(gap_s * 90_000)
    assert after[1:] == [after[0] + TICKS, after[0] + 2 * TICKS]


def test_the_gop_cache_holds_the_frames_since_the_newest_keyframe() -> None:
    cache = GopCache()
    for frame in [_frame(0), *_gop(1, 10), *_gop(11, 4)]:
        cache.add(frame)

    burst = cache.burst()

    assert [f.data for f in burst] == [f.data for f in _gop(11, 4)]
    assert burst[0].keyframe
    # squeezed into the ticks before the newest frame: decoded at once, then live without added delay
    newest = 14 * TICKS
    assert [f.pts for f in burst] == [newest - 3, newest - 2, newest - 1, newest]


def test_the_gop_cache_is_empty_before_a_keyframe_and_after_an_overlong_gop() -> None:
    cache = GopCache(max_frames=5)
    cache.add(_frame(0))
    assert cache.burst() == []
    for frame in _gop(1, 6):
        cache.add(frame)
    assert cache.burst() == []
    cache.add(_frame(7, key=True))
    assert cache.size == 1


async def test_a_track_starts_with_the_burst_and_hands_out_h264_packets_not_frames() -> None:
    burst = GopCache()
    for frame in _gop(0, 3):
        burst.add(frame)
    track = RelayTrack(_relay(), burst.burst())
    track.offer(_frame(3))

    packets = [await track.recv() for _ in range(4)]

    assert all(isinstance(p, av.Packet) for p in packets)
    assert [bytes(p) for p in packets] == [f.data for f in _gop(0, 4)]
    assert packets[-1].pts == 3 * TICKS
    assert packets[0].time_base == VIDEO_TIME_BASE
    assert track.first_frame_cached


async def test_a_track_without_a_burst_starts_at_the_next_keyframe() -> None:
    track = RelayTrack(_relay(), [])
    for frame in [_frame(0), _frame(1), _frame(2, key=True), _frame(3)]:
        track.offer(frame)

    first = await track.recv()

    assert bytes(first) == _frame(2).data
    assert track.frames_dropped == 2


async def test_a_viewer_too_far_behind_skips_to_the_next_keyframe() -> None:
    track = RelayTrack(_relay(), [])
    frames = _gop(0, MAX_QUEUED_FRAMES + 5) + _gop(MAX_QUEUED_FRAMES + 5, 2)
    for frame in frames:
        track.offer(frame)

    first = await track.recv()

    assert first.pts == (MAX_QUEUED_FRAMES + 5) * TICKS, "resumed at the keyframe"
    assert track.frames_dropped == MAX_QUEUED_FRAMES + 5


async def test_a_track_ends_when_the_source_ends_and_leaves_the_relay_when_stopped() -> None:
    relay = _relay()
    relay_track = relay.subscribe()
    assert relay.viewers == 1
    relay_track.end()

    with pytest.raises(MediaStreamError):
        await relay_track.recv()

    assert relay.viewers == 0
    assert relay_track.readyState == "ended"


def _relay() -> LiveRelay:
    """A relay that is never started: tracks only need it to unsubscribe."""
    return LiveRelay(lambda: "udp://127.0.0.1:9", name="test relay")


async def test_after_a_source_restart_viewers_skip_to_its_first_keyframe() -> None:
    relay = _relay()
    track = relay.subscribe()
    before = _gop(0, 3, base=5_000_000)
    # the ingest reconnected: its timestamps start again, and its first frames are deltas
    after = [_frame(i, key=i == 2, base=126_000) for i in range(4)]
    for frame in [*before, *after]:
        relay._on_frame(frame)  # what the reader delivers on the loop

    received = [bytes(await track.recv()) for _ in range(5)]

    assert received == [f.data for f in [*before, *after[2:]]]
    assert relay.timeline_resets == 1
    assert relay.cached_frames == 2, "the cache restarts with the new keyframe"

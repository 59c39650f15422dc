"""A WhepSession that is behind shows the newest decoded frame and does not scale the ones before it."""

from __future__ import annotations

import asyncio
import fractions
from typing import Any

import pytest
from aiortc.mediastreams import MediaStreamTrack
from av import VideoFrame

from vas_console.media.live import LiveStatus
from vas_console.media.receiver_tuning import frames_waiting
from vas_console.media.webrtc_client import WhepOptions, WhepSession


class _QueuedTrack(MediaStreamTrack):
    """Like aiortc's remote track: decoded frames wait in `_queue` until `recv` takes them."""

    kind = "video"

    def __init__(self) -> None:
        super().__init__()
        self._queue: asyncio.Queue[VideoFrame] = asyncio.Queue()

    async def recv(self) -> VideoFrame:
        return await self._queue.get()


class _Receiver:
    def __init__(self, track: _QueuedTrack) -> None:
        self.track = track

    async def getStats(self) -> dict[str, Any]:  # noqa: N802 - aiortc's name
        return {}


def _frame(index: int) -> VideoFrame:
    frame = VideoFrame(64, 36, "yuv420p")
    frame.pts = index * 3600
    frame.time_base = fractions.Fraction(1, 90_000)
    return frame


async def test_frames_already_waiting_are_skipped_and_only_the_newest_is_shown() -> None:
    statuses: list[LiveStatus] = []
    session = WhepSession(
        "http://127.0.0.1:9/whep/x",
        (64, 36),
        statuses.append,
        WhepOptions(stats_interval_s=60),
        bearer_token="t" * 43,
    )
    track = _QueuedTrack()
    for pts in range(5):  # a burst: five decoded frames before the reader gets to them
        track._queue.put_nowait(_frame(pts))
    receiving = asyncio.create_task(session._receive(_Receiver(track)))  # type: ignore[arg-type]
    try:
        for _ in range(500):  # the first frame goes through the scaler thread
            if session.slot.stats().written:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
    finally:
        receiving.cancel()
        with pytest.raises(asyncio.CancelledError):
            await receiving

    assert session.frames_skipped == 4
    assert session.slot.stats().written == 1
    shown = session.slot.peek()
    assert shown is not None
    assert shown.media_time_s == pytest.approx(0.16)  # the fifth frame, 4 x 40 ms


def test_frames_waiting_reads_aiortcs_remote_track_queue() -> None:
    from aiortc.rtcrtpreceiver import RemoteStreamTrack

    track = RemoteStreamTrack(kind="video")
    assert frames_waiting(track) == 0
    track._queue.put_nowait(_frame(0))
    assert frames_waiting(track) == 1

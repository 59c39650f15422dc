"""WhepSession's frame wait never loses a cancellation (so close() cannot wait forever for its task)."""

from __future__ import annotations

import asyncio

import pytest
from aiortc.mediastreams import MediaStreamTrack
from av import VideoFrame

from vas_console.media.webrtc_client import WhepSession


class _ReadyTrack(MediaStreamTrack):
    """A track whose next frame is whatever the test puts in `frame` (a future)."""

    kind = "video"

    def __init__(self, frame: asyncio.Future[VideoFrame]) -> None:
        super().__init__()
        self.frame = frame

    async def recv(self) -> VideoFrame:
        return await self.frame


@pytest.mark.parametrize("steps", [0, 1, 2, 3], ids=lambda n: f"{n}-steps")
async def test_a_cancel_that_arrives_with_a_frame_is_not_swallowed(steps: int) -> None:
    # Regression: asyncio.wait_for on 3.11 returned the frame and dropped the cancellation (gh-86296).
    session = WhepSession(
        "http://127.0.0.1:9/whep/x", (64, 36), lambda _status: None, bearer_token="t" * 43
    )
    frame: asyncio.Future[VideoFrame] = asyncio.get_running_loop().create_future()
    waiting = asyncio.create_task(session._next_frame(_ReadyTrack(frame), 5.0))
    for _ in range(3):
        await asyncio.sleep(0)
    frame.set_result(VideoFrame(64, 36, "yuv420p"))
    for _ in range(steps):
        await asyncio.sleep(0)
    if not waiting.cancel():
        return  # the frame was taken before the cancellation: nothing to lose
    with pytest.raises(asyncio.CancelledError):
        await waiting

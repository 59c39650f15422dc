"""WhepSession and the recorder's access token, against the real LiveService on 127.0.0.1 (no camera).

Real: LiveService (aiohttp, aiortc), WhepSession (httpx, aiortc). No camera: camera 1 is "recorded" by a
silent restream port, so the feed starts no ffmpeg and the tile never goes live; these tests only look
at the HTTP exchange and the statuses.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence

import pytest

from backend_embed.api.dto import StreamRole
from backend_embed.streams.controller import free_udp_port
from backend_embed.streams.live_sources import LiveSources
from backend_embed.webrtc.service import LiveService
from vas_console.media.live import Backoff, LiveState, LiveStatus
from vas_console.media.webrtc_client import WhepOptions, WhepSession

SLOW_RETRY = Backoff(initial_s=5.0, factor=2.0, max_s=30.0, jitter=0.1)
OPTIONS = WhepOptions(ice_addresses=("127.0.0.1",), backoff=SLOW_RETRY)


@pytest.fixture
async def service() -> AsyncIterator[LiveService]:
    """A started LiveService with a random token over one camera whose feed stays silent."""
    port = free_udp_port()

    async def stream_url(camera_id: int, stream: StreamRole) -> tuple[str, Sequence[str]]:
        return "rtsp://127.0.0.1:9/unused", ()

    sources = LiveSources(
        stream_url=stream_url,
        recorder_port=lambda camera_id, stream: port,
        codec_of=lambda camera_id, stream: "h264",
        idle_grace_s=0.2,
    )
    live = LiveService(sources)
    await live.start()
    try:
        yield live
    finally:
        await live.stop()
        await sources.stop()


async def _until(predicate: Callable[[], bool], within_s: float = 5.0) -> None:
    async with asyncio.timeout(within_s):
        while not predicate():  # noqa: ASYNC110  # statuses arrive by callback, not as an event
            await asyncio.sleep(0.02)


async def test_the_token_goes_with_the_post_and_the_delete(
    service: LiveService, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="backend_embed.webrtc")
    endpoint = await service.endpoint(1, StreamRole.MAIN)
    statuses: list[LiveStatus] = []
    session = WhepSession(
        endpoint.whep_url, (320, 180), statuses.append, OPTIONS, bearer_token=endpoint.bearer_token
    )
    await session.start()
    try:
        await _until(lambda: len(service.sessions()) == 1)
    finally:
        await session.close()

    closed = [r.getMessage() for r in caplog.records if "closed:" in r.getMessage()]
    assert closed
    assert closed[0].endswith("the viewer ended it"), "the DELETE was accepted"
    assert not [r for r in caplog.records if "refused" in r.getMessage()]
    assert all("not authorised" not in s.reason for s in statuses)


@pytest.mark.parametrize(
    ("token", "words"),
    [
        pytest.param("another-recorders-token-" + "x" * 20, "refused this console's", id="wrong"),
        pytest.param("", "wants a live-video token", id="none"),
    ],
)
async def test_a_refused_token_shows_not_authorised_offline_at_once_without_retrying_fast(
    service: LiveService, token: str, words: str
) -> None:
    endpoint = await service.endpoint(1, StreamRole.MAIN)
    statuses: list[LiveStatus] = []
    session = WhepSession(
        endpoint.whep_url, (320, 180), statuses.append, OPTIONS, bearer_token=token
    )
    await session.start()
    try:
        await _until(lambda: any(s.state is LiveState.OFFLINE for s in statuses))
        await asyncio.sleep(0.5)  # a retry storm would show here
    finally:
        await session.close()

    offline = next(s for s in statuses if s.state is LiveState.OFFLINE)
    assert offline.reason.startswith("not authorised by the recorder")
    assert words in offline.reason
    assert offline.retry_in_s is not None
    assert offline.retry_in_s >= 4.5
    assert session.attempts == 1
    assert service.sessions() == []
    assert token == "" or token not in offline.reason

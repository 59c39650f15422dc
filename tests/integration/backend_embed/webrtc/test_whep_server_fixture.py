"""The `whep_server_thread` fixture serves WHEP to a synchronous test's own loop (as a GUI test would need)."""

from __future__ import annotations

import asyncio

import pytest

from tests.helpers.whep_server import ThreadedWhepServer
from tests.integration.backend_embed.webrtc.whep_client import WhepViewer

pytestmark = [pytest.mark.requires_ffmpeg, pytest.mark.requires_rtsp_server]


def test_a_client_on_another_loop_plays_from_the_threaded_server(
    whep_server_thread: ThreadedWhepServer,
) -> None:
    async def watch() -> int:
        viewer = WhepViewer()
        try:
            await viewer.connect(whep_server_thread.url("cam3", "sub"), whep_server_thread.token)
            frames = await viewer.wait_frames(10, within_s=20)
        finally:
            await viewer.close()
        return frames[-1].width

    assert asyncio.run(watch()) == 640

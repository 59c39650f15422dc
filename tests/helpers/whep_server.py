"""Fixtures: a started LiveService (WHEP on 127.0.0.1) over simulated cameras, for any test needing live video.

Real: the GStreamer cameras, ffmpeg (one live-only restream per watched stream), aiortc, aiohttp. Nothing
records, unless a test passes `recorder_port`. Camera ids are 1, 2, ... in the order of the cameras'
configuration; `url(name, stream)` is the WHEP endpoint to POST an offer to, with `token` (the service's
random access token) as `Authorization: Bearer <token>`.

- `whep_server`: the session cameras `cam1`..`cam3` (H.264), on the test's own loop (async tests).
- `whep_server_thread`: the same, served from a loop in a thread of its own, for synchronous and GUI
  tests that cannot await (e.g. a console tile's WHEP client running on the console's worker loop).
- `start_whep_server(cameras, ...)`: an async context manager for any `SimulatedCameras`.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from backend_embed.api.dto import StreamRole
from backend_embed.api.errors import NotFoundError
from backend_embed.streams.live_sources import LiveSources
from backend_embed.webrtc.service import LiveService
from camsim.launcher import SimulatedCameras
from tests.helpers.components import require_binary

#: ffprobe's names for camsim's codecs (what the camera probe reports)
PROBED_CODEC = {"h264": "h264", "h265": "hevc", "mjpeg": "mjpeg"}
#: short, so tests see a feed close quickly after its last viewer
TEST_IDLE_GRACE_S = 2.0
_THREAD_TIMEOUT_S = 60.0

RecorderPort = Callable[[int, StreamRole], int | None]


@dataclass
class WhepServer:
    """A running LiveService over simulated cameras.

    Attributes:
        service: the WHEP server (`service.base_url`, `service.sessions()`).
        sources: its live feeds (`sources.feeds()`: routes, ffmpeg pids, viewers).
        cameras: the simulated cameras (`cameras.sessions(name)` counts RTSP sessions).
        camera_ids: camera name -> the id used in WHEP URLs.
    """

    service: LiveService
    sources: LiveSources
    cameras: SimulatedCameras
    camera_ids: dict[str, int] = field(default_factory=dict)

    def camera_id(self, camera: str) -> int:
        return self.camera_ids[camera]

    def url(self, camera: str, stream: str = "main") -> str:
        """The WHEP endpoint URL of `camera`'s `stream` ("main" or "sub")."""
        return f"{self.service.base_url}/whep/{self.camera_ids[camera]}/{stream}"

    @property
    def token(self) -> str:
        """The bearer token every request must carry."""
        return self.service.bearer_token


@contextlib.asynccontextmanager
async def start_whep_server(
    cameras: SimulatedCameras,
    *,
    idle_grace_s: float = TEST_IDLE_GRACE_S,
    recorder_port: RecorderPort | None = None,
    **service_options: Any,
) -> AsyncIterator[WhepServer]:
    """Serve `cameras` over WHEP on 127.0.0.1 until the block ends; then no ffmpeg and no peer is left.

    Args:
        cameras: started simulated cameras.
        idle_grace_s: how long a feed outlives its last viewer.
        recorder_port: which streams a recorder holds (its restream port); none by default.
        service_options: passed to `LiveService` (e.g. `gop_cache=False`).
    """
    ffmpeg = require_binary("ffmpeg")
    names = list(cameras.cameras)
    ids = {name: index for index, name in enumerate(names, start=1)}
    by_id = {index: name for name, index in ids.items()}
    secrets: Sequence[str] = (cameras.credentials.password,) if cameras.credentials else ()

    async def stream_url(camera_id: int, stream: StreamRole) -> tuple[str, Sequence[str]]:
        if camera_id not in by_id:
            raise NotFoundError(f"Camera {camera_id} does not exist.")
        return cameras.url(by_id[camera_id], stream.value), secrets

    def codec_of(camera_id: int, stream: StreamRole) -> str | None:
        name = by_id.get(camera_id)
        return None if name is None else PROBED_CODEC[cameras.cameras[name].codec]

    sources = LiveSources(
        stream_url=stream_url,
        recorder_port=recorder_port or (lambda camera_id, stream: None),
        codec_of=codec_of,
        idle_grace_s=idle_grace_s,
        ffmpeg=ffmpeg,
    )
    service = LiveService(sources, **service_options)
    await service.start()
    try:
        yield WhepServer(service, sources, cameras, ids)
    finally:
        await service.stop()
        await sources.stop()


@pytest.fixture
async def whep_server(camsim_cameras: SimulatedCameras) -> AsyncIterator[WhepServer]:
    """The session cameras `cam1`..`cam3` (ids 1..3, H.264 720p25 main, 640x360 sub) served over WHEP.

    Real: everything (see the module docstring). Stopped at teardown: no ffmpeg, no peer connection.
    """
    async with start_whep_server(camsim_cameras) as server:
        yield server


class ThreadedWhepServer:
    """A WhepServer whose service runs on a loop in its own thread; `url()` is safe from any thread."""

    def __init__(self, cameras: SimulatedCameras, **options: Any) -> None:
        self._cameras = cameras
        self._options = options
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="whep server")
        self._stack: contextlib.AsyncExitStack | None = None
        self.server: WhepServer | None = None

    def url(self, camera: str, stream: str = "main") -> str:
        assert self.server is not None, "not started"
        return self.server.url(camera, stream)

    @property
    def token(self) -> str:
        assert self.server is not None, "not started"
        return self.server.token

    def call(self, coro: Any) -> Any:
        """Run a coroutine on the server's loop and return its result (for inspecting the service)."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(_THREAD_TIMEOUT_S)

    def start(self) -> None:
        self._thread.start()

        async def enter() -> WhepServer:
            self._stack = contextlib.AsyncExitStack()
            return await self._stack.enter_async_context(
                start_whep_server(self._cameras, **self._options)
            )

        self.server = self.call(enter())

    def stop(self) -> None:
        try:
            if self._stack is not None:
                self.call(self._stack.aclose())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(_THREAD_TIMEOUT_S)
            self._loop.close()


@pytest.fixture
def whep_server_thread(camsim_cameras: SimulatedCameras) -> Iterator[ThreadedWhepServer]:
    """`whep_server` for synchronous tests: the service runs on a loop in a thread of its own.

    Real: everything. Stopped and its thread joined at teardown.
    """
    server = ThreadedWhepServer(camsim_cameras)
    try:
        server.start()
        yield server
    finally:
        server.stop()

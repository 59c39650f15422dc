"""Fixtures for recorder tests: real StreamRecorders on the real ffmpeg, with a playlist-polling indexer."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest

from backend_embed.api.dto import StreamRole
from backend_embed.api.recording import RecorderState, RecorderStatus
from backend_embed.ffmpeg.command import RecorderCommand
from backend_embed.streams.supervisor import StreamRecorder
from tests.helpers.components import require_binary
from tests.integration.backend_embed.streams.playlist_watch import PlaylistWatch


@dataclass
class Recording:
    """A started StreamRecorder, every status it published (with the monotonic time), and its watch."""

    recorder: StreamRecorder
    command: RecorderCommand
    watch: PlaylistWatch
    published: list[tuple[float, RecorderStatus]] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def status(self) -> RecorderStatus:
        return self.recorder.status()

    async def wait_for(
        self, predicate: Callable[[RecorderStatus], bool], *, within_s: float
    ) -> float:
        """Wait until the status satisfies `predicate`; return the monotonic time it was published."""
        async with asyncio.timeout(within_s):
            while not predicate(self.recorder.status()):
                self.changed.clear()
                await self.changed.wait()
        return next(t for t, status in reversed(self.published) if status == self.status())

    def ffmpeg_pids(self) -> list[int]:
        """Process ids of this recorder's running ffmpeg (found by its playlist path)."""
        marker = str(self.command.playlist_path)
        pids = []
        for child in psutil.Process().children(recursive=True):
            try:
                if child.status() != psutil.STATUS_ZOMBIE and marker in " ".join(child.cmdline()):
                    pids.append(child.pid)
            except psutil.NoSuchProcess:
                continue
        return pids


RecordingFactory = Callable[..., Awaitable[Recording]]


@pytest.fixture
async def recording(tmp_path: Path) -> AsyncIterator[RecordingFactory]:
    """Start real recorders: `recording(url, camera_id=1, transcode=False, restream_port=None, ...)`.

    Real: ffmpeg, the cameras given by URL, files under a fresh recordings folder. A PlaylistWatch polls
    each live playlist every 0.2 s and calls `note_segment_closed`, as the segment indexer will. Every
    recorder is stopped and every watch cancelled at teardown.
    """
    ffmpeg = require_binary("ffmpeg")
    require_binary("ffprobe")
    started: list[tuple[Recording, asyncio.Task[None]]] = []

    async def start(url: str, *, camera_id: int = 1, secrets: tuple[str, ...] = (),
                    **options: object) -> Recording:  # fmt: skip
        command = RecorderCommand(
            input_url=url, recordings_root=tmp_path / "recordings", camera_id=camera_id,
            ffmpeg=ffmpeg, **options,  # type: ignore[arg-type]
        )  # fmt: skip
        published: list[tuple[float, RecorderStatus]] = []
        changed = asyncio.Event()

        def publish(status: RecorderStatus) -> None:
            published.append((time.monotonic(), status))
            changed.set()

        recorder = StreamRecorder(camera_id, StreamRole.MAIN, command, publish, secrets=secrets)
        watch = PlaylistWatch(command.playlist_path, recorder)
        item = Recording(recorder, command, watch, published, changed)
        task = asyncio.create_task(watch.run(), name=f"watch {camera_id}")
        started.append((item, task))
        await recorder.start()
        return item

    try:
        yield start
    finally:
        for item, task in started:
            await item.recorder.stop()
            task.cancel()
            await asyncio.wait({task})
            assert item.status().state is RecorderState.STOPPED
            assert item.ffmpeg_pids() == [], "stop left an ffmpeg running"

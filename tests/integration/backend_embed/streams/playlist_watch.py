"""Test stand-in for the segment indexer: polls a recorder's live playlist and reports closed segments."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from backend_embed.streams.supervisor import StreamRecorder

_PDT = "#EXT-X-PROGRAM-DATE-TIME:"
_EXTINF = "#EXTINF:"


@dataclass(frozen=True, slots=True)
class ListedSegment:
    """One playlist entry: the segment file, its EXT-X-PROGRAM-DATE-TIME and its EXTINF duration."""

    path: Path
    start_ms: int
    duration_s: float

    @property
    def end_ms(self) -> int:
        return self.start_ms + round(self.duration_s * 1000)


def read_playlist(playlist: Path) -> list[ListedSegment]:
    """The segments listed in `playlist` (empty if it does not exist yet). Every entry must have a PDT."""
    try:
        text = playlist.read_text()
    except FileNotFoundError:
        return []
    segments: list[ListedSegment] = []
    duration: float | None = None
    start_ms: int | None = None
    for line in text.splitlines():
        if line.startswith(_EXTINF):
            duration = float(line[len(_EXTINF) :].split(",")[0])
        elif line.startswith(_PDT):
            moment = datetime.strptime(line[len(_PDT) :], "%Y-%m-%dT%H:%M:%S.%f%z")
            start_ms = round(moment.timestamp() * 1000)
        elif line and not line.startswith("#"):
            assert duration is not None, f"no EXTINF before {line}"
            assert start_ms is not None, f"no EXT-X-PROGRAM-DATE-TIME before {line}"
            segments.append(ListedSegment(playlist.parent / line, start_ms, duration))
            duration = start_ms = None
    return segments


class PlaylistWatch:
    """Accumulates every segment the rolling playlist ever listed and tells the recorder about each."""

    def __init__(self, playlist: Path, recorder: StreamRecorder, *, every_s: float = 0.2) -> None:
        self.playlist = playlist
        self.recorder = recorder
        self.every_s = every_s
        self.segments: list[ListedSegment] = []
        self._listed = asyncio.Event()

    def poll(self) -> None:
        """Read the playlist once; note each segment not seen before."""
        known = {segment.path for segment in self.segments}
        for segment in read_playlist(self.playlist):
            if segment.path not in known:
                self.segments.append(segment)
                self.recorder.note_segment_closed(segment.end_ms)
                self._listed.set()

    async def run(self) -> None:
        while True:
            self.poll()
            await asyncio.sleep(self.every_s)

    async def wait_for_segments(self, count: int, *, within_s: float) -> list[ListedSegment]:
        """Wait until at least `count` segments were listed; return them all."""
        async with asyncio.timeout(within_s):
            while len(self.segments) < count:
                self._listed.clear()
                await self._listed.wait()
        return list(self.segments)


@contextlib.asynccontextmanager
async def watching(playlist: Path, recorder: StreamRecorder) -> AsyncIterator[PlaylistWatch]:
    """Run a PlaylistWatch for the duration of the block; the polling task is cancelled and awaited."""
    watch = PlaylistWatch(playlist, recorder)
    task = asyncio.create_task(watch.run(), name="playlist watch")
    try:
        yield watch
    finally:
        task.cancel()
        await asyncio.wait({task})

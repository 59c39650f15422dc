"""Seeks as the operator sees them: through a real PlaybackView, timed at the picture the view shows.

Used by `bench/seek_latency.py` (not run on its own). The view is the console's (`PlaybackView`, memory
rendering, offscreen Qt, the qasync loop the console uses) over a stand-in for the backend that returns the
benchmark's 24-hour playlist. Each seek is `view.group.seek(t)`, as a click on the timeline makes it while
playing; it is timed from the call to the first picture the view's surface shows (a still the channel
decoded, or a libVLC picture taken at the 25 Hz paint timer) whose timestamp code is near the target,
and that picture's code gives the error.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QApplication

from backend_embed.api import Coverage, PlaybackSource, PlaylistEntry, Preview, StreamRole
from camsim.timecode import decode_luma
from vas_console.media.vlc_player import VideoFrame, VlcInstance
from vas_console.ui.aio import new_event_loop
from vas_console.ui.playback.channel import ChannelStatus
from vas_console.ui.playback.playback_view import PlaybackView
from vas_console.ui.playback.video_surface import RenderMode


@dataclass(frozen=True, slots=True)
class ViewSeek:
    local: bool
    latency_ms: float | None
    error_ms: int | None


class DayRecordings:
    """What the view asks of a backend, answered with the benchmark's day (one camera)."""

    def __init__(self, playlist: Path, entries: tuple[PlaylistEntry, ...]) -> None:
        self._source = PlaybackSource(
            1, StreamRole.MAIN, entries[0].start_ms, entries[-1].end_ms, str(playlist), entries
        )

    async def coverage(
        self, camera_id: int, start_ms: int, end_ms: int, stream: StreamRole = StreamRole.MAIN
    ) -> Coverage:
        return Coverage(camera_id, stream, start_ms, end_ms, (), ())

    async def playback_source(
        self, camera_id: int, start_ms: int, end_ms: int, stream: StreamRole = StreamRole.MAIN
    ) -> PlaybackSource:
        return self._source

    async def previews(self, camera_id: int, start_ms: int, end_ms: int) -> list[Preview]:
        return []


def measure_view_seeks(
    playlist: Path,
    entries: tuple[PlaylistEntry, ...],
    targets: list[int],
    expected_code: Callable[[int], int],
    match: Callable[[int, int], int],
    recorded: Callable[[int], bool],
    settle_s: float,
) -> list[ViewSeek]:
    """Open the view at the first target, then seek to each other (odd ones: near the previous).

    `expected_code(t)` is the code of the frame at t; `match(a, b)` the signed distance of two codes
    (the clip repeats every minute); `recorded(t)`: t is in the recording."""
    app = QApplication.instance() or QApplication([])
    loop = new_event_loop()
    asyncio._set_running_loop(loop)
    vlc = VlcInstance()
    view = PlaybackView(DayRecordings(playlist, entries), vlc, 1, "Bench", mode=RenderMode.MEMORY)
    shown: list[tuple[float, int | None]] = []
    surface = view.surfaces[0]._view  # the _FrameView: every picture it shows goes through _show
    original = surface._show  # type: ignore[attr-defined]

    def logged(frame: VideoFrame) -> None:
        original(frame)
        shown.append((time.monotonic(), decode_luma(frame.data[1::4], frame.width, frame.height)))

    surface._show = logged  # type: ignore[attr-defined]

    def pump(until: Callable[[], bool], timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while not until() and time.monotonic() < deadline:
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
        return until()

    results: list[ViewSeek] = []
    try:
        view.resize(1280, 860)
        view.show()
        view.show_time(targets[0])
        if not pump(lambda: view.channel.status is ChannelStatus.PLAYING and bool(shown), 10):
            raise RuntimeError("the view did not start playing the day's playlist")
        pump(lambda: False, settle_s)
        for number, target in enumerate(targets[1:]):
            start = len(shown)
            expected = expected_code(target)
            last = shown[-1][1] if shown else None
            if last is not None and abs(match(last, expected)) < 7500:
                # the picture shown now could pass for the target's: seek half a clip further
                half = 30_000
                target = target + half if recorded(target + half) else target - half
                expected = expected_code(target)
            requested = time.monotonic()
            view.group.seek(target)

            def arrived(start: int = start, expected: int = expected) -> int | None:
                for index in range(start, len(shown)):
                    code = shown[index][1]
                    if code is not None and abs(match(code, expected)) <= 1500:
                        return index
                return None

            if pump(lambda: arrived() is not None, 5.0):
                index = arrived()
                assert index is not None
                at, code = shown[index]
                assert code is not None
                error = match(code, expected)
                results.append(ViewSeek(number % 2 == 1, 1000 * (at - requested), error))
            else:
                results.append(ViewSeek(number % 2 == 1, None, None))
            pump(lambda: False, settle_s)
    finally:
        view.close_playback()
        view.close()
        pump(lambda: all(t.done() for t in asyncio.all_tasks(loop)), 5)
        for task in asyncio.all_tasks(loop):
            task.cancel()
        pump(lambda: all(t.done() for t in asyncio.all_tasks(loop)), 5)
        vlc.close()
        asyncio._set_running_loop(None)
        loop.close()
    return results

"""StillFrames: the exact recorded picture at a wall-clock time, decoded by the console for a paused view.

libVLC 3 cannot promise the picture a paused seek or a frame step shows (docs/playback.md, "The stuck paused
seek"): now and then it shows the GOP's keyframe and blocks for seconds. While paused, the playback view shows
a still decoded here instead, from the same segment files the player reads (`segment_frames.frame_at`: the
frame whose presentation interval holds the time), scaled to fit the view's largest frame. A step forward
asks for the still at the shown one's `next_ms`, a step back for the one before its `wall_ms`.

Threads: `request` and `close` on the GUI thread; decoding on one worker thread; results reach the GUI
thread through `post` (as `VlcPlayer` does). A newer request supersedes one not yet decoded, and a result
of a superseded request is dropped, so scrubbing while paused decodes only the pictures it stops on.
"""

from __future__ import annotations

import bisect
import concurrent.futures
import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from backend_embed.api import PlaylistEntry
from backend_embed.api.segment_frames import UnreadableSegmentError, frame_at
from vas_console.core.playclock import parse_playlist
from vas_console.media.vlc_types import Post, VideoFrame

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Still:
    """A decoded picture, where it starts on the timeline, and where the next picture starts."""

    frame: VideoFrame
    wall_ms: int
    next_ms: int


StillDone = Callable[[Still | None, str | None], None]
"""Called on the GUI thread with the still, or None and an operator message when it cannot be made."""


class SegmentFiles:
    """The segment files of one VOD playlist, found by wall-clock time."""

    def __init__(self, playlist_path: str, entries: Sequence[PlaylistEntry]) -> None:
        """Raises OSError (the playlist cannot be read) or PlaylistFormatError (it disagrees with
        `entries`)."""
        playlist = Path(playlist_path)
        text = playlist.read_text(encoding="utf-8")
        parsed = parse_playlist(text, lambda uri: _resolve(playlist.parent, uri), len(entries))
        self.entries = tuple(entries)
        self.paths = tuple(Path(segment[-1]) for segment in parsed.segments)
        self._starts = [entry.start_ms for entry in self.entries]

    def index_at(self, wall_ms: int) -> int | None:
        """The entry recorded at `wall_ms`; in a gap, the next recording's first (None after the last)."""
        index = bisect.bisect_right(self._starts, wall_ms) - 1
        if index >= 0 and wall_ms < self.entries[index].end_ms:
            return index
        return index + 1 if index + 1 < len(self.entries) else None


def decode_still(path: Path, entry: PlaylistEntry, wall_ms: int, max_w: int, max_h: int) -> Still:
    """The picture of segment `path` shown at `wall_ms`, scaled to fit `max_w` x `max_h`. Blocking.

    Raises:
        FileNotFoundError: the segment is gone (retention).
        UnreadableSegmentError: it holds no decodable video.
    """
    found = frame_at(path, entry.start_ms, max(wall_ms, entry.start_ms))
    source = found.frame
    scale = min(1.0, max_w / max(1, source.width), max_h / max(1, source.height))
    width = max(2, int(source.width * scale) // 2 * 2)
    height = max(2, int(source.height * scale) // 2 * 2)
    plane = source.reformat(width=width, height=height, format="bgra").planes[0]
    frame = VideoFrame(bytes(plane), width, height, plane.line_size, source.width / source.height)
    following = found.next_ms if found.next_ms is not None else entry.end_ms
    return Still(frame, found.time_ms, max(following, found.time_ms + 1))


class StillFrames:
    """Decodes the stills of one playlist, one at a time, the newest request first."""

    def __init__(self, post: Post, max_width: int, max_height: int) -> None:
        self._post = post
        self._max = (max_width, max_height)
        self._files: SegmentFiles | None = None
        self._lock = threading.Lock()
        self._serial = 0  # the newest request; older ones are skipped or dropped
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="still")

    def open(self, playlist_path: str, entries: Sequence[PlaylistEntry]) -> None:
        """Use this playlist from now on. Raises like `SegmentFiles`."""
        self._files = SegmentFiles(playlist_path, entries)
        with self._lock:
            self._serial += 1

    def request(self, wall_ms: int, done: StillDone) -> None:
        """Decode the still at `wall_ms`; `done` runs later on the GUI thread unless a newer request
        came first."""
        files = self._files
        if files is None:
            return
        with self._lock:
            self._serial += 1
            serial = self._serial
        self._pool.submit(self._decode, files, serial, wall_ms, done)

    def close(self) -> None:
        """Drop every pending request; the worker thread ends once its current decode is done."""
        with self._lock:
            self._serial += 1
        self._files = None
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _current(self, serial: int) -> bool:
        with self._lock:
            return serial == self._serial

    def _decode(self, files: SegmentFiles, serial: int, wall_ms: int, done: StillDone) -> None:
        if not self._current(serial):
            return
        still: Still | None = None
        message: str | None = None
        index = files.index_at(wall_ms)
        if index is None:
            message = "No recording at this time"
        else:
            try:
                still = decode_still(files.paths[index], files.entries[index], wall_ms, *self._max)
            except FileNotFoundError:
                message = "This recording was deleted (storage retention)"
            except UnreadableSegmentError as exc:
                logger.warning("Still at %d ms failed: %s", wall_ms, exc)
                message = "This recording is damaged and cannot be shown"
            except Exception:  # a worker thread: report it rather than leave the view waiting
                logger.exception("Still at %d ms failed", wall_ms)
                message = "This recording cannot be shown (see the log)"
        self._post(lambda: done(still, message) if self._current(serial) else None)


def _resolve(base: Path, uri: str) -> str:
    if uri.startswith("file://"):
        return uri[len("file://") :]
    return uri if os.path.isabs(uri) else str(base / uri)
